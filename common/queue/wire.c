/* wire.c - msgpack encoding/decoding of batches and node lists (see wire.h).
 *
 * Encoding uses msgpack-c's packer writing into a buf_t.  Decoding first runs
 * wire_check(), a structural walk that rejects anything msgpack-c could be
 * tricked into over-allocating for, then unpacks with msgpack-c and copies
 * fields out with type checks. */
#include "wire.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* ---- structural pre-check ------------------------------------------------ */

static int be_len(const unsigned char *p, size_t left, int bytes, uint64_t *v)
{
    if ((size_t)bytes > left) return -1;
    *v = 0;
    for (int i = 0; i < bytes; i++) *v = (*v << 8) | p[i];
    return 0;
}

/* Advances *pos past one value; -1 on malformed input. */
static int skip_value(const unsigned char *p, size_t len, size_t *pos, int depth)
{
    if (depth > WIRE_MAX_DEPTH || *pos >= len) return -1;
    unsigned char t = p[(*pos)++];
    size_t left = len - *pos;
    uint64_t n = 0, items = 0;
    int hdr = 0, kind = 0; /* kind: 0 bytes, 1 array, 2 map */
    if (t <= 0x7f || t >= 0xe0 || (t >= 0xc0 && t <= 0xc3)) return 0;
    if ((t & 0xe0) == 0xa0) n = t & 0x1f;
    else if ((t & 0xf0) == 0x90) kind = 1, items = t & 0x0f;
    else if ((t & 0xf0) == 0x80) kind = 2, items = t & 0x0f;
    else switch (t) {
        case 0xcc: case 0xd0: n = 1; break;
        case 0xcd: case 0xd1: n = 2; break;
        case 0xca: case 0xce: case 0xd2: n = 4; break;
        case 0xcb: case 0xcf: case 0xd3: n = 8; break;
        case 0xd4: n = 2; break; case 0xd5: n = 3; break; case 0xd6: n = 5; break;
        case 0xd7: n = 9; break; case 0xd8: n = 17; break;
        case 0xc4: case 0xd9: hdr = 1; break;
        case 0xc5: case 0xda: hdr = 2; break;
        case 0xc6: case 0xdb: hdr = 4; break;
        case 0xc7: hdr = 1; kind = 3; break;
        case 0xc8: hdr = 2; kind = 3; break;
        case 0xc9: hdr = 4; kind = 3; break;
        case 0xdc: hdr = 2; kind = 1; break;
        case 0xdd: hdr = 4; kind = 1; break;
        case 0xde: hdr = 2; kind = 2; break;
        case 0xdf: hdr = 4; kind = 2; break;
        default: return -1;
        }
    if (hdr) {
        uint64_t v;
        if (be_len(p + *pos, left, hdr, &v)) return -1;
        *pos += (size_t)hdr, left -= (size_t)hdr;
        if (kind == 0) n = v;
        else if (kind == 3) n = v + 1; /* ext: type byte + data */
        else items = v;
    }
    if (kind == 1 || kind == 2) {
        uint64_t total = kind == 2 ? items * 2 : items;
        if (total > left) return -1; /* every element needs at least one byte */
        for (uint64_t i = 0; i < total; i++)
            if (skip_value(p, len, pos, depth + 1)) return -1;
        return 0;
    }
    if (n > left) return -1;
    *pos += (size_t)n;
    return 0;
}

int wire_check(const char *p, size_t len)
{
    size_t pos = 0;
    if (skip_value((const unsigned char *)p, len, &pos, 0) || pos != len) return ERR_PARSE;
    return 0;
}

/* ---- packing helpers --------------------------------------------------- */

static int buf_write_cb(void *data, const char *p, size_t len)
{
    return buf_append(data, p, len) ? -1 : 0;
}

