/* textnode.c - TextNode.to_dict() JSON rendering with jansson (see textnode.h). */
#include "textnode.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

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

static json_t *node_json(const node_t *n)
{
    json_t *o = json_object(), *emb = json_null();
    if (n->embedding) {
        emb = json_array();
        for (uint32_t i = 0; i < n->dim; i++) json_array_append_new(emb, json_real(n->embedding[i]));
    }
    json_object_set_new_nocheck(o, "id_", json_string_nocheck(n->id));
    json_object_set_new_nocheck(o, "embedding", emb);
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

int textnode_json(const node_t *n, buf_t *out)
{
    json_t *o = node_json(n);
    if (!o) return ERR_NOMEM;
    size_t start = out->len;
    int rc = json_dump_callback(o, dump_cb, out,
                                JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    json_decref(o);
    if (rc) {
        out->len = start;
        if (out->p) out->p[start] = '\0';
        return ERR_TOOBIG;
    }
    return 0;
}

json_t *textnode_object(const node_t *n) { return node_json(n); }
