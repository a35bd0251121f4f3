/* Process memory: a child keeps what its work touched, up to a fixed
 * level (twice its reserve: 80 MB resident with 20 or more threads), and
 * starts with the reserve touched once, so its RSS stays flat instead of
 * following each large answer up and down.  glibc's allocator is tuned once per child,
 * before its threads start, and a thread of the child gives free pages back
 * after large answers while the RSS is above that level. */
#ifndef PL_MEMORY_H
#define PL_MEMORY_H

#include <stddef.h>
#include <apr_pools.h>

/* child_init of a child running threads worker threads: mmap threshold
 * fixed, one arena, its reserve touched (2 MB a thread, 4 to 40 MB), the
 * trimming thread (stopped by a cleanup on pchild). */
void pl_memory_child_init(apr_pool_t *pchild, int threads);

/* A subpool of parent (a request's pool) for the request's work, on the
 * child's shared allocator, which keeps up to 16 MB free for the next
 * request instead of unmapping and mapping again (parent itself before
 * child_init). */
apr_pool_t *pl_memory_request_pool(apr_pool_t *parent);

/* An answer of len bytes was written and its document freed: a large one
 * asks the trimming thread to look at the RSS, and give the free pages back
 * (malloc_trim) when it is above the level kept. */
void pl_memory_after_answer(size_t len);

#endif