static void pk_str(msgpack_packer *pk, const char *s)
{
    if (!s) {
        msgpack_pack_nil(pk);
        return;
    }
    size_t l = strlen(s);
    msgpack_pack_str(pk, l);
    msgpack_pack_str_body(pk, s, l);
}

static void pk_strn(msgpack_packer *pk, const char *s, size_t l)
{
    msgpack_pack_str(pk, l);
    msgpack_pack_str_body(pk, s, l);
}

static void pk_key(msgpack_packer *pk, const char *k) { pk_str(pk, k); }

static void pk_md(msgpack_packer *pk, const md_t *m)
{
    msgpack_pack_map(pk, m->n);
    for (size_t i = 0; i < m->n; i++) {
        const md_item *it = &m->v[i];
        pk_str(pk, it->key);
        switch (it->type) {
        case MD_STR: pk_str(pk, it->s); break;
        case MD_INT: msgpack_pack_int64(pk, it->i); break;
        case MD_FLOAT: msgpack_pack_double(pk, it->f); break;
        case MD_BOOL: it->i ? msgpack_pack_true(pk) : msgpack_pack_false(pk); break;
        case MD_NULL: msgpack_pack_nil(pk); break;
        }
    }
}

static void pk_strv(msgpack_packer *pk, const strv_t *s)
{
    msgpack_pack_array(pk, s->n);
    for (size_t i = 0; i < s->n; i++) pk_str(pk, s->v[i]);
}

/* ---- unpacking helpers ------------------------------------------------- */

static const msgpack_object *obj_get(const msgpack_object *map, const char *key)
{
    if (map->type != MSGPACK_OBJECT_MAP) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == kl &&
            !memcmp(kv->key.via.str.ptr, key, kl))
            return &kv->val;
    }
    return NULL;
}

/* Copies a str (or nil when nil_ok) into *out; -1 on type error or ENOMEM. */
static int get_str(const msgpack_object *map, const char *key, char **out, int nil_ok)
{
    const msgpack_object *o = obj_get(map, key);
    *out = NULL;
    if (!o || o->type == MSGPACK_OBJECT_NIL) return nil_ok ? 0 : -1;
    if (o->type != MSGPACK_OBJECT_STR) return -1;
    if (!(*out = malloc(o->via.str.size + 1))) return -1;
    memcpy(*out, o->via.str.ptr, o->via.str.size);
    (*out)[o->via.str.size] = '\0';
    return 0;
}

static int get_int(const msgpack_object *map, const char *key, int64_t *out)
{
    const msgpack_object *o = obj_get(map, key);
    if (!o) return -1;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) *out = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) *out = o->via.i64;
    else return -1;
    return 0;
}

static int get_md(const msgpack_object *o, md_t *m)
{
    if (!o || o->type != MSGPACK_OBJECT_MAP) return -1;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR || k->via.str.size > 4096) return -1;
        char key[4097];
        memcpy(key, k->via.str.ptr, k->via.str.size);
        key[k->via.str.size] = '\0';
        int rc;
        switch (v->type) {
        case MSGPACK_OBJECT_STR: rc = md_set_strn(m, key, v->via.str.ptr, v->via.str.size); break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            rc = v->via.u64 > INT64_MAX ? -1 : md_set_int(m, key, (int64_t)v->via.u64);
            break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: rc = md_set_int(m, key, v->via.i64); break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: rc = md_set_float(m, key, v->via.f64); break;
        case MSGPACK_OBJECT_BOOLEAN: rc = md_set_bool(m, key, v->via.boolean); break;
        case MSGPACK_OBJECT_NIL: rc = md_set_null(m, key); break;
        default: return -1;
        }
        if (rc) return -1;
    }
    return 0;
}

static int get_strv(const msgpack_object *o, strv_t *s)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY) return -1;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *e = &o->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_STR || strv_pushn(s, e->via.str.ptr, e->via.str.size))
            return -1;
    }
    return 0;
}

