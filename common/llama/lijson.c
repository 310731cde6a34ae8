/* lijson.c - LlamaIndex to_dict() JSON -> canonical pipeline spec (see
 * lijson.h).  Two tables: the names to_dict() gives differently from the
 * registry (spec.c, which also says which field groups apply to a class) and
 * the LlamaIndex-only fields with what to do with them.  Field lists come from llama-index-core 0.14.19 and its OpenAI/Azure
 * integrations; tests/data/lijson/ holds what the real classes write. */
#include "lijson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    G_PARSER = 1, G_EMBED = 2, G_EXTRACT = 4, G_LLM = 8, /* roles */
    G_OPENAI = 16, G_AZURE = 32,                         /* API flavours */
    G_ROLES = 15, G_FLAVOURS = 48,
    G_ALL = G_ROLES /* a field applies when it names none of a kind or one the class has */
};

/* What to_dict() names differently from the registry (spec.c); a class it
 * names as we do needs no entry.  The field groups of a class come from its
 * registry kind and API dialect. */
typedef struct li_alias {
    const char *li_name, *ours;
    const char *needs; /* a key that must be present (base_component is generic) */
    int llm;
} li_alias;

static const li_alias aliases[] = {
    {"base_component", "MarkdownNodeParser", "header_path_separator", 0},
    {"openai_llm", "OpenAI", NULL, 1},
    {"azure_openai_llm", "AzureOpenAI", NULL, 1},
};

typedef struct li_class {
    const char *li_name, *ours;
    unsigned groups;
} li_class;

typedef enum {
    A_IGNORE,    /* no effect on the output: dropped */
    A_DEFAULT,   /* dropped when null or LlamaIndex's default, else an error */
    A_DROP_NULL, /* ours, but null means "our default" */
    A_RENAME,    /* moved to `arg` unless that is set */
    A_KWARGS,    /* an object of request arguments: each must repeat a field of ours
                  * with the same value (OpenAIEmbedding puts dimensions there too) */
} action;

typedef struct li_field {
    const char *name;
    unsigned groups; /* applies when the class has one of these */
    action act;
    const char *arg; /* A_DEFAULT: JSON of the default; A_RENAME: target */
} li_field;

#define NODE_TEXT_TMPL "\"[Excerpt from document]\\n{metadata_str}\\nExcerpt:\\n-----\\n{content}\\n-----\\n\""

static const li_field fields[] = {
    {"callback_manager", G_ALL, A_IGNORE, NULL},
    {"tokenizer", G_ALL, A_IGNORE, NULL},
    {"show_progress", G_ALL, A_IGNORE, NULL},
    {"id_func", G_PARSER, A_DEFAULT, "{\"id_func_name\":\"default_id_func\",\"title\":\"id_func\"}"},
    {"keep_whitespaces", G_PARSER, A_DEFAULT, "false"},
    {"num_workers", G_EMBED, A_IGNORE, NULL},
    {"embeddings_cache", G_EMBED, A_DEFAULT, "null"},
    {"additional_kwargs", G_EMBED | G_LLM, A_KWARGS, "{}"},
    {"default_headers", G_EMBED | G_LLM, A_DEFAULT, "null"},
    {"reuse_client", G_EMBED | G_LLM, A_IGNORE, NULL},
    {"api_base", G_EMBED | G_LLM, A_DROP_NULL, NULL},
    {"api_version", G_OPENAI, A_DEFAULT, "\"\""},
    {"use_azure_ad", G_AZURE, A_DEFAULT, "false"},
    {"azure_ad_token_provider", G_AZURE, A_DEFAULT, "null"},
    {"engine", G_AZURE | G_LLM, A_RENAME, "azure_deployment"},
    {"system_prompt", G_LLM, A_DEFAULT, "null"},
    {"pydantic_program_mode", G_LLM, A_IGNORE, NULL}, /* extractors make plain predictions */
    {"logprobs", G_LLM, A_DEFAULT, "null"},
    {"top_logprobs", G_LLM, A_DEFAULT, "0"},
    {"strict", G_LLM, A_IGNORE, NULL}, /* tool calls only */
    {"reasoning_effort", G_LLM, A_DEFAULT, "null"},
    {"modalities", G_LLM, A_DEFAULT, "null"},
    {"audio_config", G_LLM, A_DEFAULT, "null"},
    {"context_window", G_LLM, A_IGNORE, NULL},
    {"is_chat_model", G_LLM, A_IGNORE, NULL}, /* OpenAILike: always chat (README) */
    {"is_function_calling_model", G_LLM, A_IGNORE, NULL},
    {"should_use_structured_outputs", G_LLM, A_IGNORE, NULL},
    {"is_text_node_only", G_EXTRACT, A_IGNORE, NULL}, /* every node is a TextNode */
    {"in_place", G_EXTRACT, A_IGNORE, NULL},
    {"max_retries", G_EXTRACT, A_IGNORE, NULL}, /* the LLM's own retries apply */
    {"retry_backoff", G_EXTRACT, A_IGNORE, NULL},
    {"raise_on_error", G_EXTRACT, A_DEFAULT, "true"},
    {"metadata_mode", G_EXTRACT, A_DEFAULT, "\"all\""},
    {"node_text_template", G_EXTRACT, A_DEFAULT, NODE_TEXT_TMPL},
    {"disable_template_rewrite", G_EXTRACT, A_DEFAULT, "false"},
};

