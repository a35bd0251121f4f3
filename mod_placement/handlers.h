/* The API's route table and its handlers (h_*.c). */
#ifndef PL_HANDLERS_H
#define PL_HANDLERS_H

#include "placement.h"

extern const pl_route pl_routes[];
extern const size_t pl_nroutes;

/* h_root.c */
int pl_h_root(pl_req *q);
/* h_resource_class.c */
int pl_h_resource_classes_list(pl_req *q);
int pl_h_resource_class_create(pl_req *q);
int pl_h_resource_class_show(pl_req *q);
int pl_h_resource_class_update(pl_req *q);      /* 1.2 - 1.6: rename */
int pl_h_resource_class_put(pl_req *q);         /* 1.7+: idempotent create */
int pl_h_resource_class_delete(pl_req *q);
/* h_resource_provider.c */
int pl_h_resource_providers_list(pl_req *q);
int pl_h_resource_provider_create(pl_req *q);
int pl_h_resource_provider_show(pl_req *q);
int pl_h_resource_provider_update(pl_req *q);
int pl_h_resource_provider_delete(pl_req *q);
/* h_inventory.c */
int pl_h_inventories_list(pl_req *q);
int pl_h_inventory_create(pl_req *q);
int pl_h_inventories_set(pl_req *q);
int pl_h_inventories_delete(pl_req *q);
int pl_h_inventory_show(pl_req *q);
int pl_h_inventory_update(pl_req *q);
int pl_h_inventory_delete(pl_req *q);
/* h_usage.c */
int pl_h_provider_usages(pl_req *q);
int pl_h_total_usages(pl_req *q);
/* h_aggregate.c */
int pl_h_aggregates_list(pl_req *q);
int pl_h_aggregates_set(pl_req *q);
/* h_trait.c */
int pl_h_traits_list(pl_req *q);
int pl_h_trait_show(pl_req *q);
int pl_h_trait_put(pl_req *q);
int pl_h_trait_delete(pl_req *q);
int pl_h_provider_traits_list(pl_req *q);
int pl_h_provider_traits_set(pl_req *q);
int pl_h_provider_traits_delete(pl_req *q);
/* h_allocation.c */
int pl_h_provider_allocations(pl_req *q);
int pl_h_allocations_post(pl_req *q);
int pl_h_allocations_show(pl_req *q);
int pl_h_allocations_put(pl_req *q);
int pl_h_allocations_delete(pl_req *q);
/* h_allocation_candidate.c */
int pl_h_allocation_candidates(pl_req *q);
/* h_reshaper.c */
int pl_h_reshaper(pl_req *q);

#endif
