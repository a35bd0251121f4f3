/* Process memory: a child starts with its heap reserve and its request
 * pools' free list touched once, so its RSS starts near its working size
 * and stays flat instead of following each large answer up and down or
 * creeping up as free lists fill.  glibc's allocator is tuned once per
 * child, before its threads start, and a thread of the child gives the
 * heap's free pages back, at a moment no request runs, when the RSS is more
 * than 1/16 above the level the child held after its start or last trim
 * (a level that follows the RSS up, within a cap, when the child's work
 * needs more again soon after a trim). */
#ifndef PL_MEMORY_H
#define PL_MEMORY_H

#include <stddef.h>
#include <apr_pools.h>

/* child_init of a child running threads worker threads: the request pools'
 * allocator with its free list filled (512 kB a thread, at most 12 MB);
 * with malloc_tuning (PlacementMallocTuning, default On) also mmap threshold
 * fixed, one arena, its reserve touched (2 MB a thread, 4 to 40 MB), the
 * trimming thread (stopped by a cleanup on pchild). */
void pl_memory_child_init(apr_pool_t *pchild, int threads, int malloc_tuning);

/* A subpool of parent (a request's pool) for the request's work, on the
 * child's shared allocator, which keeps up to 16 MB free for the next
 * request instead of unmapping and mapping again (parent itself before
 * child_init).  While it lives the request counts as running: the trimming
 * thread waits for a moment none is. */
apr_pool_t *pl_memory_request_pool(apr_pool_t *parent);

/* An answer of len bytes was written and its document freed: a large one
 * asks the trimming thread to look at the RSS, and give the free pages back
 * (malloc_trim) when it is above the level kept. */
void pl_memory_after_answer(size_t len);

#endif
