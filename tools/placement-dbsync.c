/* placement-dbsync: create or upgrade the Placement database schema and
 * load the standard resource classes and traits. The counterpart of
 * upstream's `placement-manage db sync` (plus the standard data upstream
 * loads when its API starts). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "dbsync.h"
#include "dburl.h"

#ifndef PL_SCHEMA_DIR
#define PL_SCHEMA_DIR "/usr/share/mod_placement/schema"
#endif

static void usage(FILE *f)
{
    fprintf(f,
"usage: placement-dbsync [--connection URL] [--schema-dir DIR] [--check]\n"
"                        [--schema-only]\n"
"  --connection URL  mysql+pymysql://user:pass@host[:port]/db?charset=utf8\n"
"                    (default: $PLACEMENT_DATABASE_CONNECTION)\n"
"  --schema-dir DIR  directory holding sql/ and data/ (default %s)\n"
"  --check           change nothing; exit 0 if the database is up to date,\n"
"                    1 if a sync would change it\n"
"  --schema-only     do not load standard resource classes and traits\n",
            PL_SCHEMA_DIR);
}

static int fail(const char *what, char *err)
{
    fflush(stdout);     /* keep progress lines before the error */
    fprintf(stderr, "placement-dbsync: %s%s%s\n", what, err ? ": " : "",
            err ? err : "");
    free(err);
    return 2;
}

/* --check: report, write nothing. */
static int check(MYSQL *m, const char *datadir)
{
    char *rev = NULL, *err = NULL;
    int nc = 0, nt = 0, stale = 0;

    if (pl_db_schema_revision(m, &rev, &err) != 0)
        return fail("schema", err);
    if (!rev) {
        printf("schema: database is empty (would create %s)\n",
               PL_DB_REVISION);
        return 1;
    }
    if (strcmp(rev, PL_DB_REVISION) == 0)
        printf("schema: at %s\n", rev);
    else {
        printf("schema: at %s (expected %s)\n", rev, PL_DB_REVISION);
        stale = strcmp(rev, "a082b8bb98d0") != 0;
    }
    free(rev);
    if (pl_db_sync_standard_ex(m, datadir, 1, &nc, &nt, &err) != 0)
        return fail("standard data", err);
    printf("standard data: %d resource classes and %d traits missing\n",
           nc, nt);
    return (stale || nc || nt) ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "connection", required_argument, NULL, 'c' },
        { "schema-dir", required_argument, NULL, 'd' },
        { "check", no_argument, NULL, 'k' },
        { "schema-only", no_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *url = getenv("PLACEMENT_DATABASE_CONNECTION");
    const char *dir = PL_SCHEMA_DIR;
    int do_check = 0, schema_only = 0, o, rc;
    apr_pool_t *p;
    pl_dburl u;
    char *err = NULL, *before = NULL, *sqldir, *datadir;
    MYSQL *m;

    while ((o = getopt_long(argc, argv, "c:d:ksh", opts, NULL)) != -1) {
        switch (o) {
        case 'c': url = optarg; break;
        case 'd': dir = optarg; break;
        case 'k': do_check = 1; break;
        case 's': schema_only = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || !url || !*url) {
        usage(stderr);
        return 2;
    }

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    sqldir = apr_pstrcat(p, dir, "/sql", NULL);
    datadir = apr_pstrcat(p, dir, "/data", NULL);

    if (pl_dburl_parse(p, url, &u, &err) != 0) {
        fprintf(stderr, "placement-dbsync: %s\n", err);
        return 2;
    }
    if (!u.database) {
        fprintf(stderr, "placement-dbsync: the URL names no database\n");
        return 2;
    }
    if (!(m = pl_db_connect(&u, &err)))
        return fail("connect", err);

    if (do_check) {
        rc = check(m, datadir);
        mysql_close(m);
        return rc;
    }

    if (pl_db_schema_revision(m, &before, &err) != 0) {
        mysql_close(m);
        return fail("schema", err);
    }
    rc = pl_db_sync_schema(m, sqldir, &err);
    switch (rc) {
    case PL_SCHEMA_CREATED:
        printf("schema: created, stamped %s\n", PL_DB_REVISION);
        break;
    case PL_SCHEMA_UPGRADED:
        printf("schema: upgraded %s -> %s\n", before, PL_DB_REVISION);
        break;
    case PL_SCHEMA_UNCHANGED:
        printf("schema: already at %s, nothing to do\n", PL_DB_REVISION);
        break;
    case PL_SCHEMA_NEWER:
        printf("schema: at newer compatible revision %s, left alone\n",
               before);
        break;
    default:
        free(before);
        mysql_close(m);
        return fail("schema sync failed", err);
    }
    free(before);

    if (!schema_only) {
        int nc, nt;
        if (pl_db_sync_standard_ex(m, datadir, 0, &nc, &nt, &err) != 0) {
            mysql_close(m);
            return fail("standard data sync failed", err);
        }
        printf("standard data: added %d resource classes, %d traits\n",
               nc, nt);
    }
    mysql_close(m);
    return 0;
}
