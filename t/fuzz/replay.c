/*
 * Runs a libFuzzer target without libFuzzer, so CI can use gcc's
 * sanitizers: every file named on the command line is fed to the target,
 * then each is mutated ITERATIONS times with a fixed seed (byte flips,
 * insertions, deletions, splices of the dictionary's tokens) so the same
 * inputs run every time.  Exit status 0 unless a sanitizer aborts.
 *   replay [-n ITERATIONS] [-d DICT] FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 8192
#define MAX_TOKENS 512

static char *tokens[MAX_TOKENS];
static int ntokens;
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) { perror(path); exit(2); }
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* libFuzzer dictionary lines: name="token" (only simple escapes). */
static void read_dict(const char *path)
{
    char line[512];
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    while (ntokens < MAX_TOKENS && fgets(line, sizeof(line), f)) {
        char *a = strchr(line, '"'), *b = strrchr(line, '"');
        if (line[0] == '#' || !a || b <= a) continue;
        *b = '\0';
        tokens[ntokens++] = strdup(a + 1);
    }
    fclose(f);
}

static size_t mutate(uint8_t *buf, size_t n)
{
    int steps = 1 + next() % 4;
    while (steps--) {
        size_t at = n ? next() % n : 0;
        switch (next() % 5) {
        case 0:
            if (n) buf[at] ^= (uint8_t)(1u << (next() % 8));
            break;
        case 1:
            if (n < MAX_INPUT) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = (uint8_t)next();
                n++;
            }
            break;
        case 2:
            if (n) {
                size_t len = 1 + next() % 8;
                if (at + len > n) len = n - at;
                memmove(buf + at, buf + at + len, n - at - len);
                n -= len;
            }
            break;
        case 3:
            if (ntokens) {
                const char *t = tokens[next() % ntokens];
                size_t len = strlen(t);
                if (n + len <= MAX_INPUT) {
                    memmove(buf + at + len, buf + at, n - at);
                    memcpy(buf + at, t, len);
                    n += len;
                }
            }
            break;
        default:
            if (n > 2) {   /* duplicate a slice: deep nesting, long lists */
                size_t from = next() % n, len = 1 + next() % (n - from);
                static uint8_t slice[MAX_INPUT];
                if (n + len <= MAX_INPUT) {
                    memcpy(slice, buf + from, len);
                    memmove(buf + at + len, buf + at, n - at);
                    memcpy(buf + at, slice, len);
                    n += len;
                }
            }
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    static uint8_t seed[MAX_INPUT], buf[MAX_INPUT];
    long iterations = 0, total = 0;
    int i;
    for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) iterations = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "-d") && i + 1 < argc) read_dict(argv[i + 1]);
        else { fprintf(stderr, "usage: replay [-n N] [-d DICT] FILE...\n"); return 2; }
    }
    for (; i < argc; i++) {
        size_t n = read_file(argv[i], seed, sizeof(seed)), m;
        long k;
        LLVMFuzzerTestOneInput(seed, n);
        total++;
        for (k = 0; k < iterations; k++) {
            memcpy(buf, seed, n);
            m = mutate(buf, n);
            LLVMFuzzerTestOneInput(buf, m);
            total++;
        }
    }
    printf("1..1\nok 1 - %ld inputs ran without a sanitizer report\n", total);
    return 0;
}
