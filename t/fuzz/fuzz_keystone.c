/*
 * libFuzzer target for what mod_placement reads from Keystone and from the
 * token cache: token documents (and the cache record made from one, which
 * must read back), timestamps, protected cache entries and client tokens.
 * The first byte picks the reader; the rest is its input.
 *
 * Build and run with libFuzzer (from the top of the tree):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I mod_placement \
 *       $(pkg-config --cflags apr-1 json-c) t/fuzz/fuzz_keystone.c \
 *       mod_placement/keystone_token.c mod_placement/keystone_crypt.c \
 *       $(pkg-config --libs apr-1 json-c libcrypto) -o /tmp/fuzz_keystone
 *   /tmp/fuzz_keystone -max_total_time=300 t/fuzz/corpus-keystone
 * t/run-tests replays the corpus with mutations through t/fuzz/replay.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "keystone_token.h"
#include "keystone_crypt.h"
#include "fuzz_input.h"

static void token_document(apr_pool_t *p, const char *doc, size_t len)
{
    pl_ks_token t, back;
    const char *err, *record;
    if (pl_ks_token_parse(p, doc, len, &t, &err)) return;
    record = pl_ks_token_record(p, &t);
    /* what the cache keeps must read back, with the same identity */
    if (pl_ks_token_parse(p, record, strlen(record), &back, &err)
        || strcmp(back.user_id, t.user_id) || back.nroles != t.nroles
        || back.system_all != t.system_all || back.expires_at != t.expires_at)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *text, *out;
    size_t n;
    apr_time_t when;
    if (!(p = fuzz_input(data, size, &text))) return 0;

    switch (data[0] % 4) {
    case 0:
        token_document(p, (const char *)data + 1, size - 1);
        break;
    case 1:
        pl_ks_parse_time(text, &when);
        break;
    case 2:
        /* a cache entry someone else wrote: must be refused, never trusted */
        if (!pl_ks_open(p, PL_KS_PROTECT_MAC, "secret", "token", data + 1, size - 1, &out, &n)
            || !pl_ks_open(p, PL_KS_PROTECT_ENCRYPT, "secret", "token", data + 1, size - 1,
                           &out, &n))
            abort();   /* a MAC or GCM tag is not forged by chance */
        break;
    default:
        pl_ks_clean_token(p, text);
        break;
    }
    apr_pool_destroy(p);
    return 0;
}
