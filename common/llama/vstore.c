/* vstore.c - "vector_store" validation and PGVectorStore rows (see vstore.h). */
#include "vstore.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "textnode.h"

typedef enum { P_STR, P_PORT, P_IDENT, P_DIM, P_BOOL, P_HNSW, P_FALSE, P_SECRET, P_ANY } ptype;

static const struct param {
    const char *name;
    ptype type;
    const char *dflt; /* JSON, NULL: none */
} params[] = {
    {"host", P_STR, NULL},           {"port", P_PORT, NULL},
    {"database", P_STR, NULL},       {"user", P_STR, NULL},
    {"table_name", P_IDENT, "\"llamaindex\""}, {"schema_name", P_IDENT, "\"public\""},
    {"embed_dim", P_DIM, "1536"},    {"use_jsonb", P_BOOL, "false"},
    {"perform_setup", P_BOOL, "true"}, {"hnsw_kwargs", P_HNSW, "null"},
    {"hybrid_search", P_FALSE, "false"}, {"use_halfvec", P_FALSE, "false"},
    {"indexed_metadata_keys", P_FALSE, "null"}, {"text_search_config", P_STR, "\"english\""},
    {"debug", P_BOOL, "false"},      {"cache_ok", P_BOOL, "false"},
    {"password", P_SECRET, NULL},    {"connection_string", P_SECRET, NULL},
    {"async_connection_string", P_SECRET, NULL}, {"create_engine_kwargs", P_FALSE, "null"},
    {"class_name", P_ANY, NULL},
};
#define NPARAMS (sizeof params / sizeof *params)

static int ident_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VSTORE_IDENT_MAX - 5 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return 0;
    return 1;
}

static int check_hnsw(json_t *v, char *err, size_t el)
{
    if (json_is_null(v)) return 0;
    json_t *m = json_object_get(v, "hnsw_m"), *ef = json_object_get(v, "hnsw_ef_construction");
    json_t *dm = json_object_get(v, "hnsw_dist_method");
    if (!json_is_object(v) || !json_is_integer(m) || !json_is_integer(ef) ||
        json_integer_value(m) < 2 || json_integer_value(m) > 100 || json_integer_value(ef) < 4 ||
        json_integer_value(ef) > 1000 || (dm && !(json_is_string(dm) && ident_ok(json_string_value(dm))))) {
        snprintf(err, el, "vector_store.hnsw_kwargs needs integer hnsw_m (2-100) and "
                          "hnsw_ef_construction (4-1000), optional hnsw_dist_method (an operator class)");
        return -1;
    }
    return 0;
}

static int check_param(const struct param *p, json_t *v, char *err, size_t el)
{
    int ok = 1;
    switch (p->type) {
    case P_STR: ok = json_is_string(v) || json_is_null(v); break;
    case P_PORT:
        ok = (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 65536) ||
             (json_is_string(v) && strlen(json_string_value(v)) < 6 &&
              strspn(json_string_value(v), "0123456789") == strlen(json_string_value(v))) || json_is_null(v);
        break;
    case P_IDENT: ok = json_is_string(v) && ident_ok(json_string_value(v)); break;
    case P_DIM: ok = json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 16000; break;
    case P_BOOL: ok = json_is_boolean(v); break;
    case P_HNSW: return check_hnsw(v, err, el);
    case P_FALSE:
        if (json_is_false(v) || json_is_null(v)) return 0;
        snprintf(err, el, "vector_store.%s is not supported", p->name);
        return -1;
    case P_SECRET:
        snprintf(err, el, "vector_store.%s must not be in the spec (secrets come from the worker's "
                          "environment: PGPASSWORD, PGPASSFILE or PGSERVICEFILE)", p->name);
        return -1;
    case P_ANY: break;
    }
    if (!ok)
        snprintf(err, el, "vector_store.%s: invalid value%s", p->name,
                 p->type == P_IDENT ? " (an SQL identifier: letters, digits, _)" : "");
    return ok ? 0 : -1;
}

