/* Create/upgrade the Placement schema and load the standard resource
 * classes and traits, compatibly with upstream Placement's alembic
 * migrations. MariaDB Connector/C + apr; no httpd headers.
 *
 * All functions need apr_initialize() to have been called. On failure they
 * return a negative value and set *err to a malloc()ed message the caller
 * must free(); on success *err is left NULL. */
#ifndef PL_DBSYNC_H
#define PL_DBSYNC_H

#include <mysql.h>

#include "dburl.h"

/* Upstream alembic revision our schema/sql/placement.sql creates. */
#define PL_DB_REVISION "422ece571366"

/* Return values of pl_db_sync_schema (>= 0 is success). */
enum {
    PL_SCHEMA_UNCHANGED = 0, /* already at PL_DB_REVISION */
    PL_SCHEMA_CREATED = 1,   /* empty database: tables created and stamped */
    PL_SCHEMA_UPGRADED = 2,  /* older upstream revision upgraded and stamped */
    PL_SCHEMA_NEWER = 3      /* known-compatible newer upstream revision:
                                left untouched */
};

/* Connect as described by a parsed URL (charset defaults to utf8; a host
 * without unix_socket means TCP, as with upstream's pymysql driver).
 * Returns NULL and sets *err on failure; close with mysql_close(). */
MYSQL *pl_db_connect(const pl_dburl *u, char **err);

/* Current alembic revision of the connected database. *rev is set to a
 * malloc()ed string, or NULL when there is no schema yet (no tables, or only
 * tables of ours left by an interrupted create: pl_db_sync_schema will
 * create the rest). Returns 0, or -1 when the database has other tables but
 * no alembic_version, or an empty one. */
int pl_db_schema_revision(MYSQL *m, char **rev, char **err);

/* Create the schema in an empty database from SQLDIR/placement.sql, or
 * upgrade an older upstream revision (b4ed3a175331, 611cd6dffd7b,
 * b5c396305c25) to PL_DB_REVISION, stamping alembic_version as upstream
 * would. Serialised across processes with a named lock. Fails on an unknown
 * revision. Returns one of PL_SCHEMA_* or -1. */
int pl_db_sync_schema(MYSQL *m, const char *sqldir, char **err);

/* Insert the standard resource classes (DATADIR/resource_classes.txt, with
 * their fixed ids) and traits (DATADIR/traits.txt) missing from the
 * database, like upstream's ensure_sync. Safe to run concurrently from many
 * processes; never modifies existing rows (CUSTOM_* included). Returns the
 * number of rows inserted, or -1. */
int pl_db_sync_standard(MYSQL *m, const char *datadir, char **err);

/* Same, reporting counts separately; with dry_run set nothing is written
 * and the counts are of missing rows. Returns 0 or -1. */
int pl_db_sync_standard_ex(MYSQL *m, const char *datadir, int dry_run,
                           int *n_classes, int *n_traits, char **err);

#endif
