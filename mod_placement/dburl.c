/* SQLAlchemy database URL parser, following the shape SQLAlchemy accepts:
 *   dialect[+driver]://[user[:password]@][host|[ipv6]][:port][/database][?query]
 * plus, for failover, several hosts: host1[:port1],host2[:port2],...
 * so that an operator can paste upstream placement.conf's value unchanged. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "dburl.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Copy [s, s+n) decoding %XX (and '+' as space when plus is set, as in a
 * query string); a malformed escape is kept literally, like Python's unquote. */
static char *pct_decode(apr_pool_t *p, const char *s, size_t n, int plus)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    size_t i;

    for (i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n
            && (hi = hexval((unsigned char)s[i + 1])) >= 0
            && (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The message never echoes the URL: it may carry a password. */
static int fail(apr_pool_t *p, char **err, const char *why)
{
    if (err)
        *err = apr_psprintf(p, "invalid database URL: %s", why);
    return -1;
}

static int scheme_ok(const char *s, size_t n)
{
    size_t base = n;
    const char *plus = memchr(s, '+', n);

    if (plus) {
        size_t i;
        base = (size_t)(plus - s);
        if (base + 1 == n)
            return 0;
        for (i = base + 1; i < n; i++)
            if (!isalnum((unsigned char)s[i]) && s[i] != '_')
                return 0;
    }
    return (base == 5 && strncmp(s, "mysql", 5) == 0)
        || (base == 7 && strncmp(s, "mariadb", 7) == 0);
}

/* Parse "k=v&k=v"; keeps the last value of charset / unix_socket. */
static int parse_query(apr_pool_t *p, const char *q, pl_dburl *out,
                       char **err)
{
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);

        if (len) {
            size_t klen = eq ? (size_t)(eq - q) : len;
            char *key = pct_decode(p, q, klen, 1);
            const char *val = eq ? pct_decode(p, eq + 1, len - klen - 1, 1) : "";

            if (strcmp(key, "charset") == 0) {
                if (!*val)
                    return fail(p, err, "empty charset");
                out->charset = val;
            } else if (strcmp(key, "unix_socket") == 0) {
                if (!*val)
                    return fail(p, err, "empty unix_socket");
                out->unix_socket = val;
            }
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return 0;
}

/* One "host", "host:port", "[ipv6]" or "[ipv6]:port" in [hp, end); an
 * empty host leaves *host NULL (the client's default). */
static int parse_hostport(apr_pool_t *p, const char *hp, const char *end,
                          const char **host, unsigned int *port, char **err)
{
    const char *he;
    if (*hp == '[') {
        const char *rb = memchr(hp, ']', (size_t)(end - hp));
        if (!rb)
            return fail(p, err, "unterminated [ipv6] host");
        if (rb == hp + 1)
            return fail(p, err, "empty [ipv6] host");
        *host = apr_pstrmemdup(p, hp + 1, (size_t)(rb - hp - 1));
        he = rb + 1;
        if (he != end && *he != ':')
            return fail(p, err, "junk after [ipv6] host");
    } else {
        he = memchr(hp, ':', (size_t)(end - hp));
        if (!he)
            he = end;
        if (he > hp)
            *host = apr_pstrmemdup(p, hp, (size_t)(he - hp));
    }
    if (he < end && *he == ':') {
        const char *ps = he + 1;
        unsigned long n = 0;
        if (ps == end)
            return fail(p, err, "empty port");
        for (; ps < end; ps++) {
            if (!isdigit((unsigned char)*ps))
                return fail(p, err, "port is not a number");
            n = n * 10 + (unsigned long)(*ps - '0');
            if (n > 65535)
                return fail(p, err, "port out of range");
        }
        if (n == 0)
            return fail(p, err, "port out of range");
        *port = (unsigned int)n;
    }
    return 0;
}

int pl_dburl_parse(apr_pool_t *p, const char *url, pl_dburl *out, char **err)
{
    const char *s, *sep, *end_auth, *hp, *he;

    memset(out, 0, sizeof(*out));
    if (err)
        *err = NULL;
    if (!url || !*url)
        return fail(p, err, "empty");

    sep = strstr(url, "://");
    if (!sep || !scheme_ok(url, (size_t)(sep - url)))
        return fail(p, err,
                    "scheme must be mysql[+driver]:// or mariadb[+driver]://");
    s = sep + 3;

    /* userinfo, by SQLAlchemy's rule: the user is a run without ':' or '/';
     * "user:password@" needs an '@' somewhere after the ':' and the password
     * runs to the first one (so an unencoded '/' in it still works);
     * otherwise "user@" ends at the last '@' of the run. */
    {
        size_t run = strcspn(s, ":/");
        const char *at = s[run] == ':' ? strchr(s + run + 1, '@') : NULL;

        if (at) {
            out->user = pct_decode(p, s, run, 0);
            out->password = pct_decode(p, s + run + 1,
                                       (size_t)(at - s - run - 1), 0);
            s = at + 1;
        } else {
            const char *last = NULL, *c;
            for (c = s; c < s + run; c++)
                if (*c == '@')
                    last = c;
            if (last) {
                out->user = pct_decode(p, s, (size_t)(last - s), 0);
                s = last + 1;
            }
        }
    }
    if (out->user && !*out->user)
        out->user = NULL;

    /* host and port, or several "host[:port]" separated by commas
     * (failover: the module tries them in order) */
    end_auth = s + strcspn(s, "/?");
    {
        int cap = 1;
        const char *c;
        for (c = s; c < end_auth; c++)
            if (*c == ',')
                cap++;
        out->hosts = apr_pcalloc(p, sizeof(*out->hosts) * (size_t)cap);
        out->ports = apr_pcalloc(p, sizeof(*out->ports) * (size_t)cap);
    }
    for (hp = s; ; hp = he + 1) {
        const char *host = NULL;
        unsigned int port = 0;
        const char *seg_end = memchr(hp, ',', (size_t)(end_auth - hp));
        if (!seg_end)
            seg_end = end_auth;
        if (parse_hostport(p, hp, seg_end, &host, &port, err) != 0)
            return -1;
        if (!host && (seg_end != end_auth || out->nhosts))
            return fail(p, err, "empty host in a host list");
        if (host) {
            out->hosts[out->nhosts] = host;
            out->ports[out->nhosts] = port;
            out->nhosts++;
        }
        else
            out->port = port;
        he = seg_end;
        if (he == end_auth)
            break;
    }
    if (out->nhosts) {
        out->host = out->hosts[0];
        out->port = out->ports[0];
    }

    /* database */
    s = end_auth;
    if (*s == '/') {
        size_t dlen = strcspn(s + 1, "?");
        if (dlen)
            out->database = apr_pstrmemdup(p, s + 1, dlen);
        s += 1 + dlen;
    }
    if (*s == '?' && parse_query(p, s + 1, out, err) != 0)
        return -1;
    return 0;
}