/* Unpacks after the structural check; *res must be destroyed by the caller. */
static int unpack(const char *p, size_t len, msgpack_unpacked *res, const msgpack_object **root)
{
    msgpack_unpacked_init(res);
    if (wire_check(p, len)) return -1;
    size_t off = 0;
    if (msgpack_unpack_next(res, p, len, &off) != MSGPACK_UNPACK_SUCCESS) return -1;
    *root = &res->data;
    if ((*root)->type != MSGPACK_OBJECT_MAP) return -1;
    int64_t v;
    if (get_int(*root, "v", &v) || v != WIRE_VERSION) return -1;
    return 0;
}

/* ---- batches ----------------------------------------------------------- */

int wire_batch_encode(const wire_batch *b, buf_t *out)
{
    msgpack_packer pk;
    size_t start = out->len;
    msgpack_packer_init(&pk, out, buf_write_cb);
    msgpack_pack_map(&pk, 4);
    pk_key(&pk, "v"), msgpack_pack_int(&pk, WIRE_VERSION);
    pk_key(&pk, "job"), pk_str(&pk, b->job);
    pk_key(&pk, "seq"), msgpack_pack_uint32(&pk, b->seq);
    pk_key(&pk, "docs"), msgpack_pack_array(&pk, b->n);
    for (size_t i = 0; i < b->n; i++) {
        const wire_doc *d = &b->docs[i];
        msgpack_pack_map(&pk, 10);
        pk_key(&pk, "id"), pk_str(&pk, d->id);
        pk_key(&pk, "path"), pk_str(&pk, d->path);
        pk_key(&pk, "name"), pk_str(&pk, d->name);
        pk_key(&pk, "mime"), pk_str(&pk, d->mime);
        pk_key(&pk, "size"), msgpack_pack_int64(&pk, d->size);
        pk_key(&pk, "ctime"), pk_str(&pk, d->ctime);
        pk_key(&pk, "mtime"), pk_str(&pk, d->mtime);
        pk_key(&pk, "atime"), pk_str(&pk, d->atime);
        pk_key(&pk, "data");
        msgpack_pack_bin(&pk, d->len);
        msgpack_pack_bin_body(&pk, d->data, d->len);
        pk_key(&pk, "err"), pk_str(&pk, d->error);
    }
    /* the packer cannot report errors; verify the result is complete */
    if (wire_check(out->p + start, out->len - start)) {
        out->len = start;
        return ERR_TOOBIG;
    }
    return 0;
}

static int get_doc(const msgpack_object *o, wire_doc *d)
{
    if (o->type != MSGPACK_OBJECT_MAP) return -1;
    if (get_str(o, "id", &d->id, 0) || get_str(o, "path", &d->path, 0) ||
        get_str(o, "name", &d->name, 0) || get_str(o, "mime", &d->mime, 1) ||
        get_int(o, "size", &d->size) || get_str(o, "ctime", &d->ctime, 1) ||
        get_str(o, "mtime", &d->mtime, 1) || get_str(o, "atime", &d->atime, 1) ||
        get_str(o, "err", &d->error, 1))
        return -1;
    const msgpack_object *data = obj_get(o, "data");
    if (!data || data->type != MSGPACK_OBJECT_BIN) return -1;
    d->len = data->via.bin.size;
    if (!(d->data = malloc(d->len ? d->len : 1))) return -1;
    if (d->len) memcpy(d->data, data->via.bin.ptr, d->len);
    return 0;
}

