/* Writing inventories: the steps the inventory handlers and the reshaper
 * share, each run inside a transaction the caller holds (pl_db_txn).
 *
 * Lock order: every inventory writer first locks the provider's own row
 * (pl_inv_lock_provider, or the reshaper's one locking SELECT over all its
 * providers), before any plain read, like the allocation writer does.  So
 * an inventory change and an allocation on the same provider queue behind
 * each other, and each reads the other's committed rows: neither can
 * decide on a capacity the other is changing meanwhile. */
#ifndef PL_INVENTORY_WRITE_H
#define PL_INVENTORY_WRITE_H

#include "placement.h"
#include "objects.h"
#include <apr_tables.h>

#define PL_INV_MAX_INT 2147483647LL

#define PL_INV_RP_CONCURRENT "Another thread concurrently updated the resource " \
    "provider data. Please retry your update"

typedef struct pl_inv {
    const char *rc;             /* resource class name */
    long long rc_id;
    long long total, reserved, min_unit, max_unit, step_size;
    double ratio;
    json_object *ratio_json;    /* as the client sent it; NULL: the default 1.0 */
    apr_time_t modified;        /* 0: not read from the database */
} pl_inv;

/* An inventory from a validated body (upstream's defaults for what is absent). */
void pl_inv_from_json(pl_inv *iv, const char *rc, json_object *o);

/* Inventory rows: the columns (from "i", the inventory, and "rc", its
 * class, joined as PL_INV_TABLES) and the pl_inv array of a result of
 * them. */
#define PL_INV_COLUMNS \
    "rc.name, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, " \
    "i.allocation_ratio, i.created_at, i.updated_at, i.resource_class_id"
enum { PL_INV_RC, PL_INV_TOTAL, PL_INV_RESERVED, PL_INV_MIN_UNIT, PL_INV_MAX_UNIT,
       PL_INV_STEP_SIZE, PL_INV_RATIO, PL_INV_CREATED, PL_INV_UPDATED, PL_INV_RC_ID };
#define PL_INV_TABLES \
    "inventories i JOIN resource_classes rc ON rc.id = i.resource_class_id"
apr_array_header_t *pl_inv_from_rows(pl_req *q, const struct pl_dbres *res);

/* The provider's inventories (pl_inv), in class id order.  PL_OK/PL_FAIL. */
int pl_inv_read(pl_req *q, long long rp_id, apr_array_header_t **out);

/* Lock the provider's row (SELECT ... FOR UPDATE) and read it: 1 found,
 * 0 gone, PL_FAIL.  The first statement of every inventory transaction. */
int pl_inv_lock_provider(pl_req *q, const char *uuid, pl_provider *rp);

/* Resource class id by exact name: 1 found, 0 not, PL_FAIL. */
int pl_inv_class_id(pl_req *q, const char *name, long long *id);

/* "A, B" of the classes among ids[] that have allocations on the provider,
 * or NULL when none has; *failed on a database failure. */
const char *pl_inv_classes_in_use(pl_req *q, long long rp_id, const long long *ids, int n,
                                  int *failed);

int pl_inv_insert(pl_req *q, long long rp_id, const pl_inv *iv);
int pl_inv_update(pl_req *q, long long rp_id, const pl_inv *iv);

/* Bump the generation; on a conflict, upstream's text behind prefix. */
int pl_inv_bump(pl_req *q, pl_provider *rp, const char *prefix);

/* After a failed INSERT: a duplicate key becomes upstream's
 * DBDuplicateEntry text (409) behind prefix; always PL_FAIL. */
int pl_inv_dup_text(pl_req *q, const char *prefix, long long rp_id, const pl_inv *iv);

/* Who replaces a provider's inventories: the texts of the failures differ. */
enum { PL_INV_SET_PUT, PL_INV_SET_DELETE_ALL, PL_INV_SET_RESHAPE };

/* Replace the provider's inventories with invs (pl_inv, resource class ids
 * filled in here): delete the classes not in it (409 inventory in use when
 * they have allocations), insert the new ones, update the others, then
 * check-and-bump rp->generation.  The provider row must be locked already.
 * PL_OK (rp->generation is the new one), or PL_FAIL with the failure
 * recorded. */
int pl_inv_set(pl_req *q, pl_provider *rp, apr_array_header_t *invs, int mode);

#endif
