/* textnode.c - TextNode.to_dict() JSON rendering (see textnode.h).
 *
 * textnode_json writes the bytes directly: the export renders every node of
 * a job, and building a jansson tree per node and dumping it a callback per
 * piece cost more than the rest of the export but the floats.  The bytes are
 * exactly what jansson dumps for textnode_object() with JSON_COMPACT |
 * JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17) (tests/unit/test_textnode.c
 * compares the two), except that "embedding" holds the floats, written as
 * Python's json.dumps writes the float64 value of each float32 (pyfloat.c):
 * the shortest text that reads back as the same double, so a loaded node's
 * embedding == LlamaIndex's.  Strings are escaped as jansson escapes them
 * ('"', '\\' and control characters; \u00XX in upper case) and must be valid
 * UTF-8 (else ERR_TOOBIG, as jansson's dump fails).  Metadata floats go
 * through jansson itself (17 digits: exact, if longer; rare). */
#include "textnode.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyfloat.h"
#include "utf8.h"

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

/* What a byte needs in a JSON string: 0 nothing, else its escape's second
 * character ('u': \u00XX). */
static const char ESC[256] = {
    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['"'] = '"',
    ['\\'] = '\\', [0] = 'u', [1] = 'u', [2] = 'u', [3] = 'u', [4] = 'u', [5] = 'u', [6] = 'u',
    [7] = 'u', [11] = 'u', [14] = 'u', [15] = 'u', [16] = 'u', [17] = 'u', [18] = 'u',
    [19] = 'u', [20] = 'u', [21] = 'u', [22] = 'u', [23] = 'u', [24] = 'u', [25] = 'u',
    [26] = 'u', [27] = 'u', [28] = 'u', [29] = 'u', [30] = 'u', [31] = 'u'};

/* A quoted, escaped JSON string (at most 6 bytes out per byte in). */
static int put_str(buf_t *out, const char *s, size_t len)
{
    if (!s) return ERR_NOMEM; /* what a NULL json_string gives */
    if (!utf8_valid(s, len, NULL)) return ERR_TOOBIG;
    if (len > (SIZE_MAX - 2) / 6) return ERR_TOOBIG;
    int rc = buf_reserve(out, len * 6 + 2);
    if (rc) return rc;
    char *w = out->p + out->len;
    *w++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char e = ESC[c];
        if (!e) {
            *w++ = (char)c;
        } else if (e != 'u') {
            *w++ = '\\', *w++ = e;
        } else {
            memcpy(w, "\\u00", 4);
            w[4] = "0123456789ABCDEF"[c >> 4], w[5] = "0123456789ABCDEF"[c & 15];
            w += 6;
        }
    }
    *w++ = '"';
    *w = '\0';
    out->len = (size_t)(w - out->p);
    return 0;
}

static int put_cstr(buf_t *out, const char *s) { return put_str(out, s, s ? strlen(s) : 0); }

/* "key": (the caller writes the value). */
static int put_key(buf_t *out, const char *key, int first)
{
    int rc = first ? 0 : buf_putc(out, ',');
    if (!rc) rc = put_cstr(out, key);
    return rc ? rc : buf_putc(out, ':');
}

/* A finite metadata float as jansson dumps it (NaN and the infinities have
 * no json_real(): jansson leaves their keys out, and so does put_md). */
static int put_real(buf_t *out, double f)
{
    json_t *r = json_real(f);
    if (!r) return ERR_NOMEM;
    int rc = json_dump_callback(r, dump_cb, out, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))
                 ? ERR_TOOBIG : 0;
    json_decref(r);
    return rc;
}

static int put_md(buf_t *out, const md_t *m)
{
    int rc = buf_putc(out, '{'), first = 1;
    for (size_t i = 0; !rc && i < m->n; i++) {
        const md_item *it = &m->v[i];
        if (it->type == MD_FLOAT && (isnan(it->f) || isinf(it->f))) continue;
        rc = put_key(out, it->key, first);
        first = 0;
        if (rc) break;
        switch (it->type) {
        case MD_STR: rc = put_cstr(out, it->s); break;
        case MD_INT: rc = buf_printf(out, "%" PRId64, it->i); break;
        case MD_FLOAT: rc = put_real(out, it->f); break;
        case MD_BOOL: rc = buf_puts(out, it->i ? "true" : "false"); break;
        default: rc = buf_puts(out, "null"); break;
        }
    }
    return rc ? rc : buf_putc(out, '}');
}

static int put_strv(buf_t *out, const strv_t *v)
{
    int rc = buf_putc(out, '[');
    for (size_t i = 0; !rc && i < v->n; i++) {
        if (i) rc = buf_putc(out, ',');
        if (!rc) rc = put_cstr(out, v->v[i]);
    }
    return rc ? rc : buf_putc(out, ']');
}

