/* Microversion header parsing, against upstream's microversion_parse. */
#include "microversion.h"
#include "tap.h"

#include <apr_general.h>

static apr_pool_t *p;

static void expect_ok(const char *header, int want)
{
    int v = -1;
    const char *msg = NULL;
    pl_mv_result rv = pl_mv_parse(p, header, &v, &msg);
    ok(rv == PL_MV_OK && v == want, "'%s' -> %d.%d", header ? header : "(none)",
       PL_V_MAJOR(want), PL_V_MINOR(want));
}

static void expect_err(const char *header, pl_mv_result want, const char *want_msg)
{
    int v = -1;
    const char *msg = NULL;
    pl_mv_result rv = pl_mv_parse(p, header, &v, &msg);
    ok(rv == want, "'%s' is rejected with %s", header,
       want == PL_MV_BAD_STRING ? "400" : "406");
    is_str(msg, want_msg, "'%s' message", header);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&p, NULL);

    expect_ok(NULL, PL_V(1, 0));
    expect_ok("placement 1.5", PL_V(1, 5));
    expect_ok("placement 1.05", PL_V(1, 5));
    expect_ok("PLACEMENT 1.39", PL_V(1, 39));
    expect_ok("placement latest", PL_V(1, 39));
    expect_ok("compute 2.1", PL_V(1, 0));
    expect_ok("compute 2.1, placement 1.20", PL_V(1, 20));
    expect_ok("placement 1.2, placement 1.14", PL_V(1, 14));
    expect_ok("  placement   1.10  ", PL_V(1, 10));
    expect_err("placement 1.a", PL_MV_BAD_STRING,
               "invalid version string: 1.a; invalid literal for int() with base 10: 'a'");
    expect_err("placement 2.0", PL_MV_UNACCEPTABLE, "Unacceptable version header: 2.0");
    expect_err("placement 1.100", PL_MV_UNACCEPTABLE, "Unacceptable version header: 1.100");
    expect_err("placement 0.9", PL_MV_UNACCEPTABLE, "Unacceptable version header: 0.9");
    expect_err("placement 1", PL_MV_BAD_STRING,
               "invalid version string: 1; Version.__new__() missing 1 required "
               "positional argument: 'minor'");
    /* header bytes are latin-1 characters, as WSGI gives them to upstream */
    expect_err("placement 1.\xff", PL_MV_BAD_STRING,
               "invalid version string: 1.\xc3\xbf; invalid literal for int() with base 10: "
               "'\xc3\xbf'");
    is_str(pl_mv_string(p, PL_V(1, 15)), "1.15", "version string");
    return done_testing();
}
