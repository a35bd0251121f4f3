/* The Placement API: every method + path, its handler, its policy rule and
 * the microversions it exists at.  Order follows upstream's declarations,
 * which is also the order of methods in a 405's Allow header. */
#include "handlers.h"

#define V PL_V
#define ACCEPT PL_RT_ACCEPT_JSON
#define BODY PL_RT_REQUIRE_JSON

const pl_route pl_routes[] = {
    {"GET", "/", pl_h_root, NULL, 0, 0, 0},

    {"GET", "/resource_classes", pl_h_resource_classes_list,
        "placement:resource_classes:list", V(1, 2), 0, ACCEPT},
    {"POST", "/resource_classes", pl_h_resource_class_create,
        "placement:resource_classes:create", V(1, 2), 0, BODY},
    {"GET", "/resource_classes/{name}", pl_h_resource_class_show,
        "placement:resource_classes:show", V(1, 2), 0, ACCEPT},
    {"PUT", "/resource_classes/{name}", pl_h_resource_class_update,
        "placement:resource_classes:update", V(1, 2), V(1, 6), BODY},
    {"PUT", "/resource_classes/{name}", pl_h_resource_class_put,
        "placement:resource_classes:update", V(1, 7), 0, 0},
    {"DELETE", "/resource_classes/{name}", pl_h_resource_class_delete,
        "placement:resource_classes:delete", V(1, 2), 0, 0},

    {"GET", "/resource_providers", pl_h_resource_providers_list,
        "placement:resource_providers:list", 0, 0, ACCEPT},
    {"POST", "/resource_providers", pl_h_resource_provider_create,
        "placement:resource_providers:create", 0, 0, BODY},
    {"GET", "/resource_providers/{uuid}", pl_h_resource_provider_show,
        "placement:resource_providers:show", 0, 0, ACCEPT},
    {"DELETE", "/resource_providers/{uuid}", pl_h_resource_provider_delete,
        "placement:resource_providers:delete", 0, 0, 0},
    {"PUT", "/resource_providers/{uuid}", pl_h_resource_provider_update,
        "placement:resource_providers:update", 0, 0, BODY},

    {"GET", "/resource_providers/{uuid}/inventories", pl_h_inventories_list,
        "placement:resource_providers:inventories:list", 0, 0, ACCEPT},
    {"POST", "/resource_providers/{uuid}/inventories", pl_h_inventory_create,
        "placement:resource_providers:inventories:create", 0, 0, BODY},
    {"PUT", "/resource_providers/{uuid}/inventories", pl_h_inventories_set,
        "placement:resource_providers:inventories:update", 0, 0, BODY},
    {"DELETE", "/resource_providers/{uuid}/inventories", pl_h_inventories_delete,
        "placement:resource_providers:inventories:delete", V(1, 5), 0, PL_RT_VERSION_405},

    {"GET", "/resource_providers/{uuid}/inventories/{resource_class}", pl_h_inventory_show,
        "placement:resource_providers:inventories:show", 0, 0, ACCEPT},
    {"PUT", "/resource_providers/{uuid}/inventories/{resource_class}",
        pl_h_inventory_update, "placement:resource_providers:inventories:update", 0, 0, BODY},
    {"DELETE", "/resource_providers/{uuid}/inventories/{resource_class}",
        pl_h_inventory_delete, "placement:resource_providers:inventories:delete", 0, 0, 0},

    {"GET", "/resource_providers/{uuid}/usages", pl_h_provider_usages,
        "placement:resource_providers:usages", 0, 0, ACCEPT},

    {"GET", "/resource_providers/{uuid}/aggregates", pl_h_aggregates_list,
        "placement:resource_providers:aggregates:list", V(1, 1), 0, ACCEPT},
    {"PUT", "/resource_providers/{uuid}/aggregates", pl_h_aggregates_set,
        "placement:resource_providers:aggregates:update", V(1, 1), 0, BODY},

    {"GET", "/resource_providers/{uuid}/allocations", pl_h_provider_allocations,
        "placement:resource_providers:allocations:list", 0, 0, ACCEPT},

    {"POST", "/allocations", pl_h_allocations_post,
        "placement:allocations:manage", V(1, 13), 0, BODY},
    {"GET", "/allocations/{consumer_uuid}", pl_h_allocations_show,
        "placement:allocations:list", 0, 0, ACCEPT},
    {"PUT", "/allocations/{consumer_uuid}", pl_h_allocations_put,
        "placement:allocations:update", 0, 0, BODY},
    {"DELETE", "/allocations/{consumer_uuid}", pl_h_allocations_delete,
        "placement:allocations:delete", 0, 0, 0},

    {"GET", "/allocation_candidates", pl_h_allocation_candidates,
        "placement:allocation_candidates:list", V(1, 10), 0, ACCEPT},

    {"GET", "/traits", pl_h_traits_list, "placement:traits:list", V(1, 6), 0, ACCEPT},
    {"GET", "/traits/{name}", pl_h_trait_show, "placement:traits:show", V(1, 6), 0, 0},
    {"PUT", "/traits/{name}", pl_h_trait_put, "placement:traits:update", V(1, 6), 0, 0},
    {"DELETE", "/traits/{name}", pl_h_trait_delete, "placement:traits:delete", V(1, 6), 0, 0},

    {"GET", "/resource_providers/{uuid}/traits", pl_h_provider_traits_list,
        "placement:resource_providers:traits:list", V(1, 6), 0, ACCEPT},
    {"PUT", "/resource_providers/{uuid}/traits", pl_h_provider_traits_set,
        "placement:resource_providers:traits:update", V(1, 6), 0, BODY},
    {"DELETE", "/resource_providers/{uuid}/traits", pl_h_provider_traits_delete,
        "placement:resource_providers:traits:delete", V(1, 6), 0, 0},

    {"GET", "/usages", pl_h_total_usages, "placement:usages", V(1, 9), 0,
        ACCEPT | PL_RT_TARGET_QUERY_PROJECT},

    {"POST", "/reshaper", pl_h_reshaper, "placement:reshaper:reshape", V(1, 30), 0, BODY},
};

const size_t pl_nroutes = sizeof(pl_routes) / sizeof(pl_routes[0]);