int wire_batch_decode(const char *p, size_t len, wire_batch *out)
{
    memset(out, 0, sizeof *out);
    msgpack_unpacked res;
    const msgpack_object *root, *docs;
    int64_t seq;
    int rc = unpack(p, len, &res, &root);
    if (!rc) rc = get_str(root, "job", &out->job, 0) || get_int(root, "seq", &seq) ||
                  seq < 0 || seq > UINT32_MAX;
    if (!rc) {
        out->seq = (uint32_t)seq;
        docs = obj_get(root, "docs");
        rc = !docs || docs->type != MSGPACK_OBJECT_ARRAY;
    }
    if (!rc && docs->via.array.size) {
        out->docs = calloc(docs->via.array.size, sizeof *out->docs);
        rc = !out->docs;
        for (uint32_t i = 0; !rc && i < docs->via.array.size; i++) {
            out->n = i + 1;
            rc = get_doc(&docs->via.array.ptr[i], &out->docs[i]);
        }
    }
    msgpack_unpacked_destroy(&res);
    if (rc) {
        wire_batch_free(out);
        return ERR_PARSE;
    }
    return 0;
}

void wire_doc_free(wire_doc *d)
{
    free(d->id), free(d->path), free(d->name), free(d->mime);
    free(d->ctime), free(d->mtime), free(d->atime), free(d->data), free(d->error);
    memset(d, 0, sizeof *d);
}

void wire_batch_free(wire_batch *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) wire_doc_free(&b->docs[i]);
    free(b->docs);
    free(b->job);
    memset(b, 0, sizeof *b);
}

/* ---- nodes ------------------------------------------------------------- */

static void pk_node(msgpack_packer *pk, const node_t *n)
{
    msgpack_pack_map(pk, 12);
    pk_key(pk, "id"), pk_str(pk, n->id);
    pk_key(pk, "text"), pk_strn(pk, n->text, n->text_len);
    pk_key(pk, "md"), pk_md(pk, &n->md);
    pk_key(pk, "xe"), pk_strv(pk, &n->excl_embed);
    pk_key(pk, "xl"), pk_strv(pk, &n->excl_llm);
    pk_key(pk, "tt"), pk_str(pk, n->text_template);
    pk_key(pk, "mt"), pk_str(pk, n->metadata_template);
    pk_key(pk, "ms"), pk_str(pk, n->metadata_separator);
    pk_key(pk, "s"), msgpack_pack_int64(pk, n->start_char_idx);
    pk_key(pk, "e"), msgpack_pack_int64(pk, n->end_char_idx);
    pk_key(pk, "rel"), msgpack_pack_array(pk, NODE_REL__N);
    for (int r = 0; r < NODE_REL__N; r++) {
        const node_rel *rl = &n->rel[r];
        if (!rl->id) {
            msgpack_pack_nil(pk);
            continue;
        }
        msgpack_pack_array(pk, 4);
        pk_str(pk, rl->id);
        msgpack_pack_int(pk, (int)rl->type);
        pk_str(pk, rl->hash);
        pk_md(pk, &rl->md);
    }
    pk_key(pk, "emb");
    if (!n->embedding) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_bin(pk, (size_t)n->dim * 4);
    /* the body straight into the packer's buffer (buf_write_cb's), in
     * chunks instead of one callback per value; a failed append leaves the
     * output short, which wire_check() catches */
    (void)wire_f32le_append(pk->data, n->embedding, n->dim);
}

int wire_f32le_append(buf_t *out, const float *v, size_t n)
{
    enum { CHUNK = 256 };
    unsigned char le[4 * CHUNK];
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i += CHUNK) {
        size_t k = n - i < CHUNK ? n - i : CHUNK;
        for (size_t j = 0; j < k; j++) {
            uint32_t u;
            memcpy(&u, &v[i + j], 4);
            for (int b = 0; b < 4; b++) le[4 * j + b] = (unsigned char)(u >> (8 * b));
        }
        rc = buf_append(out, le, 4 * k);
    }
    return rc;
}

