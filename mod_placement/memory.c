/* What a child keeps after large answers (see memory.h). */
#include <malloc.h>

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
 * its own free memory; worker threads share these few. */
#define ARENA_MAX 2
/* Answers from this size up are followed by a trim: their document was
 * some ten times this in small json-c blocks. */
#define LARGE_ANSWER (256 * 1024)

void pl_memory_child_init(void)
{
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    mallopt(M_ARENA_MAX, ARENA_MAX);
}

void pl_memory_after_answer(size_t len)
{
    if (len >= LARGE_ANSWER) malloc_trim(0);
}
