/* Process memory: what a child keeps after large answers stays small.
 * glibc's allocator is tuned once per child, before its threads start. */
#ifndef PL_MEMORY_H
#define PL_MEMORY_H

#include <stddef.h>

/* child_init: mmap threshold fixed, few arenas, trimming. */
void pl_memory_child_init(void);

/* After an answer of len bytes was written and its document freed: a large
 * one left many small blocks free inside the arenas, give those pages
 * back (malloc_trim) so a child does not keep its largest answer's
 * footprint. */
void pl_memory_after_answer(size_t len);

#endif
