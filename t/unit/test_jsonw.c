/* The streaming writer against json-c: the same document, the same bytes. */
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <json-c/json.h>

#include "jsonw.h"
#include "tap.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static char *taken(pl_jw *w)
{
    size_t len;
    char *b = pl_jw_take(w, &len), *s;
    if (!b) return NULL;
    s = malloc(len + 1);
    memcpy(s, b, len);
    s[len] = 0;
    free(b);
    return s;
}

/* json-c's text as pl_send_json sends it: each NUL mark C0 80 (the only
 * place it can be is inside a string) as \u0000, as pl_nul_json does. */
static char *sent(const char *t)
{
    char *out = malloc(3 * strlen(t) + 1), *o = out;
    for (; *t; t++) {
        if ((unsigned char)t[0] == 0xC0 && (unsigned char)t[1] == 0x80) {
            memcpy(o, "\\u0000", 6);
            o += 6;
            t++;
        }
        else *o++ = *t;
    }
    *o = 0;
    return out;
}

/* A sink that appends what it is handed to a growing string, and counts
 * its calls and the largest piece. */
typedef struct collected {
    char *text;
    size_t len, calls, largest;
} collected;

static void collect(void *ctx, const char *text, size_t n)
{
    collected *c = ctx;
    c->text = realloc(c->text, c->len + n + 1);
    memcpy(c->text + c->len, text, n);
    c->len += n;
    c->text[c->len] = 0;
    c->calls++;
    if (n > c->largest) c->largest = n;
}

/* A random document, written both ways from the same seed. */
static unsigned long long rng;
static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng >> 33) % n;
}

static void rnd_string(char *s, size_t cap)
{
    size_t n = rnd((unsigned)cap - 1), i;
    for (i = 0; i < n; i++) {
        unsigned k = rnd(10);
        s[i] = (char)(k < 5 ? 'a' + rnd(26) : k < 7 ? 1 + rnd(127) : k < 8 ? 0x80 + rnd(128)
                      : (unsigned char)"\"\\/\n\t\x7f"[rnd(6)]);
    }
    s[n] = 0;
}

static json_object *both(pl_jw *w, int depth)
{
    unsigned k = rnd(depth > 4 ? 4 : 6);
    char s[48];
    json_object *o;
    int i, n;
    switch (k) {
    case 0: {
        long long v = (long long)((unsigned long long)rnd(1u << 31) << 33) - (long long)rnd(1u << 30);
        if (rnd(8) == 0) v = rnd(2) ? LLONG_MIN : LLONG_MAX;
        pl_jw_int(w, v);
        return json_object_new_int64(v);
    }
    case 1:
        rnd_string(s, sizeof(s));
        pl_jw_str(w, s);
        return json_object_new_string(s);
    case 2:
        pl_jw_null(w);
        return NULL;
    case 3:
        pl_jw_str(w, NULL);
        return NULL;
    case 4:
        pl_jw_arr(w);
        o = json_object_new_array();
        for (i = 0, n = (int)rnd(5); i < n; i++) json_object_array_add(o, both(w, depth + 1));
        pl_jw_end(w);
        return o;
    default:
        pl_jw_obj(w);
        o = json_object_new_object();
        for (i = 0, n = (int)rnd(5); i < n; i++) {
            char key[24];
            rnd_string(key, sizeof(key));
            snprintf(key + strlen(key), 4, "%d", i);   /* distinct keys */
            pl_jw_key(w, key);
            json_object_object_add(o, key, both(w, depth + 1));
        }
        pl_jw_end(w);
        return o;
    }
}