int vstore_check(json_t *vs, char *err, size_t el)
{
    const char *cls = json_string_value(json_object_get(vs, "class_name"));
    if (!json_is_object(vs) || !cls || strcmp(cls, "PGVectorStore")) {
        snprintf(err, el, "vector_store: class_name must be \"PGVectorStore\" (the only store supported)");
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(vs, k, v) {
        size_t i = 0;
        while (i < NPARAMS && strcmp(params[i].name, k)) i++;
        if (i == NPARAMS) {
            snprintf(err, el, "vector_store: unknown parameter '%s'", k);
            return -1;
        }
        if (check_param(&params[i], v, err, el)) return -1;
    }
    for (size_t i = 0; i < NPARAMS; i++)
        if (params[i].dflt && !json_object_get(vs, params[i].name))
            json_object_set_new(vs, params[i].name, json_loads(params[i].dflt, JSON_DECODE_ANY, NULL));
    char low[VSTORE_IDENT_MAX + 1];
    snprintf(low, sizeof low, "%s", json_string_value(json_object_get(vs, "table_name")));
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    json_object_set_new(vs, "table_name", json_string(low));
    return 0;
}

static void get_str(const json_t *vs, const char *name, char *out, size_t len)
{
    json_t *v = json_object_get(vs, name);
    if (json_is_integer(v)) snprintf(out, len, "%lld", (long long)json_integer_value(v));
    else snprintf(out, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int vstore_pg_get(const json_t *vs, vstore_pg *o)
{
    memset(o, 0, sizeof *o);
    const char *cls = json_string_value(json_object_get(vs, "class_name"));
    if (!cls || strcmp(cls, "PGVectorStore")) return 0;
    get_str(vs, "host", o->host, sizeof o->host);
    get_str(vs, "port", o->port, sizeof o->port);
    get_str(vs, "database", o->database, sizeof o->database);
    get_str(vs, "user", o->user, sizeof o->user);
    get_str(vs, "table_name", o->table, sizeof o->table);
    get_str(vs, "schema_name", o->schema, sizeof o->schema);
    o->embed_dim = (int)json_integer_value(json_object_get(vs, "embed_dim"));
    o->use_jsonb = json_is_true(json_object_get(vs, "use_jsonb"));
    o->perform_setup = !json_is_false(json_object_get(vs, "perform_setup"));
    json_t *h = json_object_get(vs, "hnsw_kwargs");
    if ((o->hnsw = json_is_object(h))) {
        o->hnsw_m = (int)json_integer_value(json_object_get(h, "hnsw_m"));
        o->hnsw_ef_construction = (int)json_integer_value(json_object_get(h, "hnsw_ef_construction"));
        get_str(h, "hnsw_dist_method", o->hnsw_dist_method, sizeof o->hnsw_dist_method);
        if (!o->hnsw_dist_method[0]) snprintf(o->hnsw_dist_method, sizeof o->hnsw_dist_method, "vector_cosine_ops");
    }
    return 1;
}

static int dump_cb(const char *p, size_t len, void *data) { return buf_append(data, p, len) ? -1 : 0; }

/* Python json.dumps layout: ", " and ": " separators (jansson's indent 0). */
static int dumps(const json_t *o, size_t flags, buf_t *out)
{
    return json_dump_callback(o, dump_cb, out, JSON_INDENT(0) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17) | flags)
               ? ERR_NOMEM : 0;
}

int vstore_pg_metadata(const node_t *n, buf_t *out)
{
    json_t *nd = textnode_object(n);
    if (!nd) return ERR_NOMEM;
    json_t *md = json_deep_copy(json_object_get(nd, "metadata"));
    json_object_set_new(nd, "text", json_string(""));
    json_object_set_new(nd, "embedding", json_null());
    buf_t content;
    buf_init(&content, 0);
    int rc = md ? dumps(nd, 0, &content) : ERR_NOMEM;
    json_decref(nd);
    const char *ref = n->rel[NODE_REL_SOURCE].id ? n->rel[NODE_REL_SOURCE].id : "None";
    if (!rc) {
        json_object_set_new(md, "_node_content", json_stringn(content.p, content.len));
        json_object_set_new(md, "_node_type", json_string("TextNode"));
        json_object_set_new(md, "document_id", json_string(ref));
        json_object_set_new(md, "doc_id", json_string(ref));
        json_object_set_new(md, "ref_doc_id", json_string(ref));
        rc = dumps(md, JSON_ENSURE_ASCII, out);
    }
    json_decref(md);
    buf_free(&content);
    return rc;
}

int vstore_vector_literal(const float *v, size_t dim, buf_t *out)
{
    int rc = buf_putc(out, '[');
    char t[32];
    for (size_t i = 0; !rc && i < dim; i++) {
        int k = snprintf(t, sizeof t, "%s%.9g", i ? "," : "", (double)v[i]);
        rc = buf_append(out, t, (size_t)k);
    }
    return rc ? rc : buf_putc(out, ']');
}
