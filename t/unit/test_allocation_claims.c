/* The pure parts of an allocation write (allocation_claims.c): a body
 * into claims, and each claim against the inventory it draws on. */
#include "allocation_claims.h"
#include "microversion.h"
#include "tap.h"

#include <apr_general.h>

static apr_pool_t *pool;

/* one consumer's part of a body, read at microversion mv */
static pl_alloc_consumer parse(int mv, const char *json)
{
    pl_alloc_read_ctx x = { pool, mv, "incomplete-project", "incomplete-user" };
    pl_alloc_consumer c;
    json_object *d = json_tokener_parse(json);
    pl_alloc_consumer_parse(&x, &c, "c1", d);
    json_object_put(d);
    return c;
}

static const pl_alloc_item *item(const pl_alloc_consumer *c, int i)
{
    return &APR_ARRAY_IDX(c->items, i, pl_alloc_item);
}

static void test_parse(void)
{
    pl_alloc_consumer c;

    c = parse(PL_V(1, 39), "{\"allocations\": {\"rp-a\": {\"resources\": {\"VCPU\": 2}}, "
              "\"rp-b\": {\"resources\": {\"DISK_GB\": 10}}}, \"project_id\": \"p\", "
              "\"user_id\": \"u\", \"consumer_generation\": 3, \"consumer_type\": \"INSTANCE\"}");
    is_str(c.uuid, "c1", "the consumer's uuid");
    is_int(c.items->nelts, 2, "dict form: one claim a class of a provider");
    is_str(item(&c, 0)->rp_uuid, "rp-a", "in body order: rp-a first");
    is_str(item(&c, 0)->rc, "VCPU", "its class");
    is_int(item(&c, 0)->used, 2, "its amount");
    is_str(item(&c, 1)->rp_uuid, "rp-b", "then rp-b");
    is_int(item(&c, 1)->used, 10, "with its amount");
    is_str(c.project_id, "p", "project as sent");
    is_str(c.user_id, "u", "user as sent");
    ok(c.check_generation && !c.generation_null && c.generation == 3,
       "1.28+: the generation is checked, 3");
    is_str(c.consumer_type, "INSTANCE", "1.38+: the consumer type");

    c = parse(PL_V(1, 39), "{\"allocations\": {}, \"project_id\": \"p\", \"user_id\": \"u\", "
              "\"consumer_generation\": null}");
    is_int(c.items->nelts, 0, "no allocations: the consumer's are removed");
    ok(c.check_generation && c.generation_null, "consumer_generation null: a new consumer");
    ok(c.consumer_type == NULL, "no consumer_type leaves the type alone");

    c = parse(PL_V(1, 27), "{\"allocations\": {\"rp-a\": {\"resources\": {\"VCPU\": 1}}}, "
              "\"project_id\": \"p\", \"user_id\": \"u\", \"consumer_generation\": 5}");
    ok(!c.check_generation && !c.generation_null, "before 1.28 no generation check");

    c = parse(PL_V(1, 37), "{\"allocations\": {}, \"project_id\": \"p\", \"user_id\": \"u\", "
              "\"consumer_generation\": 1, \"consumer_type\": \"MIGRATION\"}");
    ok(c.consumer_type == NULL, "before 1.38 consumer_type is not read");

    /* before 1.8: a list, no project or user */
    c = parse(PL_V(1, 0), "{\"allocations\": ["
              "{\"resource_provider\": {\"uuid\": \"rp-a\"}, \"resources\": {\"VCPU\": 1, \"MEMORY_MB\": 64}}, "
              "{\"resource_provider\": {\"uuid\": \"rp-b\"}, \"resources\": {\"DISK_GB\": 3}}, "
              "{\"resource_provider\": {\"uuid\": \"rp-a\"}, \"resources\": {\"VCPU\": 4}}]}");
    is_str(c.project_id, "incomplete-project", "no project_id: the configured one");
    is_str(c.user_id, "incomplete-user", "no user_id: the configured one");
    is_int(c.items->nelts, 2, "a provider named twice: its later resources replace the earlier");
    is_str(item(&c, 0)->rp_uuid, "rp-a", "... where it stood (first)");
    is_str(item(&c, 0)->rc, "VCPU", "... with the later classes only");
    is_int(item(&c, 0)->used, 4, "... and amounts");
    is_str(item(&c, 1)->rp_uuid, "rp-b", "the other provider after it");
    is_int(item(&c, 1)->used, 3, "unchanged");
}

static void test_claims(void)
{
    pl_claim_inv v = { .lim = { .total = 10, .reserved = 2, .min_unit = 1, .max_unit = 6,
                                .step_size = 1, .ratio = 1.0 }, .used = 3 };
    pl_claim_inv stepped = { .lim = { .total = 100, .reserved = 0, .min_unit = 2,
                                      .max_unit = 50, .step_size = 2, .ratio = 1.0 } };
    pl_claim_inv replaced = { .lim = { .total = 4, .reserved = 0, .min_unit = 1, .max_unit = 4,
                                       .step_size = 1, .ratio = 1.0 }, .used = -2 };

    is_int(pl_claim_check(&v, 5), PL_CLAIM_OK, "3 used + 5 within (10 - 2) * 1.0");
    is_int(v.sum, 5, "the claim is counted");
    is_int(pl_claim_check(&v, 1), PL_CLAIM_CAPACITY,
           "a second claim that fits alone but not with the first");
    is_int(v.sum, 6, "counted even when it fails");
    is_int(pl_claim_check(&v, 0), PL_CLAIM_OK, "an emptied consumer's line: 0 always passes");
    is_int(pl_claim_check(NULL, 0), PL_CLAIM_OK, "... even with no inventory");
    is_int(pl_claim_check(NULL, 1), PL_CLAIM_NO_INVENTORY, "no inventory of the class");
    is_int(pl_claim_check(&stepped, 50), PL_CLAIM_OK, "max_unit on the step");
    is_int(pl_claim_check(&stepped, 3), PL_CLAIM_UNITS, "off the step");
    is_int(pl_claim_check(&stepped, 1), PL_CLAIM_UNITS, "below min_unit");
    is_int(pl_claim_check(&stepped, 52), PL_CLAIM_UNITS, "above max_unit: units before capacity");
    is_int(pl_claim_check(&replaced, 4), PL_CLAIM_OK,
           "the consumer's own allocations, replaced, do not count (used -2 + 4 <= 4)");
    is_int(pl_claim_check(&replaced, 3), PL_CLAIM_CAPACITY, "but the claims so far do: -2 + 7");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_parse();
    test_claims();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
