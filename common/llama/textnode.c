/* textnode.c - TextNode.to_dict() JSON rendering (see textnode.h).
 *
 * jansson renders everything but the embedding, whose floats are written as
 * Python's json.dumps writes the float64 value of each float32 (pyfloat.c):
 * the shortest text that reads back as the same double, so a loaded node's
 * embedding == LlamaIndex's.  jansson has no way to emit a number it did not
 * format, so the object is written as '{"id_":<id>,"embedding":<floats>,'
 * followed by the rest of the object as jansson dumps it (keys in to_dict()
 * order).  Other floats (metadata) use 17 digits: exact, if longer. */
#include "textnode.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyfloat.h"

static json_t *md_json(const md_t *m)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < m->n; i++) {
        const md_item *it = &m->v[i];
        json_t *v = it->type == MD_STR     ? json_stringn_nocheck(it->s, strlen(it->s))
                    : it->type == MD_INT   ? json_integer(it->i)
                    : it->type == MD_FLOAT ? json_real(it->f)
                    : it->type == MD_BOOL  ? json_boolean(it->i)
                                           : json_null();
        json_object_set_new_nocheck(o, it->key, v);
    }
    return o;
}

static json_t *strv_json(const strv_t *s)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < s->n; i++) json_array_append_new(a, json_string_nocheck(s->v[i]));
    return a;
}

static json_t *rels_json(const node_t *n)
{
    static const char *const keys[NODE_REL__N] = {"1", "2", "3"};
    json_t *o = json_object();
    for (int r = 0; o && r < NODE_REL__N; r++) {
        const node_rel *rl = &n->rel[r];
        if (!rl->id) continue;
        char t[8];
        snprintf(t, sizeof t, "%d", (int)rl->type);
        json_t *ri = json_object();
        json_object_set_new_nocheck(ri, "node_id", json_string_nocheck(rl->id));
        json_object_set_new_nocheck(ri, "node_type", json_string_nocheck(t));
        json_object_set_new_nocheck(ri, "metadata", md_json(&rl->md));
        json_object_set_new_nocheck(ri, "hash", rl->hash ? json_string_nocheck(rl->hash) : json_null());
        json_object_set_new_nocheck(ri, "class_name", json_string_nocheck("RelatedNodeInfo"));
        json_object_set_new_nocheck(o, keys[r], ri);
    }
    return o;
}

static json_t *idx_json(int64_t v) { return v < 0 ? json_null() : json_integer(v); }

/* Everything after "embedding", in to_dict() order. */
static json_t *node_json_rest(const node_t *n)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new_nocheck(o, "metadata", md_json(&n->md));
    json_object_set_new_nocheck(o, "excluded_embed_metadata_keys", strv_json(&n->excl_embed));
    json_object_set_new_nocheck(o, "excluded_llm_metadata_keys", strv_json(&n->excl_llm));
    json_object_set_new_nocheck(o, "relationships", rels_json(n));
    json_object_set_new_nocheck(o, "metadata_template", json_string_nocheck(
        n->metadata_template ? n->metadata_template : NODE_DEFAULT_META_TMPL));
    json_object_set_new_nocheck(o, "metadata_separator", json_string_nocheck(
        n->metadata_separator ? n->metadata_separator : NODE_DEFAULT_META_SEP));
    json_object_set_new_nocheck(o, "text", json_stringn_nocheck(n->text, n->text_len));
    json_object_set_new_nocheck(o, "mimetype", json_string_nocheck("text/plain"));
    json_object_set_new_nocheck(o, "start_char_idx", idx_json(n->start_char_idx));
    json_object_set_new_nocheck(o, "end_char_idx", idx_json(n->end_char_idx));
    json_object_set_new_nocheck(o, "text_template", json_string_nocheck(
        n->text_template ? n->text_template : NODE_DEFAULT_TEXT_TMPL));
    json_object_set_new_nocheck(o, "class_name", json_string_nocheck("TextNode"));
    return o;
}

static int dump_cb(const char *p, size_t len, void *data) { return buf_append(data, p, len) ? -1 : 0; }

static int embedding_json(const node_t *n, buf_t *out)
{
    if (!n->embedding) return buf_puts(out, "null");
    int rc = buf_putc(out, '[');
    char f[PYFLOAT_MAX];
    for (uint32_t i = 0; !rc && i < n->dim; i++) {
        if (i) rc = buf_putc(out, ',');
        if (!rc) rc = buf_append(out, f, pyfloat_json_f32(n->embedding[i], f));
    }
    return rc ? rc : buf_putc(out, ']');
}

int textnode_json(const node_t *n, buf_t *out)
{
    json_t *id = json_string_nocheck(n->id), *rest = node_json_rest(n);
    size_t start = out->len;
    int rc = id && rest ? buf_puts(out, "{\"id_\":") : ERR_NOMEM;
    if (!rc) rc = json_dump_callback(id, dump_cb, out, JSON_ENCODE_ANY) ? ERR_TOOBIG : 0;
    if (!rc) rc = buf_puts(out, ",\"embedding\":");
    if (!rc) rc = embedding_json(n, out);
    if (!rc) rc = buf_putc(out, ',');
    size_t brace = out->len; /* rest's own '{' is overwritten below */
    if (!rc)
        rc = json_dump_callback(rest, dump_cb, out,
                                JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))
                 ? ERR_TOOBIG : 0;
    json_decref(id);
    json_decref(rest);
    if (rc) {
        out->len = start;
        if (out->p) out->p[start] = '\0';
        return rc;
    }
    memmove(out->p + brace, out->p + brace + 1, out->len - brace); /* drop '{', keep NUL */
    out->len--;
    return 0;
}