int wire_nodes_encode(node_t *const *nodes, size_t n, buf_t *out)
{
    msgpack_packer pk;
    size_t start = out->len;
    msgpack_packer_init(&pk, out, buf_write_cb);
    msgpack_pack_map(&pk, 2);
    pk_key(&pk, "v"), msgpack_pack_int(&pk, WIRE_VERSION);
    pk_key(&pk, "nodes"), msgpack_pack_array(&pk, n);
    for (size_t i = 0; i < n; i++) pk_node(&pk, nodes[i]);
    if (wire_check(out->p + start, out->len - start)) {
        out->len = start;
        return ERR_TOOBIG;
    }
    return 0;
}

static int get_rel(const msgpack_object *o, node_rel *r)
{
    if (o->type == MSGPACK_OBJECT_NIL) return 0;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4) return -1;
    const msgpack_object *a = o->via.array.ptr;
    if (a[0].type != MSGPACK_OBJECT_STR || a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        a[2].type != MSGPACK_OBJECT_STR)
        return -1;
    if (!(r->id = strndup(a[0].via.str.ptr, a[0].via.str.size))) return -1;
    if (!(r->hash = strndup(a[2].via.str.ptr, a[2].via.str.size))) return -1;
    r->type = (node_type)a[1].via.u64;
    return get_md(&a[3], &r->md);
}

static int get_embedding(const msgpack_object *o, node_t *n)
{
    if (!o) return -1;
    if (o->type == MSGPACK_OBJECT_NIL) return 0;
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size % 4 || o->via.bin.size == 0) return -1;
    n->dim = o->via.bin.size / 4;
    if (!(n->embedding = malloc(o->via.bin.size))) return -1;
    const unsigned char *b = (const unsigned char *)o->via.bin.ptr;
    for (uint32_t i = 0; i < n->dim; i++) {
        uint32_t u = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                     (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
        memcpy(&n->embedding[i], &u, 4);
    }
    return 0;
}

static node_t *get_node(const msgpack_object *o)
{
    const msgpack_object *text = obj_get(o, "text"), *rel = obj_get(o, "rel");
    char *id = NULL;
    if (o->type != MSGPACK_OBJECT_MAP || get_str(o, "id", &id, 0) || !text ||
        text->type != MSGPACK_OBJECT_STR || !rel || rel->type != MSGPACK_OBJECT_ARRAY ||
        rel->via.array.size != NODE_REL__N) {
        free(id);
        return NULL;
    }
    node_t *n = node_new(id, text->via.str.ptr, text->via.str.size);
    free(id);
    int bad = !n;
    if (!bad)
        bad = get_md(obj_get(o, "md"), &n->md) || get_strv(obj_get(o, "xe"), &n->excl_embed) ||
              get_strv(obj_get(o, "xl"), &n->excl_llm) ||
              get_str(o, "tt", &n->text_template, 1) ||
              get_str(o, "mt", &n->metadata_template, 1) ||
              get_str(o, "ms", &n->metadata_separator, 1) ||
              get_int(o, "s", &n->start_char_idx) || get_int(o, "e", &n->end_char_idx) ||
              get_embedding(obj_get(o, "emb"), n);
    for (int r = 0; !bad && r < NODE_REL__N; r++) bad = get_rel(&rel->via.array.ptr[r], &n->rel[r]);
    if (bad) {
        node_free(n);
        return NULL;
    }
    return n;
}

int wire_nodes_decode(const char *p, size_t len, node_list *out)
{
    memset(out, 0, sizeof *out);
    msgpack_unpacked res;
    const msgpack_object *root, *nodes = NULL;
    int rc = unpack(p, len, &res, &root);
    if (!rc) {
        nodes = obj_get(root, "nodes");
        rc = !nodes || nodes->type != MSGPACK_OBJECT_ARRAY;
    }
    for (uint32_t i = 0; !rc && i < nodes->via.array.size; i++) {
        node_t *n = get_node(&nodes->via.array.ptr[i]);
        rc = !n || node_list_push(out, n);
        if (rc) node_free(n);
    }
    msgpack_unpacked_destroy(&res);
    if (rc) {
        node_list_free(out);
        return ERR_PARSE;
    }
    return 0;
}
