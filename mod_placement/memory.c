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

/* What a child keeps: its memory is touched once when it starts and kept,
 * so its RSS starts near its working size and stays there, instead of
 * following each large answer up and down (each munmap or madvise is a TLB
 * shootdown on every core in a process of 25+ threads: a third of a large
 * request's CPU) or creeping up as its free lists fill.
 *
 * - One arena for all the worker threads: free memory is shared by them,
 *   so the child reaches its high-water mark sooner and lower than with an
 *   arena per few threads each keeping its own.  Only two cores run
 *   threads at once, so the one lock costs little.
 * - Blocks up to MMAP_THRESHOLD come from the arena (glibc's threshold
 *   starts at 128 kB: a multi-megabyte answer and a large result's cells
 *   were mapped and unmapped per request).
 * - A reserve is touched once when the child starts, then freed to the top
 *   of the arena and kept there (TRIM_THRESHOLD).  It follows the child's
 *   thread count (RESERVE_PER_THREAD, between RESERVE_MIN and RESERVE_MAX),
 *   so a prefork server with many one-thread children does not pay 40 MB
 *   in each.
 * - The request pools' allocator (below) is filled the same way: blocks of
 *   the size pools grow by are touched and put on its free list at child
 *   start (PREFILL_PER_THREAD, at most PREFILL_MAX), so the free list does
 *   not grow from nothing to WORK_MAX_FREE over the child's first minutes
 *   (a 10-minute soak at 1,000 providers: each child 52 MB at start, then
 *   +2 to +12 MB, all of it in the pools' blocks; the glibc heap stayed at
 *   its reserve).
 * - The RSS a child holds once started (reserve and prefill touched) is
 *   its level; a trimming thread looks at the RSS every second and, when it
 *   is more than MARGIN above the level (answers larger than usual arrived
 *   at once), gives the heap's free pages back (malloc_trim) at the next
 *   moment no request of the child is running (at most QUIET_WAIT_MS
 *   later), touches the reserve again, and takes the RSS after that as the
 *   new level.  When the RSS is above the level again within REGROW_S of a
 *   trim, the child's work needs that much: the level follows the RSS up
 *   instead (up to LEVEL_CAP above the level at start, then it is trimmed
 *   whatever), so a child whose answers are all large is not trimmed and
 *   faulted in again every few seconds.  So the RSS stays within 1/16 of a
 *   level that moves only with the work, and a trim costs nothing on the
 *   request path as long as the child is ever idle.
 * - PlacementMallocTuning Off (the mallopt settings are process-wide: other
 *   modules in the same httpd get them too) leaves glibc's defaults, the
 *   reserve and the trimming thread out; the pools' allocator is the
 *   module's own and stays. */
#define MMAP_THRESHOLD (32 * 1024 * 1024)       /* glibc's maximum */
#define TRIM_THRESHOLD (64 * 1024 * 1024)
#define RESERVE_PER_THREAD (2 * 1024 * 1024)
#define RESERVE_MIN (4 * 1024 * 1024)
#define RESERVE_MAX (40 * 1024 * 1024)
#define RESERVE_CHUNK (2 * 1024 * 1024)
#define ARENA_MAX 1
/* An answer from this size up makes the trimming thread look at once. */
#define LARGE_ANSWER (256 * 1024)
#define TICK_MS 250
#define LOOK_EVERY_MS 1000
#define QUIET_WAIT_MS 2000
/* How far above its level a child's RSS may go before it is trimmed: 1/16
 * of the level, at least MARGIN_MIN. */
#define MARGIN_MIN (4 * 1024 * 1024)
/* Above the level again this soon after a trim: the level follows. */
#define REGROW_S 60
/* How far the level may follow the RSS up from the level at start: half
 * the reserve (20 MB with 20 or more threads). */
#define LEVEL_CAP(reserve) ((reserve) / 2)

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
/* The free list filled at child start: blocks of PREFILL_BLOCK (apr's
 * smallest, the size a pool grows by), PREFILL_PER_THREAD a thread, at most
 * PREFILL_MAX (below WORK_MAX_FREE: room is left for the larger blocks
 * a large answer's arrays and strings take). */
#define PREFILL_BLOCK (8 * 1024)
#define PREFILL_PER_THREAD (512 * 1024)
#define PREFILL_MAX (12 * 1024 * 1024)