static unsigned flavour(spec_api api) { return api == SPEC_API_AZURE ? G_AZURE : G_OPENAI; }

/* The class's groups from the registry; 0 for a class we do not have. */
static unsigned groups_of(const char *ours, int llm)
{
    spec_role role;
    spec_kind kind;
    spec_api api;
    int variant;
    if (llm) return spec_llm_lookup(ours, &api) ? 0 : G_LLM | flavour(api);
    if (spec_class_lookup(ours, &role, &kind, &variant)) return 0;
    if (role == SPEC_ROLE_PARSER) return G_PARSER;
    if (role == SPEC_ROLE_EXTRACTOR) return G_EXTRACT;
    return G_EMBED | (kind == SPEC_KIND_EMBED ? flavour((spec_api)variant) : 0);
}

static int find_class(const char *name, json_t *o, int want_llm, li_class *out)
{
    if (!name) return -1;
    *out = (li_class){name, name, 0};
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) {
        const li_alias *a = &aliases[i];
        if (a->llm == want_llm && !strcmp(a->li_name, name) && (!a->needs || json_object_get(o, a->needs)))
            out->ours = a->ours;
    }
    out->groups = groups_of(out->ours, want_llm);
    return out->groups ? 0 : -1;
}

static int is_default(json_t *v, const char *dflt)
{
    if (json_is_null(v)) return 1;
    json_t *d = json_loads(dflt, JSON_DECODE_ANY, NULL);
    int eq = d && json_equal(v, d);
    json_decref(d);
    return eq;
}

static int unsupported(const char *where, const char *key, json_t *v, const char *dflt, char *err,
                       size_t el)
{
    char *vs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(err, el, "%s: '%s' = %.80s%s is not supported (ingest runs LlamaIndex's default, %.80s)",
             where, key, vs ? vs : "?", vs && strlen(vs) > 80 ? "..." : "", dflt);
    free(vs);
    return -1;
}

static void drop_secrets(json_t *o, const char *where, lijson_info *info)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(o, tmp, k, v) {
        if (!spec_is_secret(k)) continue;
        if (!json_is_null(v) && info->secrets++ == 0)
            snprintf(info->first_secret, sizeof info->first_secret, "%s.%s", where, k);
        json_object_del(o, k);
    }
}

