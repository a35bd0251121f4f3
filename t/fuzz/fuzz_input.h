/*
 * What the libFuzzer targets whose first byte picks the reader share:
 * fuzz_input() makes the pool for one input (under a root pool made on the
 * first call, APR initialised with it) and gives the rest of the input as
 * a NUL-terminated string.  NULL for an empty input; otherwise destroy the
 * pool when done.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

static apr_pool_t *fuzz_root;

static apr_pool_t *fuzz_input(const uint8_t *data, size_t size, char **rest)
{
    apr_pool_t *p;
    if (!fuzz_root) {
        apr_initialize();
        apr_pool_create(&fuzz_root, NULL);
    }
    if (size < 1)
        return NULL;
    apr_pool_create(&p, fuzz_root);
    *rest = apr_pstrmemdup(p, (const char *)data + 1, size - 1);
    return p;
}

#endif