static int put_rels(buf_t *out, const node_t *n)
{
    static const char *const keys[NODE_REL__N] = {"1", "2", "3"};
    int rc = buf_putc(out, '{'), first = 1;
    for (int r = 0; !rc && r < NODE_REL__N; r++) {
        const node_rel *rl = &n->rel[r];
        if (!rl->id) continue;
        rc = put_key(out, keys[r], first);
        first = 0;
        if (!rc) rc = buf_puts(out, "{\"node_id\":");
        if (!rc) rc = put_cstr(out, rl->id);
        if (!rc) rc = buf_printf(out, ",\"node_type\":\"%d\",\"metadata\":", (int)rl->type);
        if (!rc) rc = put_md(out, &rl->md);
        if (!rc) rc = buf_puts(out, ",\"hash\":");
        if (!rc) rc = rl->hash ? put_cstr(out, rl->hash) : buf_puts(out, "null");
        if (!rc) rc = buf_puts(out, ",\"class_name\":\"RelatedNodeInfo\"}");
    }
    return rc ? rc : buf_putc(out, '}');
}

static int put_idx(buf_t *out, int64_t v)
{
    return v < 0 ? buf_puts(out, "null") : buf_printf(out, "%" PRId64, v);
}

/* One reservation for the whole vector, floats written in place: the export
 * renders millions of them (per-float buf_append was 12% of its CPU).  dim
 * is a uint32_t, so dim * 33 + 2 cannot overflow size_t; buf_reserve caps it. */
static int embedding_json(const node_t *n, buf_t *out)
{
    if (!n->embedding) return buf_puts(out, "null");
    int rc = buf_reserve(out, (size_t)n->dim * (PYFLOAT_MAX + 1) + 2);
    if (rc) return rc;
    char *w = out->p + out->len;
    *w++ = '[';
    for (uint32_t i = 0; i < n->dim; i++) {
        if (i) *w++ = ',';
        w += pyfloat_json_f32(n->embedding[i], w);
    }
    *w++ = ']';
    *w = '\0';
    out->len = (size_t)(w - out->p);
    return 0;
}

/* Key by key in to_dict() order; the templates' NULL means the default. */
static int put_node(const node_t *n, buf_t *out)
{
#define TMPL(f, d) put_cstr(out, n->f ? n->f : d)
    int rc = buf_puts(out, "{\"id_\":");
    if (!rc) rc = put_cstr(out, n->id);
    if (!rc) rc = buf_puts(out, ",\"embedding\":");
    if (!rc) rc = embedding_json(n, out);
    if (!rc) rc = buf_puts(out, ",\"metadata\":");
    if (!rc) rc = put_md(out, &n->md);
    if (!rc) rc = buf_puts(out, ",\"excluded_embed_metadata_keys\":");
    if (!rc) rc = put_strv(out, &n->excl_embed);
    if (!rc) rc = buf_puts(out, ",\"excluded_llm_metadata_keys\":");
    if (!rc) rc = put_strv(out, &n->excl_llm);
    if (!rc) rc = buf_puts(out, ",\"relationships\":");
    if (!rc) rc = put_rels(out, n);
    if (!rc) rc = buf_puts(out, ",\"metadata_template\":");
    if (!rc) rc = TMPL(metadata_template, NODE_DEFAULT_META_TMPL);
    if (!rc) rc = buf_puts(out, ",\"metadata_separator\":");
    if (!rc) rc = TMPL(metadata_separator, NODE_DEFAULT_META_SEP);
    if (!rc) rc = buf_puts(out, ",\"text\":");
    if (!rc) rc = put_str(out, n->text, n->text_len);
    if (!rc) rc = buf_puts(out, ",\"mimetype\":\"text/plain\",\"start_char_idx\":");
    if (!rc) rc = put_idx(out, n->start_char_idx);
    if (!rc) rc = buf_puts(out, ",\"end_char_idx\":");
    if (!rc) rc = put_idx(out, n->end_char_idx);
    if (!rc) rc = buf_puts(out, ",\"text_template\":");
    if (!rc) rc = TMPL(text_template, NODE_DEFAULT_TEXT_TMPL);
    return rc ? rc : buf_puts(out, ",\"class_name\":\"TextNode\"}");
#undef TMPL
}

int textnode_json(const node_t *n, buf_t *out)
{
    size_t start = out->len;
    int rc = put_node(n, out);
    if (rc) {
        out->len = start;
        if (out->p) out->p[start] = '\0';
    }
    return rc;
}

json_t *textnode_object(const node_t *n)
{
    json_t *o = json_object(), *rest = node_json_rest(n);
    if (o && rest) {
        json_object_set_new_nocheck(o, "id_", json_string_nocheck(n->id));
        json_object_set_new_nocheck(o, "embedding", json_null());
        if (json_object_update(o, rest)) json_decref(o), o = NULL;
    } else {
        json_decref(o), o = NULL;
    }
    json_decref(rest);
    return o;
}
