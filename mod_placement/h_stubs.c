/* Handlers not written yet: 501 until their h_*.c file lands.  Each line
 * goes away as its real handler is added. */
#include "handlers.h"
#include "http.h"

#define NOT_YET(name) \
    int name(pl_req *q) { return pl_error(q, 501, NULL, "Not implemented yet."); }

NOT_YET(pl_h_resource_classes_list)
NOT_YET(pl_h_resource_class_create)
NOT_YET(pl_h_resource_class_show)
NOT_YET(pl_h_resource_class_update)
NOT_YET(pl_h_resource_class_put)
NOT_YET(pl_h_resource_class_delete)
NOT_YET(pl_h_resource_providers_list)
NOT_YET(pl_h_resource_provider_create)
NOT_YET(pl_h_resource_provider_show)
NOT_YET(pl_h_resource_provider_update)
NOT_YET(pl_h_resource_provider_delete)
NOT_YET(pl_h_inventories_list)
NOT_YET(pl_h_inventory_create)
NOT_YET(pl_h_inventories_set)
NOT_YET(pl_h_inventories_delete)
NOT_YET(pl_h_inventory_show)
NOT_YET(pl_h_inventory_update)
NOT_YET(pl_h_inventory_delete)
NOT_YET(pl_h_provider_usages)
NOT_YET(pl_h_total_usages)
NOT_YET(pl_h_aggregates_list)
NOT_YET(pl_h_aggregates_set)
NOT_YET(pl_h_traits_list)
NOT_YET(pl_h_trait_show)
NOT_YET(pl_h_trait_put)
NOT_YET(pl_h_trait_delete)
NOT_YET(pl_h_provider_traits_list)
NOT_YET(pl_h_provider_traits_set)
NOT_YET(pl_h_provider_traits_delete)
NOT_YET(pl_h_provider_allocations)
NOT_YET(pl_h_allocations_post)
NOT_YET(pl_h_allocations_show)
NOT_YET(pl_h_allocations_put)
NOT_YET(pl_h_allocations_delete)
NOT_YET(pl_h_allocation_candidates)
NOT_YET(pl_h_reshaper)