static volatile apr_uint32_t dirty, stopping;
/* Requests of this child running now (their work pools alive). */
static volatile apr_uint32_t running;
static apr_allocator_t *work_alloc;
/* A plain pthread: an apr thread (apr 1.7.2) joined from the child pool's
 * cleanup left the allocator broken, and httpd -X crashed in exit(). */
static pthread_t trimmer;

/* This child's reserve (bytes), set at child start. */
static size_t reserve;
/* The RSS this child holds when nothing is running (bytes): after its start,
 * then after each trim; and how far above it the RSS may go.  Only the
 * trimming thread reads or writes them once it runs. */
static size_t level, margin, start_level;

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

/* size bytes of PREFILL_BLOCK blocks taken from the work allocator,
 * touched, and given back: they stay on its free list (mapped and
 * resident) for the requests' pools. */
static void prefill(apr_allocator_t *a, size_t size)
{
    apr_memnode_t *list = NULL, *node;
    size_t done;
    for (done = 0; done + PREFILL_BLOCK <= size; done += PREFILL_BLOCK) {
        if (!(node = apr_allocator_alloc(a, PREFILL_BLOCK - APR_MEMNODE_T_SIZE))) break;
        memset(node->first_avail, 0x5a, (size_t)(node->endp - node->first_avail));
        node->next = list;
        list = node;
    }
    if (list) apr_allocator_free(a, list);
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

static void set_level(size_t rss)
{
    level = rss;
    margin = rss / 16 > MARGIN_MIN ? rss / 16 : MARGIN_MIN;
}

static void *trim_loop(void *data)
{
    int ticks = 0, waited = -1;   /* waited: ms spent waiting for a quiet moment */
    apr_time_t last_trim = 0;
    size_t rss;
    (void)data;
    while (!apr_atomic_read32(&stopping)) {
        apr_sleep(apr_time_from_msec(TICK_MS));
        if (waited < 0) {
            ticks += TICK_MS;
            if (ticks < LOOK_EVERY_MS && !apr_atomic_read32(&dirty)) continue;
            ticks = 0;
            apr_atomic_set32(&dirty, 0);
            if ((rss = resident()) <= level + margin) continue;
            if (last_trim && apr_time_now() - last_trim < apr_time_from_sec(REGROW_S)
                && rss <= start_level + LEVEL_CAP(reserve)) {
                set_level(rss);   /* the work needs it: keep it */
                continue;
            }
            waited = 0;
        }
        /* above the level: trim when no request runs, or after
         * QUIET_WAIT_MS whatever runs */
        if (apr_atomic_read32(&running) && waited < QUIET_WAIT_MS) {
            waited += TICK_MS;
            continue;
        }
        waited = -1;
        malloc_trim(0);
        touch_reserve();
        set_level(resident());
        last_trim = apr_time_now();
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
static void work_alloc_init(size_t fill)
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
    prefill(a, fill);
    work_alloc = a;
}

static apr_status_t request_done(void *data)
{
    (void)data;
    apr_atomic_dec32(&running);
    return APR_SUCCESS;
}

apr_pool_t *pl_memory_request_pool(apr_pool_t *parent)
{
    apr_pool_t *p;
    if (!work_alloc || apr_pool_create_ex(&p, parent, NULL, work_alloc) != APR_SUCCESS)
        return parent;
    apr_atomic_inc32(&running);
    apr_pool_cleanup_register(p, NULL, request_done, apr_pool_cleanup_null);
    return p;
}

void pl_memory_child_init(apr_pool_t *pchild, int threads, int malloc_tuning)
{
    size_t fill;
    if (threads < 1) threads = 1;
    fill = (size_t)threads * PREFILL_PER_THREAD;
    work_alloc_init(fill < PREFILL_MAX ? fill : PREFILL_MAX);
    if (!malloc_tuning) return;
    reserve = (size_t)threads * RESERVE_PER_THREAD;
    if (reserve < RESERVE_MIN) reserve = RESERVE_MIN;
    if (reserve > RESERVE_MAX) reserve = RESERVE_MAX;
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    mallopt(M_ARENA_MAX, ARENA_MAX);
    touch_reserve();
    set_level(start_level = resident());
    apr_atomic_set32(&stopping, 0);
    if (pthread_create(&trimmer, NULL, trim_loop, NULL) == 0)
        apr_pool_cleanup_register(pchild, NULL, stop_trimmer, apr_pool_cleanup_null);
}

void pl_memory_after_answer(size_t len)
{
    if (len >= LARGE_ANSWER) apr_atomic_set32(&dirty, 1);
}
