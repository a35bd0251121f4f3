/* LD_PRELOAD shim for tools/bench/request-pool-bytes: the bytes taken from
 * apr pools (apr_palloc, and so apr_pcalloc, apr_pstrdup, arrays, hashes;
 * apr_psprintf), each counted at the first frame on the stack inside a
 * file whose name holds "mod_placement" (its offset in that file), written
 * at exit to $POOLCOUNT_OUT as "offset bytes calls" lines.  Pools are not
 * freed in the middle of a request here, so a request's total is its
 * peak. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_pools.h>
#include <apr_strings.h>

#define SLOTS 65536
static struct { unsigned long off; unsigned long long bytes, calls; } tab[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int inside;

static void record(size_t n)
{
    void *bt[12];
    int k, depth;
    unsigned long off = 1;   /* 1: no module frame */
    if (inside) return;
    inside = 1;
    depth = backtrace(bt, 12);
    for (k = 2; k < depth; k++) {
        Dl_info di;
        if (dladdr(bt[k], &di) && di.dli_fname && strstr(di.dli_fname, "mod_placement")) {
            off = (unsigned long)((char *)bt[k] - (char *)di.dli_fbase);
            break;
        }
    }
    pthread_mutex_lock(&mu);
    {
        unsigned long h = (off * 2654435761u) % SLOTS;
        while (tab[h].off && tab[h].off != off) h = (h + 1) % SLOTS;
        tab[h].off = off;
        tab[h].bytes += n;
        tab[h].calls++;
    }
    pthread_mutex_unlock(&mu);
    inside = 0;
}

void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    static void *(*real)(apr_pool_t *, apr_size_t);
    if (!real) real = dlsym(RTLD_NEXT, "apr_palloc");
    record(APR_ALIGN_DEFAULT(size));
    return real(p, size);
}

char *apr_pvsprintf(apr_pool_t *p, const char *fmt, va_list ap)
{
    static char *(*real)(apr_pool_t *, const char *, va_list);
    char *s;
    if (!real) real = dlsym(RTLD_NEXT, "apr_pvsprintf");
    s = real(p, fmt, ap);
    if (s) record(APR_ALIGN_DEFAULT(strlen(s) + 1));
    return s;
}

char *apr_psprintf(apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    s = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return s;
}

__attribute__((destructor)) static void dump(void)
{
    const char *out = getenv("POOLCOUNT_OUT");
    FILE *f;
    int i;
    if (!out || !(f = fopen(out, "w"))) return;
    for (i = 0; i < SLOTS; i++)
        if (tab[i].off) fprintf(f, "%lx %llu %llu\n", tab[i].off, tab[i].bytes, tab[i].calls);
    fclose(f);
}