static int apply_field(json_t *o, const li_field *f, json_t *v, const char *where, char *err,
                       size_t el)
{
    switch (f->act) {
    case A_IGNORE: break;
    case A_DEFAULT:
        if (!is_default(v, f->arg)) return unsupported(where, f->name, v, f->arg, err, el);
        break;
    case A_DROP_NULL:
        if (!json_is_null(v)) return 0;
        break;
    case A_KWARGS: {
        const char *k;
        json_t *kv;
        if (!json_is_null(v) && !json_is_object(v)) return unsupported(where, f->name, v, f->arg, err, el);
        json_object_foreach(v, k, kv) {
            json_t *mine = json_object_get(o, k);
            if (!mine || !json_equal(mine, kv)) return unsupported(where, f->name, v, f->arg, err, el);
        }
        break;
    }
    case A_RENAME: {
        json_t *t = json_object_get(o, f->arg);
        if ((!t || json_is_null(t)) && json_object_set(o, f->arg, v)) {
            snprintf(err, el, "out of memory");
            return -1;
        }
        break;
    }
    }
    json_object_del(o, f->name);
    return 0;
}

static int translate_obj(json_t *o, int is_llm, const char *where, lijson_info *info, char *err,
                         size_t el);

/* Fields of one object (a transformation or its llm), in place. */
static int translate_fields(json_t *o, unsigned groups, const char *where, lijson_info *info,
                            char *err, size_t el)
{
    drop_secrets(o, where, info);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const li_field *f = &fields[i];
        json_t *v = json_object_get(o, f->name);
        unsigned fr = f->groups & G_ROLES, ff = f->groups & G_FLAVOURS;
        if (!v || (fr && !(fr & groups)) || (ff && !(ff & groups))) continue;
        json_incref(v);
        int rc = apply_field(o, f, v, where, err, el);
        json_decref(v);
        if (rc) return rc;
    }
    json_t *llm = json_object_get(o, "llm");
    if ((groups & G_EXTRACT) && json_is_object(llm)) {
        char w[256];
        snprintf(w, sizeof w, "%s.llm", where);
        return translate_obj(llm, 1, w, info, err, el);
    }
    return 0;
}

static int translate_obj(json_t *o, int is_llm, const char *where, lijson_info *info, char *err,
                         size_t el)
{
    const char *cn = json_string_value(json_object_get(o, "class_name"));
    if (is_llm && !json_object_get(o, "class_name")) cn = "OpenAI"; /* spec.c's default LLM */
    li_class cls, *c = &cls;
    if (find_class(cn, o, is_llm, &cls)) { /* not ours to judge: spec_parse names it; secrets still go */
        drop_secrets(o, where, info);
        return 0;
    }
    char w[200];
    snprintf(w, sizeof w, "%s (%s)", where, c->ours);
    if (strcmp(c->li_name, c->ours) &&
        json_object_set_new(o, "class_name", json_string(c->ours))) {
        snprintf(err, el, "out of memory");
        return -1;
    }
    return translate_fields(o, c->groups, is_llm ? where : w, info, err, el);
}

json_t *lijson_translate(const json_t *in, lijson_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    json_t *doc;
    if (json_is_array(in)) {
        doc = json_pack("{s:O}", "transformations", (json_t *)in);
    } else if (json_is_object(in) && !json_object_get(in, "transformations") &&
               json_object_get(in, "class_name")) {
        doc = json_pack("{s:[O]}", "transformations", (json_t *)in);
    } else {
        doc = json_incref((json_t *)in);
    }
    json_t *copy = doc ? json_deep_copy(doc) : NULL;
    json_decref(doc);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    json_t *rd = json_object_get(copy, "reader");
    if (json_is_object(rd)) drop_secrets(rd, "reader", info);
    json_t *tfs = json_object_get(copy, "transformations"), *t;
    size_t i;
    json_array_foreach(tfs, i, t) {
        char where[64];
        snprintf(where, sizeof where, "transformations[%zu]", i);
        if (json_is_object(t) && translate_obj(t, 0, where, info, err, errlen)) {
            json_decref(copy);
            return NULL;
        }
    }
    return copy;
}

spec_t *lijson_spec_parse(const char *json, size_t len, lijson_info *info, char *err,
                          size_t errlen)
{
    json_error_t je;
    memset(info, 0, sizeof *info);
    json_t *in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!in) {
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    json_t *doc = lijson_translate(in, info, err, errlen);
    json_decref(in);
    if (!doc) return NULL;
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    spec_t *s = spec_parse(text, strlen(text), err, errlen);
    free(text);
    return s;
}
