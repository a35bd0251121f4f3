/* What a child keeps after large answers (see memory.h). */
#include <malloc.h>
#include <pthread.h>
#include <apr_atomic.h>
#include <apr_time.h>

#include "memory.h"

/* Blocks from this size up are mmap'd and unmapped on free.  glibc's
 * default threshold starts at 128 kB but rises to the size of every mmap'd
 * block freed (up to 32 MB), after which a multi-megabyte answer (its JSON
 * text, the cells of a large result) lands in an arena and is kept there;
 * setting it fixes it. */
#define MMAP_THRESHOLD (256 * 1024)
/* Free memory at the top of an arena beyond this is returned. */
#define TRIM_THRESHOLD (1024 * 1024)
/* Arenas: glibc makes up to 8 per core as threads contend, each keeping
 * its own free memory; the worker threads share these few. */
#define ARENA_MAX 4
/* An answer from this size up leaves many small json-c blocks free inside
 * the arenas, which only malloc_trim() gives back. */
#define LARGE_ANSWER (256 * 1024)
/* How often the trimming thread looks (it trims only after large answers):
 * the cost stays off the request path and bounded whatever the load, and a
 * child is small again this long after its last large answer. */
#define TRIM_EVERY_MS 2000
#define TICK_MS 250

static volatile apr_uint32_t dirty, stopping;
/* A plain pthread: an apr thread (apr 1.7.2) joined from the child pool's
 * cleanup left the allocator broken, and httpd -X crashed in exit(). */
static pthread_t trimmer;

static void *trim_loop(void *data)
{
    int ticks = 0;
    (void)data;
    while (!apr_atomic_read32(&stopping)) {
        apr_sleep(apr_time_from_msec(TICK_MS));
        if (++ticks * TICK_MS < TRIM_EVERY_MS) continue;
        ticks = 0;
        if (apr_atomic_xchg32(&dirty, 0)) malloc_trim(0);
    }
    return NULL;
}

static apr_status_t stop_trimmer(void *data)
{
    (void)data;
    apr_atomic_set32(&stopping, 1);
    pthread_join(trimmer, NULL);
    return APR_SUCCESS;
}

void pl_memory_child_init(apr_pool_t *pchild)
{
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    mallopt(M_ARENA_MAX, ARENA_MAX);
    apr_atomic_set32(&stopping, 0);
    if (pthread_create(&trimmer, NULL, trim_loop, NULL) == 0)
        apr_pool_cleanup_register(pchild, NULL, stop_trimmer, apr_pool_cleanup_null);
}

void pl_memory_after_answer(size_t len)
{
    if (len >= LARGE_ANSWER) apr_atomic_set32(&dirty, 1);
}
