/* Start-up loading of the JSON request schemas into a read-only registry. */
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "schemas.h"

static apr_hash_t *registry;   /* name -> pl_schema*, read-only once set */

static apr_status_t put_doc(void *doc)
{
    json_object_put(doc);
    return APR_SUCCESS;
}

/* Parse a whole file, reporting json-c's reason and offset on failure. */
static json_object *parse_file(apr_pool_t *p, const char *path, char **err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    apr_status_t rv;
    char *buf, ebuf[256];
    json_tokener *tok;
    json_object *doc;
    enum json_tokener_error jerr;

    rv = apr_file_open(&f, path, APR_READ, 0, p);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "%s: %s", path,
                            apr_strerror(rv, ebuf, sizeof ebuf));
        return NULL;
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(p, n + 1);
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && !(rv == APR_EOF && n == 0)) {
        *err = apr_psprintf(p, "%s: %s", path,
                            apr_strerror(rv, ebuf, sizeof ebuf));
        return NULL;
    }
    buf[n] = '\0';
    tok = json_tokener_new();
    doc = json_tokener_parse_ex(tok, buf, (int)n + 1);
    jerr = json_tokener_get_error(tok);
    if (doc && jerr == json_tokener_success) {
        size_t end = json_tokener_get_parse_end(tok);
        while (end < n && (buf[end] == ' ' || buf[end] == '\t' ||
                            buf[end] == '\r' || buf[end] == '\n'))
            end++;
        if (end < n) {
            *err = apr_psprintf(p, "%s: invalid JSON at offset %d: trailing "
                                "data", path, (int)end);
            json_object_put(doc);
            doc = NULL;
        }
    } else {
        *err = apr_psprintf(p, "%s: invalid JSON at offset %d: %s", path,
                            (int)json_tokener_get_parse_end(tok),
                            json_tokener_error_desc(jerr));
        json_object_put(doc);
        doc = NULL;
    }
    json_tokener_free(tok);
    return doc;
}

static int load_one(apr_pool_t *p, apr_hash_t *h, const char *dir,
                    const char *fname, char **err)
{
    const char *path = apr_pstrcat(p, dir, "/", fname, NULL);
    json_object *doc = parse_file(p, path, err);
    char *cerr = NULL;
    pl_schema *s;

    if (!doc)
        return -1;
    /* the compiled schema points into doc: keep it for the pool's life */
    apr_pool_cleanup_register(p, doc, put_doc, apr_pool_cleanup_null);
    s = pl_schema_compile(p, doc, &cerr);
    if (!s) {
        *err = apr_psprintf(p, "%s: %s", path, cerr);
        return -1;
    }
    apr_hash_set(h, apr_pstrmemdup(p, fname, strlen(fname) - 5),
                 APR_HASH_KEY_STRING, s);
    return 0;
}

int pl_schemas_load(apr_pool_t *p, const char *dir, char **err)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_hash_t *h = apr_hash_make(p);
    apr_status_t rv;
    char ebuf[256];

    rv = apr_dir_open(&d, dir, p);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "%s: %s", dir,
                            apr_strerror(rv, ebuf, sizeof ebuf));
        return -1;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) ==
           APR_SUCCESS) {
        size_t n = strlen(fi.name);
        if (n <= 5 || strcmp(fi.name + n - 5, ".json") ||
            fi.filetype == APR_DIR)
            continue;
        if (load_one(p, h, dir, fi.name, err) != 0) {
            apr_dir_close(d);
            return -1;
        }
    }
    apr_dir_close(d);
    registry = h;
    return 0;
}

const pl_schema *pl_schema_lookup(const char *name)
{
    return registry ? apr_hash_get(registry, name, APR_HASH_KEY_STRING)
        : NULL;
}
