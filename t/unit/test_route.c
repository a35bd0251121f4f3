/* Route matching: parameters, 404, 405 with Allow, microversion bounds. */
#include "route.h"
#include "microversion.h"
#include "tap.h"

#include <apr_general.h>

static int h(pl_req *q) { (void)q; return 0; }

static const pl_route table[] = {
    {"GET", "/", h, NULL, 0, 0, 0},
    {"GET", "/resource_providers", h, "list", 0, 0, 0},
    {"POST", "/resource_providers", h, "create", 0, 0, 0},
    {"GET", "/resource_providers/{uuid}", h, "show", 0, 0, 0},
    {"DELETE", "/resource_providers/{uuid}", h, "delete", 0, 0, 0},
    {"PUT", "/resource_providers/{uuid}", h, "update", 0, 0, 0},
    {"GET", "/resource_providers/{uuid}/inventories/{resource_class}", h, "inv", 0, 0, 0},
    {"PUT", "/resource_classes/{name}", h, "old", PL_V(1, 2), PL_V(1, 6), 0},
    {"PUT", "/resource_classes/{name}", h, "new", PL_V(1, 7), 0, 0},
};
#define N (sizeof(table) / sizeof(table[0]))

int main(void)
{
    apr_pool_t *p;
    pl_route_match m;
    apr_initialize();
    apr_pool_create(&p, NULL);

    is_int(pl_route_find(p, table, N, "GET", "/", PL_V(1, 0), &m), PL_ROUTE_OK, "root");
    is_int(pl_route_find(p, table, N, "GET", "", PL_V(1, 0), &m), PL_ROUTE_OK,
           "bare prefix is the root");
    is_int(pl_route_find(p, table, N, "GET", "/resource_providers/abc", PL_V(1, 0), &m),
           PL_ROUTE_OK, "provider by uuid");
    is_str(m.params[0], "abc", "uuid parameter");
    is_str(m.route->policy, "show", "GET picks the show route");
    is_int(pl_route_find(p, table, N, "GET", "/resource_providers/u1/inventories/VCPU",
                         PL_V(1, 0), &m), PL_ROUTE_OK, "two parameters");
    is_str(m.params[1], "VCPU", "second parameter");
    is_int(pl_route_find(p, table, N, "GET", "/resource_providers/abc\n", PL_V(1, 0), &m),
           PL_ROUTE_OK, "one trailing newline is ignored, as Python's $");
    is_str(m.params[0], "abc", "... and not part of the parameter");
    is_int(pl_route_find(p, table, N, "GET", "/nothing", PL_V(1, 0), &m),
           PL_ROUTE_NOT_FOUND, "unknown path");
    is_int(pl_route_find(p, table, N, "GET", "/resource_providers/", PL_V(1, 0), &m),
           PL_ROUTE_NOT_FOUND, "empty parameter does not match");
    is_int(pl_route_find(p, table, N, "GET", "/resource_providers/a/b", PL_V(1, 0), &m),
           PL_ROUTE_NOT_FOUND, "parameter does not span segments");
    is_int(pl_route_find(p, table, N, "PATCH", "/resource_providers", PL_V(1, 0), &m),
           PL_ROUTE_BAD_METHOD, "wrong method");
    is_str(m.allow, "GET, POST", "Allow lists methods in table order");
    is_int(pl_route_find(p, table, N, "POST", "/resource_providers/x", PL_V(1, 0), &m),
           PL_ROUTE_BAD_METHOD, "wrong method on item");
    is_str(m.allow, "GET, DELETE, PUT", "Allow for item");
    is_int(pl_route_find(p, table, N, "PUT", "/resource_classes/X", PL_V(1, 1), &m),
           PL_ROUTE_BAD_VERSION, "below the route's microversions");
    is_int(pl_route_find(p, table, N, "PUT", "/resource_classes/X", PL_V(1, 2), &m),
           PL_ROUTE_OK, "older variant");
    is_str(m.route->policy, "old", "1.2 uses the old handler");
    is_int(pl_route_find(p, table, N, "PUT", "/resource_classes/X", PL_V(1, 39), &m),
           PL_ROUTE_OK, "newer variant");
    is_str(m.route->policy, "new", "1.39 uses the new handler");
    return done_testing();
}
