/* Internal: compiled schema layout shared by jsonschema*.c. */
#ifndef PL_JSONSCHEMA_INT_H
#define PL_JSONSCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <stddef.h>
#include <pcre2.h>

#include "jsonschema.h"

enum { D2020 = 0, D4 = 1 };

enum {
    T_NULL = 1, T_BOOL = 2, T_INT = 4, T_NUM = 8, T_STR = 16, T_ARR = 32,
    T_OBJ = 64
};

enum {
    K_TYPE, K_PROPS, K_PATPROPS, K_ADDPROPS, K_REQUIRED, K_MINPROPS,
    K_MAXPROPS, K_ITEMS, K_ADDITEMS, K_MINITEMS, K_MAXITEMS, K_UNIQUE,
    K_ENUM, K_CONST, K_MIN, K_MAX, K_EXMIN, K_EXMAX, K_MULTOF, K_MINLEN,
    K_MAXLEN, K_PATTERN, K_FORMAT, K_ANYOF, K_ONEOF, K_ALLOF, K_NOT, K_REF,
    K_IGNORE
};

typedef struct {
    const char *name;          /* property name or pattern source */
    pcre2_code *re;
    pl_schema *sub;
} named_sub;

typedef struct {
    int kind;
    const char *name;
    json_object *value;
    int nsubs;
    named_sub *subs;           /* properties, patterns, *Of, item tuples */
    pl_schema *sub;            /* items, additional*, not, $ref */
    pcre2_code *re;
    long long n;               /* counts for min/max keywords */
    unsigned types;
} kw_t;

struct pl_schema {
    json_object *doc;
    int is_bool, bool_val;
    int dialect;
    int nkw;
    kw_t *kw;
    const kw_t *props, *patprops, *items, *ref;
    int has_type;
    unsigned types;
    int d4_exmin, d4_exmax;    /* draft 4 boolean exclusive* */
};

/* re.search() semantics: unanchored. */
int pl_re_search(const pcre2_code *re, const char *s, size_t len);

/* pl_uuid_is_like() for counted strings (JSON strings may hold NULs). */
int pl_uuid_like_n(const char *s, size_t n);

#endif