int main(void)
{
    pl_jw w;
    json_object *o;
    char *got, *want;
    int c, i, bad = 0;

    /* every byte in a string, at every offset of an 8-byte word */
    for (c = 1; c < 256 * 12; c++) {
        char s[16] = "abcdefghijklmno";
        s[c / 256] = (char)(c % 256 ? c % 256 : 'z');
        pl_jw_init(&w, 0);
        pl_jw_str(&w, s);
        got = taken(&w);
        o = json_object_new_string(s);
        if (!got || strcmp(got, json_object_to_json_string_ext(o, FLAGS)) != 0) {
            printf("# byte %d: %s against %s\n", c, got ? got : "(null)",
                   json_object_to_json_string_ext(o, FLAGS));
            bad++;
        }
        json_object_put(o);
        free(got);
    }
    is_int(bad, 0, "every byte escaped as json-c escapes it, wherever it is");

    pl_jw_init(&w, 0);
    pl_jw_obj(&w);
    pl_jw_kstr(&w, "a/b", "c\"d");
    pl_jw_kint(&w, "n", -42);
    pl_jw_key(&w, "l");
    pl_jw_arr(&w);
    pl_jw_obj(&w);
    pl_jw_end(&w);
    pl_jw_arr(&w);
    pl_jw_end(&w);
    pl_jw_null(&w);
    pl_jw_end(&w);
    pl_jw_kstr(&w, "z", NULL);
    pl_jw_end(&w);
    got = taken(&w);
    is_str(got, "{\"a/b\":\"c\\\"d\",\"n\":-42,\"l\":[{},[],null],\"z\":null}", "a small document");
    free(got);

    pl_jw_init(&w, 0);
    pl_jw_obj(&w);
    PL_JW_KEY(&w, "rel");
    PL_JW_LIT(&w, "self");
    PL_JW_KEY(&w, "n");
    pl_jw_int(&w, 0);
    pl_jw_end(&w);
    got = taken(&w);
    is_str(got, "{\"rel\":\"self\",\"n\":0}", "literal keys and values");
    free(got);

    pl_jw_init(&w, 0);
    pl_jw_arr(&w);
    pl_jw_str3(&w, "/a\"", "\n", NULL);
    pl_jw_str3(&w, "x", "\x01y", "z\\");
    pl_jw_end(&w);
    got = taken(&w);
    is_str(got, "[\"/a\\\"\\n\",\"x\\u0001yz\\\\\"]", "a string written in pieces");
    free(got);

    /* random documents */
    for (i = 0, bad = 0; i < 2000; i++) {
        rng = (unsigned long long)i;
        pl_jw_init(&w, (size_t)i % 3 ? 0 : 100000);
        o = both(&w, 0);
        got = taken(&w);
        want = sent(o ? json_object_to_json_string_ext(o, FLAGS) : "null");
        if (!got || strcmp(got, want) != 0) {
            if (bad++ < 3) printf("# seed %d:\n#  %s\n#  %s\n", i, got ? got : "(null)", want);
        }
        json_object_put(o);
        free(want);
        free(got);
    }
    is_int(bad, 0, "2000 random documents as json-c prints them (NUL marks as \\u0000)");

    /* a sink writer hands over, in blocks, the text the whole-buffer
     * writer keeps: the same documents byte for byte, pieces no larger
     * than a block unless one string is, and the length told at the end */
    for (i = 0, bad = 0; i < 2000; i++) {
        collected col = { NULL, 0, 0, 0 };
        size_t block = 256 + (size_t)(i % 7) * 100, total;
        rng = (unsigned long long)i;
        pl_jw_init(&w, 0);
        o = both(&w, 0);
        json_object_put(o);
        want = taken(&w);
        rng = (unsigned long long)i;
        pl_jw_init_sink(&w, block, collect, &col);
        o = both(&w, 0);
        json_object_put(o);
        total = pl_jw_finish(&w);
        pl_jw_free(&w);
        if (!want || !col.text || strcmp(col.text, want) != 0 || total != col.len) {
            if (bad++ < 3) printf("# sink seed %d: %zu bytes against %zu\n", i, col.len,
                                  want ? strlen(want) : 0);
        }
        free(col.text);
        free(want);
    }
    is_int(bad, 0, "2000 random documents through a sink of small blocks: the same text");
    {
        collected col = { NULL, 0, 0, 0 };
        char big[3000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        pl_jw_init_sink(&w, 256, collect, &col);
        pl_jw_arr(&w);
        for (i = 0; i < 1000; i++) pl_jw_int(&w, i);
        pl_jw_str(&w, big);
        pl_jw_end(&w);
        ok(pl_jw_finish(&w) == col.len && col.len == 6893 && col.calls > 10
           && w.cap <= 4096, "a long answer through a 256-byte block: %zu calls, %zu bytes",
           col.calls, col.len);
        pl_jw_free(&w);
        free(col.text);
        col.text = NULL;
        col.len = col.calls = 0;
        pl_jw_init_sink(&w, 256, collect, &col);
        pl_jw_obj(&w);
        ok(pl_jw_finish(&w) == (size_t)-1 && col.len == 0, "an unclosed object: no length");
        pl_jw_free(&w);
        free(col.text);
    }

    /* the NUL mark C0 80 is written as \u0000 (no second pass over the
     * answer); a lone C0 or 80 byte is text like any other */
    pl_jw_init(&w, 0);
    pl_jw_arr(&w);
    pl_jw_str(&w, "a\xC0\x80" "b");
    pl_jw_str(&w, "\xC0\x80\xC0\x80");
    pl_jw_str(&w, "\xC0\xC0\x80\xC0");
    pl_jw_str(&w, "\x80\xC0" "A\xC0");
    pl_jw_str(&w, "0123456789abcde\xC0\x80" "0123456789");
    pl_jw_str3(&w, "x\xC0", "\x80y", NULL);
    pl_jw_str3(&w, "\xC0", "", "\x80");
    pl_jw_obj(&w);
    pl_jw_kstr(&w, "k\xC0\x80", "v");
    pl_jw_end(&w);
    pl_jw_end(&w);
    got = taken(&w);
    is_str(got, "[\"a\\u0000b\",\"\\u0000\\u0000\",\"\xC0\\u0000\xC0\",\"\x80\xC0" "A\xC0\","
           "\"0123456789abcde\\u00000123456789\",\"x\\u0000y\",\"\\u0000\","
           "{\"k\\u0000\":\"v\"}]", "the NUL mark as \\u0000, in values, keys and pieces");
    free(got);

    /* misuse is refused, not written */
    pl_jw_init(&w, 0);
    pl_jw_arr(&w);
    pl_jw_key(&w, "k");
    pl_jw_end(&w);
    ok(taken(&w) == NULL, "a key inside an array fails the writer");
    pl_jw_init(&w, 0);
    pl_jw_obj(&w);
    ok(taken(&w) == NULL, "an unclosed object fails the writer");
    pl_jw_init(&w, 0);
    for (i = 0; i < PL_JW_MAXDEPTH + 1; i++) pl_jw_arr(&w);
    for (i = 0; i < PL_JW_MAXDEPTH + 1; i++) pl_jw_end(&w);
    ok(taken(&w) == NULL, "nesting past PL_JW_MAXDEPTH fails the writer");
    return done_testing();
}
