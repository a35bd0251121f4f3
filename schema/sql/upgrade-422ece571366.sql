-- Upgrade from upstream revision b5c396305c25 to 422ece571366
-- (add consumer_types; consumers.consumer_type_id). Same result as upstream's
-- migration on MariaDB. The caller stamps alembic_version afterwards.

CREATE TABLE consumer_types (
  created_at DATETIME NULL,
  updated_at DATETIME NULL,
  id INT NOT NULL AUTO_INCREMENT,
  name VARCHAR(255) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_consumer_types0name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

ALTER TABLE consumers
  ADD COLUMN consumer_type_id INT NULL,
  ADD KEY consumers_consumer_type_id_idx (consumer_type_id),
  ADD CONSTRAINT consumers_consumer_type_id_fkey
      FOREIGN KEY (consumer_type_id) REFERENCES consumer_types (id);
