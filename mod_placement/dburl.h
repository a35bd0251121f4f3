/* Parse upstream Placement's [placement_database] connection URL
 * (SQLAlchemy form). Pure: libc + apr only. */
#ifndef PL_DBURL_H
#define PL_DBURL_H

#include <apr_pools.h>

typedef struct {
    const char *user;        /* NULL if absent; percent-decoded */
    const char *password;    /* NULL if absent; percent-decoded */
    const char *host;        /* NULL if absent; [ipv6] without brackets */
    unsigned int port;       /* 0 if absent (client default) */
    const char *unix_socket; /* ?unix_socket=, NULL if absent */
    const char *database;    /* NULL if absent; verbatim, as SQLAlchemy */
    const char *charset;     /* ?charset=, NULL if absent */
    int nhosts;              /* "h1:p1,h2:p2,...": failover list, in order */
    const char **hosts;      /* (host/port above are the first); 0 if no host */
    unsigned int *ports;
} pl_dburl;

/* Accepts mysql://, mariadb:// and their +driver forms (mysql+pymysql,
 * mysql+mysqldb, ...). Unknown query parameters are ignored.
 * Returns 0 on success; -1 with *err (allocated from p) on error.
 * All strings in *out are allocated from p. */
int pl_dburl_parse(apr_pool_t *p, const char *url, pl_dburl *out, char **err);

#endif
