/* What a child keeps after large answers (see memory.h). */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_atomic.h>
#include <apr_time.h>
#include <apr_allocator.h>
#include <apr_thread_mutex.h>

#include "memory.h"

/* What a child keeps: its memory is touched once and kept, up to a fixed
 * level, so its RSS does not go up with each large answer and down again
 * after it (and the pages are not unmapped and faulted in again, each
 * munmap or madvise a TLB shootdown on every core in a process of 25+
 * threads).
 *
 * - One arena for all the worker threads: free memory is shared by them,
 *   so the child reaches its high-water mark sooner and lower than with an
 *   arena per few threads each keeping its own (10-minute soak at 10,000
 *   providers: 39-60 MB flat after two minutes with one arena, 45-89 MB
 *   still moving with four).  Only two cores run threads at once, so the
 *   one lock costs little.
 * - Blocks up to MMAP_THRESHOLD come from the arena (glibc's threshold
 *   starts at 128 kB: a multi-megabyte answer and a large result's cells
 *   were mapped and unmapped per request).
 * - A reserve is touched once when the child starts, then freed to the top
 *   of the arena and kept there (TRIM_THRESHOLD): the child starts near its
 *   working size.  It follows the child's thread count (RESERVE_PER_THREAD,
 *   between RESERVE_MIN and RESERVE_MAX), so a prefork server with many
 *   one-thread children does not pay 40 MB in each.
 * - The trimming thread gives free pages back only while the RSS is above
 *   twice the reserve (answers larger than usual arrived at once), and
 *   touches the reserve again after it (malloc_trim gives back the top
 *   too): trimmed to a fixed level, not to whatever was in use then. */
#define MMAP_THRESHOLD (32 * 1024 * 1024)       /* glibc's maximum */
#define TRIM_THRESHOLD (64 * 1024 * 1024)
#define RESERVE_PER_THREAD (2 * 1024 * 1024)
#define RESERVE_MIN (4 * 1024 * 1024)
#define RESERVE_MAX (40 * 1024 * 1024)
#define RESERVE_CHUNK (2 * 1024 * 1024)
#define ARENA_MAX 1
/* An answer from this size up makes the trimming thread look at the RSS. */
#define LARGE_ANSWER (256 * 1024)
/* How often the trimming thread looks (only after large answers): the cost
 * stays off the request path and bounded whatever the load. */
#define TRIM_EVERY_MS 2000
#define TICK_MS 250

/* Request work pools: one allocator per child, shared by its threads
 * (behind a mutex), keeping this much free memory for the next request.
 * libapr (Debian's is built with APR_ALLOCATOR_USES_MMAP) maps each pool
 * block of 8 kB and up on its own; a request's pool lives on the
 * connection's allocator, which keeps MaxMemFree (2 MB) and unmaps the
 * rest, so every candidates or listing request at 10,000 providers
 * mapped and unmapped a few hundred blocks, and each munmap in a process
 * of 25+ threads is a TLB shootdown on every core: a third of the
 * request's CPU.  Here the blocks of one request are reused by the next,
 * and what the child keeps free is bounded whatever its thread count. */
#define WORK_MAX_FREE (16 * 1024 * 1024)

static volatile apr_uint32_t dirty, stopping;
static apr_allocator_t *work_alloc;
/* A plain pthread: an apr thread (apr 1.7.2) joined from the child pool's
 * cleanup left the allocator broken, and httpd -X crashed in exit(). */
static pthread_t trimmer;

/* This child's reserve (bytes), set at child start. */
static size_t reserve;

/* The reserve's bytes of the arena touched and freed again: they stay
 * resident at its top for the requests to come. */
static void touch_reserve(void)
{
    char *chunk[RESERVE_MAX / RESERVE_CHUNK];
    int i, n = 0;
    for (i = 0; i < (int)(reserve / RESERVE_CHUNK); i++) {
        if (!(chunk[i] = malloc(RESERVE_CHUNK))) break;
        /* not 0: malloc and memset 0 become calloc, which touches nothing;
         * and the stores are seen, so the compiler may not drop them (or
         * the malloc/free pair around them) */
        memset(chunk[i], 0x5a, RESERVE_CHUNK);
        __asm__ volatile("" : : "r"(chunk[i]) : "memory");
        n++;
    }
    while (n > 0) free(chunk[--n]);
}

/* This process's resident bytes (/proc/self/statm), 0 when unknown. */
static size_t resident(void)
{
    char b[128];
    unsigned long size, pages;
    ssize_t n;
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0) return 0;
    n = read(fd, b, sizeof(b) - 1);
    close(fd);
    if (n <= 0) return 0;
    b[n] = 0;
    if (sscanf(b, "%lu %lu", &size, &pages) != 2) return 0;
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static void *trim_loop(void *data)
{
    int ticks = 0;
    (void)data;
    while (!apr_atomic_read32(&stopping)) {
        apr_sleep(apr_time_from_msec(TICK_MS));
        if (++ticks * TICK_MS < TRIM_EVERY_MS) continue;
        ticks = 0;
        if (apr_atomic_xchg32(&dirty, 0) && resident() > 2 * reserve) {
            malloc_trim(0);
            touch_reserve();
        }
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

/* The shared allocator and its mutex live as long as the process: pools
 * made from it may outlive pchild (a request pool still waiting for its
 * connection's last write when the child stops is destroyed with the
 * connection, after pchild), so it is never destroyed; the process's exit
 * frees it. */
static void work_alloc_init(void)
{
    apr_allocator_t *a;
    apr_thread_mutex_t *m;
    apr_pool_t *owner;
    if (work_alloc) return;
    if (apr_allocator_create(&a) != APR_SUCCESS) return;
    if (apr_pool_create_unmanaged_ex(&owner, NULL, a) != APR_SUCCESS) {
        apr_allocator_destroy(a);
        return;
    }
    if (apr_thread_mutex_create(&m, APR_THREAD_MUTEX_DEFAULT, owner) != APR_SUCCESS) {
        apr_pool_destroy(owner);
        apr_allocator_destroy(a);
        return;
    }
    apr_allocator_mutex_set(a, m);
    apr_allocator_max_free_set(a, WORK_MAX_FREE);
    work_alloc = a;
}

apr_pool_t *pl_memory_request_pool(apr_pool_t *parent)
{
    apr_pool_t *p;
    if (!work_alloc || apr_pool_create_ex(&p, parent, NULL, work_alloc) != APR_SUCCESS)
        return parent;
    return p;
}

void pl_memory_child_init(apr_pool_t *pchild, int threads)
{
    reserve = (size_t)(threads > 0 ? threads : 1) * RESERVE_PER_THREAD;
    if (reserve < RESERVE_MIN) reserve = RESERVE_MIN;
    if (reserve > RESERVE_MAX) reserve = RESERVE_MAX;
    work_alloc_init();
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    mallopt(M_ARENA_MAX, ARENA_MAX);
    touch_reserve();
    apr_atomic_set32(&stopping, 0);
    if (pthread_create(&trimmer, NULL, trim_loop, NULL) == 0)
        apr_pool_cleanup_register(pchild, NULL, stop_trimmer, apr_pool_cleanup_null);
}

void pl_memory_after_answer(size_t len)
{
    if (len >= LARGE_ANSWER) apr_atomic_set32(&dirty, 1);
}
