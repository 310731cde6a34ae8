/* node.h - LlamaIndex's Document and TextNode, as one C struct.
 *
 * A Document (what a reader produces) and a TextNode (what a node parser
 * produces) share the fields that matter for rendering: text, ordered
 * metadata, the excluded-key lists and the three templates.  Rendering
 * follows llama-index-core 0.14.19 schema.py exactly:
 *   get_metadata_str(mode) = separator.join(template.format(key, str(value))
 *                            for non-excluded keys in insertion order)
 *   get_content(mode)      = text if mode==NONE or metadata_str.strip()=="" else
 *                            text_template.format(metadata_str=..strip(), content=text).strip()
 *   TextNode.hash          = sha256(text + str(metadata_dict))
 *   Document.hash          = sha256(metadata_str(ALL) + "-" + sha256(text)), the "-" only
 *                            between two non-empty parts; Document(text="") keeps no
 *                            text resource, so its hash is sha256(metadata_str(ALL))
 * A node owns every pointer in it; node_free accepts NULL. */
#ifndef INGEST_NODE_H
#define INGEST_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "meta.h"
#include "strv.h"

#define NODE_DEFAULT_TEXT_TMPL "{metadata_str}\n\n{content}"
#define NODE_DEFAULT_META_TMPL "{key}: {value}"
#define NODE_DEFAULT_META_SEP "\n"

typedef enum { NODE_MODE_ALL, NODE_MODE_EMBED, NODE_MODE_LLM, NODE_MODE_NONE } node_mode;
typedef enum { NODE_REL_SOURCE, NODE_REL_PREV, NODE_REL_NEXT, NODE_REL__N } node_rel_kind;
/* ObjectType values as LlamaIndex serialises them ("1" TEXT, "4" DOCUMENT). */
typedef enum { NODE_TYPE_TEXT = 1, NODE_TYPE_DOCUMENT = 4 } node_type;

typedef struct node_rel {
    char *id; /* NULL: relationship absent */
    node_type type;
    char *hash; /* hex sha256 of the related node when the link was made */
    md_t md;    /* the related node's metadata at that time */
} node_rel;

typedef struct node {
    char *id;
    char *text; /* UTF-8, NUL-terminated */
    size_t text_len;
    md_t md;
    strv_t excl_embed, excl_llm;
    char *text_template;      /* NULL: NODE_DEFAULT_TEXT_TMPL */
    char *metadata_template;  /* NULL: NODE_DEFAULT_META_TMPL */
    char *metadata_separator; /* NULL: NODE_DEFAULT_META_SEP */
    int64_t start_char_idx, end_char_idx; /* code points; -1 = None */
    node_rel rel[NODE_REL__N];
    float *embedding; /* NULL or dim floats */
    uint32_t dim;
    int doc_index; /* worker-local: which input document this came from */
} node_t;

typedef struct node_list {
    node_t **v;
    size_t n, cap;
} node_list;

/* New node with a copy of id and text; NULL on allocation failure. */
node_t *node_new(const char *id, const char *text, size_t text_len);
void node_free(node_t *n);
/* Replaces the text (copy). */
int node_set_text(node_t *n, const char *text, size_t len);
/* Replaces a template field (copy; NULL restores the default). */
int node_set_str(char **field, const char *val);

int node_metadata_str(const node_t *n, node_mode mode, buf_t *out);
int node_content(const node_t *n, node_mode mode, buf_t *out);
/* TextNode.hash (is_doc=0) or Document.hash (is_doc=1) into out[65]. */
int node_hash(const node_t *n, int is_doc, char out[65]);
/* Sets rel[kind] to copies of the given fields. */
int node_rel_set(node_t *n, node_rel_kind kind, const char *id, node_type type, const char *hash,
                 const md_t *md);
/* Fills rel[kind] from `other` as other.as_related_node_info(). */
int node_link(node_t *n, node_rel_kind kind, const node_t *other, int other_is_doc);

/* Python str.strip() on a UTF-8 span (str.isspace() characters). */
void node_py_strip(const char **s, size_t *len);

/* node_list takes ownership of pushed nodes; free frees them too. */
int node_list_push(node_list *l, node_t *n);
void node_list_free(node_list *l);

#endif
