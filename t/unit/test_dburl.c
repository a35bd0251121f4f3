/* TAP tests for pl_dburl_parse (mod_placement/dburl.c). */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "dburl.h"

static int n_run, n_fail;

static void ok(int cond, const char *what)
{
    n_run++;
    if (!cond)
        n_fail++;
    printf("%sok %d - %s\n", cond ? "" : "not ", n_run, what);
}

static int streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Expected fields; NULL means "absent". */
typedef struct {
    const char *url;
    const char *user, *password, *host;
    unsigned int port;
    const char *unix_socket, *database, *charset;
} good_case;

static const good_case goods[] = {
    { "mysql+pymysql://placement:secret@127.0.0.1/placement?charset=utf8",
      "placement", "secret", "127.0.0.1", 0, NULL, "placement", "utf8" },
    { "mysql://u:p@db.example.org:3307/pl",
      "u", "p", "db.example.org", 3307, NULL, "pl", NULL },
    { "mysql+mysqldb://u:p@localhost/pl?charset=utf8mb4&read_timeout=5",
      "u", "p", "localhost", 0, NULL, "pl", "utf8mb4" },
    { "mariadb+mariadbconnector://u@h/d",
      "u", NULL, "h", 0, NULL, "d", NULL },
    { "mysql+pymysql://us%40er:p%3Aa%2Fss%40w@h/d",
      "us@er", "p:a/ss@w", "h", 0, NULL, "d", NULL },
    { "mysql+pymysql://u:pa/ss@h/d",
      "u", "pa/ss", "h", 0, NULL, "d", NULL },
    { "mysql+pymysql://u:@h/d",
      "u", "", "h", 0, NULL, "d", NULL },
    { "mysql+pymysql://u:p@[::1]:3306/d?charset=utf8",
      "u", "p", "::1", 3306, NULL, "d", "utf8" },
    { "mysql+pymysql://u:p@[fe80::1%25eth0]/d",
      "u", "p", "fe80::1%25eth0", 0, NULL, "d", NULL },
    { "mysql+pymysql://u:p@/d?unix_socket=/run/mysqld/mysqld.sock&charset=utf8",
      "u", "p", NULL, 0, "/run/mysqld/mysqld.sock", "d", "utf8" },
    { "mysql+pymysql://u:p@localhost/d?unix_socket=%2Ftmp%2Fmy%20sock",
      "u", "p", "localhost", 0, "/tmp/my sock", "d", NULL },
    { "mysql+pymysql://h/d",
      NULL, NULL, "h", 0, NULL, "d", NULL },
    { "mysql+pymysql://h:1234",
      NULL, NULL, "h", 1234, NULL, NULL, NULL },
    { "mysql+pymysql://u:p@h/",
      "u", "p", "h", 0, NULL, NULL, NULL },
    { "mysql+pymysql:///d?unix_socket=/s",
      NULL, NULL, NULL, 0, "/s", "d", NULL },
    { "mysql+pymysql://u:p@h/my%5Fdb?charset=utf8&charset=latin1",
      "u", "p", "h", 0, NULL, "my%5Fdb", "latin1" },
};

static const char *const bads[] = {
    "",
    "placement:secret@127.0.0.1/placement",
    "postgresql://u:p@h/d",
    "sqlite:///tmp/x.db",
    "mysql+://u:p@h/d",
    "mysql+py-mysql://u:p@h/d",
    "mysql://u:p@h:port/d",
    "mysql://u:p@h:/d",
    "mysql://u:p@h:70000/d",
    "mysql://u:p@h:0/d",
    "mysql://u:p@[::1/d",
    "mysql://u:p@[::1]x/d",
    "mysql://u:p@h/d?charset=",
    "mysql://u:p@h/d?unix_socket=",
    "mysql://u:p@h1,/d",
    "mysql://u:p@,h2/d",
    "mysql://u:p@h1,,h2/d",
    "mysql://u:p@h1,h2:x/d",
    "mysql://u:p@h1,[::1/d",
};

int main(void)
{
    apr_pool_t *p;
    size_t i;
    char what[512];

    apr_initialize();
    apr_pool_create(&p, NULL);
    printf("1..%d\n", (int)(sizeof(goods) / sizeof(goods[0]) * 2
                            + sizeof(bads) / sizeof(bads[0]) + 5));

    for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
        const good_case *g = &goods[i];
        pl_dburl u;
        char *err = NULL;
        int rc = pl_dburl_parse(p, g->url, &u, &err);

        snprintf(what, sizeof(what), "parses %s", g->url);
        ok(rc == 0 && err == NULL, what);
        snprintf(what, sizeof(what), "fields of %s", g->url);
        ok(rc == 0 && streq(u.user, g->user) && streq(u.password, g->password)
           && streq(u.host, g->host) && u.port == g->port
           && streq(u.unix_socket, g->unix_socket)
           && streq(u.database, g->database) && streq(u.charset, g->charset),
           what);
        if (rc == 0 && !(streq(u.user, g->user) && streq(u.host, g->host)))
            printf("# got user=%s password=%s host=%s port=%u socket=%s "
                   "db=%s charset=%s\n", u.user, u.password, u.host, u.port,
                   u.unix_socket, u.database, u.charset);
    }
    for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        pl_dburl u;
        char *err = NULL;
        int rc = pl_dburl_parse(p, bads[i], &u, &err);

        snprintf(what, sizeof(what), "rejects '%s'", bads[i]);
        ok(rc == -1 && err != NULL
           && strncmp(err, "invalid database URL: ", 22) == 0, what);
    }
    {
        pl_dburl u;
        char *err = NULL;
        int rc = pl_dburl_parse(p, "postgresql://u:topsecret@h/d", &u, &err);
        ok(rc == -1 && err && !strstr(err, "topsecret"),
           "error message does not leak the password");
        rc = pl_dburl_parse(p, NULL, &u, &err);
        ok(rc == -1 && err != NULL, "NULL url rejected");
    }
    {   /* failover: several hosts, tried in order */
        pl_dburl u;
        char *err = NULL;
        int rc = pl_dburl_parse(p, "mysql+pymysql://u:p@db1:3307,[::1],db3:3309/pl?charset=utf8",
                                &u, &err);
        ok(rc == 0 && u.nhosts == 3 && streq(u.hosts[0], "db1") && u.ports[0] == 3307
           && streq(u.hosts[1], "::1") && u.ports[1] == 0
           && streq(u.hosts[2], "db3") && u.ports[2] == 3309,
           "a host list gives every host and port in order");
        ok(rc == 0 && streq(u.host, "db1") && u.port == 3307 && streq(u.database, "pl")
           && streq(u.user, "u") && streq(u.charset, "utf8"),
           "host and port of a host list are its first");
        rc = pl_dburl_parse(p, "mysql://u:p@h/d", &u, &err);
        ok(rc == 0 && u.nhosts == 1 && streq(u.hosts[0], "h") && u.ports[0] == 0,
           "one host is a list of one");
    }

    apr_pool_destroy(p);
    apr_terminate();
    return n_fail ? 1 : 0;
}
