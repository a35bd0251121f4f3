/* Lookups and generation guards shared by the handlers. */
#ifndef PL_OBJECTS_H
#define PL_OBJECTS_H

#include "placement.h"
#include "capacity.h"
#include "db.h"

#include <string.h>
#include <apr_hash.h>
#include <apr_tables.h>

struct pl_dbres;

typedef struct pl_provider {
    long long id;
    const char *uuid;
    const char *name;
    long long generation;
    long long parent_id;         /* 0 when none */
    long long root_id;
    const char *parent_uuid;     /* NULL when none */
    const char *root_uuid;
    apr_time_t modified;         /* updated_at, or created_at */
    int updated;                 /* updated_at is set: written since created */
} pl_provider;

/* A provider's columns, one list (rp the provider, parent and root joined
 * to it by the statement's FROM), read by pl_provider_from_row.  A
 * statement selects all of them (PL_RP_COLUMNS, PL_RP_ALL) or, where only
 * the answer's fields are wanted (the listing), the first PL_RP_BRIEF
 * (PL_RP_COLUMNS_BRIEF); it may add columns of its own after those. */
#define PL_RP_COLUMNS_BRIEF "rp.uuid, rp.name, rp.generation, parent.uuid, root.uuid"
#define PL_RP_COLUMNS PL_RP_COLUMNS_BRIEF ", rp.id, rp.parent_provider_id, " \
    "rp.root_provider_id, rp.created_at, rp.updated_at"
enum { PL_RP_UUID, PL_RP_NAME, PL_RP_GENERATION, PL_RP_PARENT_UUID, PL_RP_ROOT_UUID,
       PL_RP_BRIEF, PL_RP_ID = PL_RP_BRIEF, PL_RP_PARENT_ID, PL_RP_ROOT_ID, PL_RP_CREATED,
       PL_RP_UPDATED, PL_RP_ALL };


/* Load a provider by uuid.  Returns 1 found, 0 not found, PL_FAIL on a
 * database failure (recorded).  for_update locks the row (SELECT ... FOR
 * UPDATE) inside a transaction. */
int pl_provider_get(pl_req *q, const char *uuid, pl_provider *out, int for_update);

/* A provider and rows of its own, read by one statement so that the
 * generation belongs to the rows (two statements could see two different
 * writes).  The statement is
 *   SELECT rp.id, rp.uuid, rp.generation, <cols> FROM resource_providers rp
 *   <joins> WHERE rp.uuid = ? <tail>
 * where joins are LEFT JOINs from rp that bring the rows, so a provider
 * without any still answers: its one row of NULLs is dropped (cols must
 * start with a column that is never NULL in a real row).  *rows holds
 * cols alone, numbered from 0.  Only id, uuid and generation of *out are
 * set.  1 found, 0 not found, PL_FAIL on a database failure (recorded). */
int pl_provider_rows(pl_req *q, const char *uuid, pl_provider *out, const char *cols,
                     const char *joins, const char *tail, struct pl_dbres **rows);

/* Check-and-bump: the provider's generation must still be rp->generation;
 * then it becomes rp->generation + 1 (and updated_at now).  PL_OK, or
 * PL_FAIL with a conflict (PL_DBE_CONFLICT, pl_failed_conflict) recorded
 * when another writer got there first. */
int pl_provider_bump(pl_req *q, pl_provider *rp);

/* Locking several providers without blocking provider creation: a
 * locking read by uuid takes next-key (range) locks on the uuid index, and
 * a POST /resource_providers whose uuid falls in such a range waits until
 * the lock holder commits.  So a write resolves uuid -> id first, OUTSIDE
 * its transaction (an id never changes; a plain read inside would take the
 * snapshot before the locks), then locks by primary key in id order, the
 * one order every multi-provider writer uses.
 *
 * pl_provider_ids: add "lower uuid" -> "id" to ids for those of uuids that
 * exist (a plain read, no lock).  PL_OK or PL_FAIL. */
int pl_provider_ids(pl_req *q, const apr_array_header_t *uuids, apr_hash_t *ids);

/* Inside a transaction: SELECT id, uuid, generation ... FOR UPDATE of the
 * providers of uuids (lower case) that ids resolves, by primary key in id
 * order.  *res gets the rows that still exist (none asked: 0 rows).  PL_OK
 * or PL_FAIL. */
int pl_providers_lock(pl_req *q, const apr_array_header_t *uuids, apr_hash_t *ids,
                      pl_dbres **res);
/* The columns of pl_providers_lock's rows. */
enum { PL_LOCK_ID, PL_LOCK_UUID, PL_LOCK_GENERATION };

/* Ids of names in table.col (resource_classes.name, traits.name,
 * projects.external_id, ...), one IN query: ids maps each row's name as
 * stored to its id as text.  The column's collation may match a name sent
 * otherwise ("cafe" for "café"), so a lookup by the name as sent finds
 * exact matches only.  PL_OK or PL_FAIL. */
int pl_name_ids(pl_req *q, const char *table, const char *col,
                const apr_array_header_t *names, apr_hash_t *ids);
/* The same lookup with numbers: ids maps the name as stored to its id as a
 * long long *, and names_of (when not NULL) the id (its 8 bytes, as the
 * candidates' id maps key it) back to the name as stored. */
int pl_name_ids_num(pl_req *q, const char *table, const char *col,
                    const apr_array_header_t *names, apr_hash_t *ids, apr_hash_t *names_of);

/* Last-modified time from a row's created_at / updated_at texts. */
apr_time_t pl_modified(const char *created_at, const char *updated_at);

/* Row i of a result of the first ncols (PL_RP_BRIEF or PL_RP_ALL) of the
 * PL_RP_COLUMNS into *out; what the statement did not select reads 0 or
 * NULL.  Inline: the listing reads a thousand rows a request. */
static inline void pl_provider_from_row(pl_provider *out, const pl_dbres *res, int i,
                                        int ncols)
{
    memset(out, 0, sizeof(*out));
    out->uuid = PL_CELL(res, i, PL_RP_UUID);
    out->name = PL_CELL(res, i, PL_RP_NAME);
    out->generation = pl_cell_int(res, i, PL_RP_GENERATION);
    out->parent_uuid = PL_CELL(res, i, PL_RP_PARENT_UUID);
    out->root_uuid = PL_CELL(res, i, PL_RP_ROOT_UUID);
    if (ncols < PL_RP_ALL) return;
    out->id = pl_cell_int(res, i, PL_RP_ID);
    out->parent_id = pl_cell_int(res, i, PL_RP_PARENT_ID);     /* NULL reads 0 */
    out->root_id = pl_cell_int(res, i, PL_RP_ROOT_ID);
    out->modified = pl_modified(PL_CELL(res, i, PL_RP_CREATED), PL_CELL(res, i, PL_RP_UPDATED));
    out->updated = PL_CELL(res, i, PL_RP_UPDATED) != NULL;
}

/* Set the Location header to the absolute URL of prefix + path, the way
 * webob turns a relative location into one: scheme://Host of the request
 * (default port dropped). */
void pl_set_location(pl_req *q, const char *path);

/* pl_fits_sql: the capacity rule as an SQL condition (capacity.h). */

#endif
