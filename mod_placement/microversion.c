/* Microversion header parsing (see microversion.h). */
#include "microversion.h"
#include "strutil.h"

#include <apr_strings.h>
#include <apr_lib.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define SERVICE "placement"

static const char *strip(apr_pool_t *p, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) { s++; len--; }
    while (len && isspace((unsigned char)s[len - 1])) len--;
    return apr_pstrndup(p, s, len);
}

/* The value for our service in the header: the last "placement X" entry
 * wins, as in microversion_parse.check_standard_header. */
static const char *find_service_version(apr_pool_t *p, const char *header)
{
    const char *found = NULL;
    const char *item = header;
    while (item) {
        const char *comma = strchr(item, ',');
        size_t len = comma ? (size_t)(comma - item) : strlen(item);
        const char *entry = strip(p, item, len);
        const char *sp = entry;
        while (*sp && !isspace((unsigned char)*sp)) sp++;
        if (*sp && (size_t)(sp - entry) == strlen(SERVICE)
            && strncasecmp(entry, SERVICE, strlen(SERVICE)) == 0) {
            const char *v = sp;
            while (*v && isspace((unsigned char)*v)) v++;
            found = strip(p, v, strlen(v));
        }
        item = comma ? comma + 1 : NULL;
    }
    return found;
}

/* Python's int() on a str: optional whitespace and sign, digits with
 * single underscores between them.  Returns 0 on success. */
static int python_int(const char *s, long *out)
{
    const char *c = s;
    char digits[32];
    size_t n = 0;
    int neg = 0;
    while (isspace((unsigned char)*c)) c++;
    if (*c == '+' || *c == '-') neg = (*c++ == '-');
    if (!isdigit((unsigned char)*c)) return -1;
    while (isdigit((unsigned char)*c) || (*c == '_' && isdigit((unsigned char)c[1])
                                          && n > 0)) {
        if (*c != '_') {
            if (n + 1 >= sizeof(digits)) return -1;
            digits[n++] = *c;
        }
        c++;
    }
    while (isspace((unsigned char)*c)) c++;
    if (*c) return -1;
    digits[n] = '\0';
    errno = 0;
    *out = strtol(digits, NULL, 10);
    if (errno) return -1;
    if (neg) *out = -*out;
    return 0;
}

pl_mv_result pl_mv_parse(apr_pool_t *p, const char *header, int *version,
                         const char **message)
{
    /* a header is latin-1 text to upstream (WSGI): 0xff is U+00FF */
    const char *vs = header ? find_service_version(p, pl_latin1_to_utf8(p, header)) : NULL;
    const char *dot;
    long major, minor;

    if (!vs) vs = PL_MV_MIN_STRING;
    if (strcmp(vs, "latest") == 0) vs = PL_MV_MAX_STRING;

    dot = strchr(vs, '.');
    if (!dot) {
        *message = apr_psprintf(p, "invalid version string: %s; Version.__new__() "
                                "missing 1 required positional argument: 'minor'", vs);
        return PL_MV_BAD_STRING;
    }
    if (python_int(apr_pstrndup(p, vs, dot - vs), &major) != 0) {
        *message = apr_psprintf(p, "invalid version string: %s; invalid literal for "
                                "int() with base 10: '%s'", vs,
                                apr_pstrndup(p, vs, dot - vs));
        return PL_MV_BAD_STRING;
    }
    if (python_int(dot + 1, &minor) != 0) {
        *message = apr_psprintf(p, "invalid version string: %s; invalid literal for "
                                "int() with base 10: '%s'", vs, dot + 1);
        return PL_MV_BAD_STRING;
    }
    /* Only versions in the published list are acceptable; the list is
     * contiguous, so a range check is the same thing. */
    if (major < 0 || minor < 0 || major > 1000 || minor > 999
        || PL_V(major, minor) < PL_MV_MIN || PL_V(major, minor) > PL_MV_MAX) {
        *message = apr_psprintf(p, "Unacceptable version header: %s", vs);
        return PL_MV_UNACCEPTABLE;
    }
    *version = (int)PL_V(major, minor);
    return PL_MV_OK;
}

const char *pl_mv_string(apr_pool_t *p, int version)
{
    return apr_psprintf(p, "%d.%d", PL_V_MAJOR(version), PL_V_MINOR(version));
}
