/* A streaming JSON writer for large answers: the text is appended to one
 * growing buffer as the rows are read, with no json-c document in between.
 * What it writes is byte for byte what json-c 0.16 prints for the same
 * document with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE
 * (the flags of pl_send_json): no spaces, the same string escapes, integers
 * in decimal; and the module's NUL mark C0 80 (PL_NUL_MARK) as \u0000,
 * which pl_send_json does after json-c, so the text needs no second pass.  Pure C (no httpd header); t/unit/test_jsonw.c compares it
 * with json-c. */
#ifndef PL_JSONW_H
#define PL_JSONW_H

#include <stddef.h>

#define PL_JW_MAXDEPTH 32

/* Where a writer with a sink hands its text, a block at a time. */
typedef void (*pl_jw_sink)(void *ctx, const char *text, size_t n);

typedef struct pl_jw {
    char *buf;                  /* malloc'd; owned by the writer until taken */
    size_t len, cap;
    pl_jw_sink sink;            /* NULL: the whole text stays in buf */
    void *sink_ctx;
    size_t flushed;             /* bytes handed to the sink so far */
    int depth;
    int after_key;              /* a key was written, its value comes next */
    int failed;                 /* out of memory or nesting too deep */
    char kind[PL_JW_MAXDEPTH];  /* '{' or '[' per open level */
    char used[PL_JW_MAXDEPTH];  /* the level has an element already */
} pl_jw;

/* An empty writer whose buffer starts at about hint bytes. */
void pl_jw_init(pl_jw *w, size_t hint);
/* A writer that keeps at most about block bytes: when the buffer is full,
 * its text goes to sink (ctx, text, length) and the buffer is reused, so an
 * answer of any size takes one block (more only for one string longer than
 * a block).  pl_jw_finish hands over the rest. */
void pl_jw_init_sink(pl_jw *w, size_t block, pl_jw_sink sink, void *ctx);
/* A sink writer's last text to its sink; the length of the whole text, or
 * (size_t)-1 when writing failed (nothing more goes to the sink then). */
size_t pl_jw_finish(pl_jw *w);
/* Free the buffer (idempotent). */
void pl_jw_free(pl_jw *w);
/* Hand the buffer over (the caller frees it with free()); *len its length.
 * NULL when writing failed (the buffer is freed then). */
char *pl_jw_take(pl_jw *w, size_t *len);

void pl_jw_obj(pl_jw *w);                       /* { */
void pl_jw_arr(pl_jw *w);                       /* [ */
void pl_jw_end(pl_jw *w);                       /* } or ], whichever is open */
void pl_jw_key(pl_jw *w, const char *key);      /* "key": inside an object */
void pl_jw_str(pl_jw *w, const char *s);        /* NULL writes null */
void pl_jw_strn(pl_jw *w, const char *s, size_t n);
/* The string a b c (b, c may be NULL), with no copy made of it. */
void pl_jw_str3(pl_jw *w, const char *a, const char *b, const char *c);
void pl_jw_int(pl_jw *w, long long v);
void pl_jw_null(pl_jw *w);
/* A value already rendered as JSON text (e.g. by json-c or pl_format_pyfloat). */
void pl_jw_raw(pl_jw *w, const char *text, size_t n);

/* A key or a string value given as a C string literal that needs no
 * escape: copied as it is, quotes included, with no scan. */
#define PL_JW_KEY(w, lit) pl_jw_rawkey((w), "\"" lit "\":", sizeof("\"" lit "\":") - 1)
#define PL_JW_LIT(w, lit) pl_jw_raw((w), "\"" lit "\"", sizeof("\"" lit "\"") - 1)
void pl_jw_rawkey(pl_jw *w, const char *quoted_colon, size_t n);

/* Whether s[0..n) goes into a JSON string as it is: no byte the writer
 * escapes (nor 0xC0, which may start a NUL mark).  For text assembled by
 * hand and written with pl_jw_raw. */
int pl_jw_plain(const char *s, size_t n);

/* Shorthands for "key": value. */
void pl_jw_kstr(pl_jw *w, const char *key, const char *s);
void pl_jw_kint(pl_jw *w, const char *key, long long v);

#endif
