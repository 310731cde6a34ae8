/* spec.c - pipeline spec validation against a fixed class/parameter table.
 *
 * Each class lists its parameters with type, range and LlamaIndex default.
 * Validation copies the user's JSON, checks it, and writes every default in,
 * so what is stored in Redis is the complete pipeline.  Errors name the
 * transformation index, class and parameter.  Pure: no I/O. */
#include "spec.h"
#include "vstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hashembed.h"
#include "mdparse.h"
#include "nodeparse.h"
#include "keys.h"

const char SPEC_DEFAULT_JSON[] =
    "{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":1024,"
    "\"chunk_overlap\":20},{\"class_name\":\"HashEmbedding\",\"dim\":384}]}";

typedef enum { P_INT, P_NUM, P_STR, P_BOOL, P_STRARR, P_LLM, P_INTNULL, P_STRNULL } ptype;

typedef struct param {
    const char *name;
    ptype type;
    double min, max;  /* for P_INT/P_NUM/P_INTNULL */
    const char *dflt; /* JSON text of the default */
} param;

typedef struct klass {
    const char *name;
    spec_role role;
    spec_kind kind;
    int variant;
    spec_parse_fn *parse;
    spec_transform_fn *transform;
    const param *params;
} klass;

#define BIG 1e15
#define END {NULL, 0, 0, 0, NULL}
#define COMMON_PARSER {"include_metadata", P_BOOL, 0, 0, "true"}, \
                      {"include_prev_next_rel", P_BOOL, 0, 0, "true"}
/* max_retries: OpenAIEmbedding 10, OpenAI LLM 3 (llama-index-llms-openai 0.7.3).
 * max_concurrency (ours, per worker and endpoint): 64 embedding requests
 * (an answer of 100 vectors is ~1 MB in memory), 256 chat calls (a few KB
 * each, and an extractor's prompts come in rounds: TitleExtractor sends 5
 * per document, then the combine; 64 made them queue).  rpm/tpm and the
 * 429 back-off are the throttles; this only bounds memory and sockets. */
#define REMOTE(retries, conc) \
    {"api_base", P_STR, 0, 0, "\"https://api.openai.com/v1\""}, \
    {"timeout", P_NUM, 0.001, 3600, "60.0"}, {"max_retries", P_INT, 0, 100, retries}, \
    {"max_concurrency", P_INT, 1, 4096, conc}, {"rpm", P_INT, 0, BIG, "0"}, \
    {"tpm", P_INT, 0, BIG, "0"}
#define EMBED_COMMON \
    {"embed_batch_size", P_INT, 1, 2048, "100"}, {"dimensions", P_INTNULL, 1, 65536, "null"}, \
    REMOTE("10", "64")

static const param p_sentence[] = {
    {"chunk_size", P_INT, 1, 1 << 24, "1024"}, {"chunk_overlap", P_INT, 0, 1 << 24, "200"},
    {"separator", P_STR, 0, 0, "\" \""}, {"paragraph_separator", P_STR, 0, 0, "\"\\n\\n\\n\""},
    {"secondary_chunking_regex", P_STRNULL, 0, 0, "\"[^,.;\u3002\uff1f\uff01]+[,.;\u3002\uff1f\uff01]?|[,.;\u3002\uff1f\uff01]\""}, COMMON_PARSER, END};
static const param p_token[] = {
    {"chunk_size", P_INT, 1, 1 << 24, "1024"}, {"chunk_overlap", P_INT, 0, 1 << 24, "20"},
    {"separator", P_STR, 0, 0, "\" \""}, {"backup_separators", P_STRARR, 0, 3, "[\"\\n\"]"},
    COMMON_PARSER, END};
static const param p_window[] = {
    {"window_size", P_INT, 0, 1 << 16, "3"}, {"window_metadata_key", P_STR, 0, 0, "\"window\""},
    {"original_text_metadata_key", P_STR, 0, 0, "\"original_text\""}, COMMON_PARSER, END};
static const param p_markdown[] = {
    {"header_path_separator", P_STR, 0, 0, "\"/\""}, COMMON_PARSER, END};
static const param p_hash[] = {
    {"dim", P_INT, 1, 65536, "384"}, {"embed_batch_size", P_INT, 1, 2048, "100"}, END};
static const param p_openai_embed[] = {
    {"model_name", P_STR, 0, 0, "\"text-embedding-ada-002\""}, EMBED_COMMON, END};
static const param p_azure_embed[] = {
    {"model_name", P_STR, 0, 0, "\"text-embedding-ada-002\""}, EMBED_COMMON,
    {"azure_endpoint", P_STRNULL, 0, 0, "null"}, {"azure_deployment", P_STRNULL, 0, 0, "null"},
    {"api_version", P_STR, 0, 0, "\"2023-05-15\""}, END};
static const param p_title[] = {
    {"llm", P_LLM, 0, 0, "{}"}, {"nodes", P_INT, 1, 1000, "5"},
    {"node_template", P_STRNULL, 0, 0, "null"}, {"combine_template", P_STRNULL, 0, 0, "null"},
    {"num_workers", P_INT, 1, 1024, "4"}, END};
static const param p_questions[] = {
    {"llm", P_LLM, 0, 0, "{}"}, {"questions", P_INT, 1, 100, "5"},
    {"prompt_template", P_STRNULL, 0, 0, "null"}, {"embedding_only", P_BOOL, 0, 0, "true"},
    {"num_workers", P_INT, 1, 1024, "4"}, END};
static const param p_summary[] = {
    {"llm", P_LLM, 0, 0, "{}"}, {"summaries", P_STRARR, 1, 3, "[\"self\"]"},
    {"prompt_template", P_STRNULL, 0, 0, "null"}, {"num_workers", P_INT, 1, 1024, "4"}, END};
static const param p_keyword[] = {
    {"llm", P_LLM, 0, 0, "{}"}, {"keywords", P_INT, 1, 100, "5"},
    {"prompt_template", P_STRNULL, 0, 0, "null"}, {"num_workers", P_INT, 1, 1024, "4"}, END};
static const param p_llm[] = {
    {"class_name", P_STR, 0, 0, "\"OpenAI\""}, {"model", P_STR, 0, 0, "\"gpt-3.5-turbo\""},
    {"temperature", P_NUM, 0, 2, "0.1"}, {"max_tokens", P_INTNULL, 1, 1 << 24, "null"},
    {"azure_endpoint", P_STRNULL, 0, 0, "null"}, {"azure_deployment", P_STRNULL, 0, 0, "null"},
    {"api_version", P_STR, 0, 0, "\"2024-02-01\""}, REMOTE("3", "256"), END};

/* The spec's "reader" object (no defaults written: reader.c holds them).
 * Options that weaken isolation (pdf_isolate) are worker policy, never here. */
#define RLIM(name) {name, P_INT, 1, 1125899906842624.0, NULL}
static const param p_reader[] = {
    RLIM("max_file_bytes"), RLIM("max_text_bytes"), RLIM("time_budget_ms"), RLIM("max_mem_bytes"),
    RLIM("max_pages"), RLIM("max_unzip_bytes"), RLIM("max_expansion"),
    {"html_text", P_BOOL, 0, 0, NULL}, {"pdf_reading_order", P_BOOL, 0, 0, NULL},
    {"pdf_text", P_STR, 0, 0, NULL}, END};

#define PARSER(v, fn) SPEC_ROLE_PARSER, SPEC_KIND_PARSER, v, fn, NULL
#define EMBED(api) SPEC_ROLE_EMBEDDING, SPEC_KIND_EMBED, api, NULL, NULL
#define EXTRACT(v) SPEC_ROLE_EXTRACTOR, SPEC_KIND_EXTRACT, v, NULL, NULL
/* The registry of transformations (see spec.h). */
static const klass classes[] = {
    {"SentenceSplitter", PARSER(SPEC_PARSER_SENTENCE, nodeparse_run), p_sentence},
    {"TokenTextSplitter", PARSER(SPEC_PARSER_TOKEN, nodeparse_run), p_token},
    {"SentenceWindowNodeParser", PARSER(SPEC_PARSER_WINDOW, nodeparse_run), p_window},
    {"MarkdownNodeParser", PARSER(SPEC_PARSER_MARKDOWN, mdparse_run), p_markdown},
    {"HashEmbedding", SPEC_ROLE_EMBEDDING, SPEC_KIND_LOCAL, 0, NULL, hashembed_run, p_hash},
    {"OpenAIEmbedding", EMBED(SPEC_API_OPENAI), p_openai_embed},
    {"OpenAILikeEmbedding", EMBED(SPEC_API_OPENAI_LIKE), p_openai_embed},
    {"AzureOpenAIEmbedding", EMBED(SPEC_API_AZURE), p_azure_embed},
    {"TitleExtractor", EXTRACT(SPEC_EXTRACT_TITLE), p_title},
    {"QuestionsAnsweredExtractor", EXTRACT(SPEC_EXTRACT_QUESTIONS), p_questions},
    {"SummaryExtractor", EXTRACT(SPEC_EXTRACT_SUMMARY), p_summary},
    {"KeywordExtractor", EXTRACT(SPEC_EXTRACT_KEYWORD), p_keyword},
};
static const struct {
    const char *name;
    spec_api api;
} llm_classes[] = {{"OpenAI", SPEC_API_OPENAI}, {"AzureOpenAI", SPEC_API_AZURE},
                   {"OpenAILike", SPEC_API_OPENAI_LIKE}};
static const char *const secret_names[] = {"api_key", "azure_ad_token", "api_token", "key"};

int spec_is_secret(const char *k)
{
    for (size_t i = 0; i < sizeof secret_names / sizeof *secret_names; i++)
        if (!strcmp(k, secret_names[i])) return 1;
    return 0;
}

/* A URL parameter that carries credentials (user:pass@host, or a query
 * string, where keys and signatures travel): the spec is readable by anyone
 * with Redis access, so it is refused. */
static int url_with_credentials(const param *p, json_t *v)
{
    const char *u = json_string_value(v);
    if (!u || (strcmp(p->name, "api_base") && strcmp(p->name, "azure_endpoint"))) return 0;
    const char *host = strstr(u, "://");
    host = host ? host + 3 : u;
    size_t hl = strcspn(host, "/?#");
    return memchr(host, '@', hl) != NULL || strchr(u, '?') != NULL;
}

static const param *find_param(const param *ps, const char *name)
{
    for (; ps->name; ps++)
        if (!strcmp(ps->name, name)) return ps;
    return NULL;
}

static int check_params(json_t *obj, const param *ps, const char *where, char *err, size_t el);

/* Checks one value against its parameter; 0 or -1 with err set. */
static int check_value(json_t *v, const param *p, const char *where, char *err, size_t el)
{
    int ok = 1;
    double x = 0;
    switch (p->type) {
    case P_INTNULL:
        if (json_is_null(v)) return 0;
        /* fallthrough */
    case P_INT:
        ok = json_is_integer(v) || (json_is_real(v) && fabs(json_real_value(v)) < 9007199254740992.0 &&
                                    json_real_value(v) == floor(json_real_value(v)));
        if (ok) x = json_number_value(v);
        break;
    case P_NUM:
        ok = json_is_number(v);
        if (ok) x = json_number_value(v);
        break;
    case P_STRNULL:
        ok = json_is_null(v) || json_is_string(v);
        break;
    case P_STR: ok = json_is_string(v); break;
    case P_BOOL: ok = json_is_boolean(v); break;
    case P_STRARR:
        ok = json_is_array(v) && json_array_size(v) >= (size_t)p->min &&
             json_array_size(v) <= (size_t)p->max;
        for (size_t i = 0; ok && i < json_array_size(v); i++) ok = json_is_string(json_array_get(v, i));
        break;
    case P_LLM: {
        if (!json_is_object(v)) break;
        char w[160];
        snprintf(w, sizeof w, "%s.llm", where);
        return check_params(v, p_llm, w, err, el);
    }
    }
    if (!ok || (p->type == P_LLM && !json_is_object(v))) {
        static const char *const tn[] = {"an integer", "a number", "a string", "a boolean",
                                         "an array of strings", "an object", "an integer or null",
                                         "a string or null"};
        snprintf(err, el, "%s: parameter '%s' must be %s", where, p->name, tn[p->type]);
        return -1;
    }
    if (url_with_credentials(p, v)) {
        snprintf(err, el, "%s: parameter '%s' must not carry credentials (user:pass@ or a query "
                 "string); workers read API keys from their environment", where, p->name);
        return -1;
    }
    if ((p->type == P_INT || p->type == P_NUM || p->type == P_INTNULL) &&
        (x < p->min || x > p->max)) {
        snprintf(err, el, "%s: parameter '%s' = %g is out of range [%g, %g]", where, p->name, x,
                 p->min, p->max);
        return -1;
    }
    return 0;
}

static int check_params(json_t *obj, const param *ps, const char *where, char *err, size_t el)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!strcmp(k, "class_name") && ps != p_llm) continue;
        if (spec_is_secret(k)) {
            snprintf(err, el, "%s: '%s' must not be in the pipeline spec; workers read API keys "
                              "from their environment (OPENAI_API_KEY / AZURE_OPENAI_API_KEY)",
                     where, k);
            return -1;
        }
        const param *p = find_param(ps, k);
        if (!p) {
            snprintf(err, el, "%s: unknown parameter '%s'", where, k);
            return -1;
        }
        if (check_value(v, p, where, err, el)) return -1;
    }
    for (const param *p = ps; p->name; p++) { /* fill defaults */
        if (!p->dflt || json_object_get(obj, p->name)) continue;
        json_t *d = json_loads(p->dflt, JSON_DECODE_ANY, NULL);
        if (!d || json_object_set_new(obj, p->name, d)) {
            snprintf(err, el, "out of memory");
            return -1;
        }
        if (p->type == P_LLM && check_params(d, p_llm, where, err, el)) return -1;
    }
    if (ps == p_llm) {
        const char *cn = json_string_value(json_object_get(obj, "class_name"));
        for (size_t i = 0; i < sizeof llm_classes / sizeof *llm_classes; i++)
            if (!strcmp(cn, llm_classes[i].name)) return 0;
        snprintf(err, el, "%s: unknown LLM class '%s' (known: OpenAI, AzureOpenAI, OpenAILike)",
                 where, cn);
        return -1;
    }
    return 0;
}

static const klass *find_class(const char *name)
{
    for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
        if (!strcmp(classes[i].name, name)) return &classes[i];
    return NULL;
}

/* Cross-parameter rules LlamaIndex enforces in its constructors. */
static int check_rules(const spec_tf *t, const char *where, char *err, size_t el)
{
    if (t->role == SPEC_ROLE_PARSER && find_param(find_class(t->class_name)->params, "chunk_overlap")) {
        int64_t cs = spec_int(t, "chunk_size"), co = spec_int(t, "chunk_overlap");
        if (co > cs) {
            snprintf(err, el, "%s: chunk_overlap (%lld) must not be larger than chunk_size (%lld)",
                     where, (long long)co, (long long)cs);
            return -1;
        }
    }
    const char *re = spec_str(t, "secondary_chunking_regex");
    if (re && strcmp(re, "[^,.;。？！]+[,.;。？！]?|[,.;。？！]") != 0) {
        snprintf(err, el, "%s: secondary_chunking_regex must be LlamaIndex's default or null",
                 where);
        return -1;
    }
    return 0;
}

static int check_tf(spec_t *s, json_t *o, size_t i, char *err, size_t el)
{
    char where[128];
    snprintf(where, sizeof where, "transformations[%zu]", i);
    if (!json_is_object(o)) {
        snprintf(err, el, "%s: must be an object with a class_name", where);
        return -1;
    }
    const char *cn = json_string_value(json_object_get(o, "class_name"));
    if (!cn) {
        snprintf(err, el, "%s: missing string 'class_name'", where);
        return -1;
    }
    const klass *k = find_class(cn);
    if (!k) {
        snprintf(err, el, "%s: unknown class '%s'", where, cn);
        return -1;
    }
    snprintf(where, sizeof where, "transformations[%zu] (%s)", i, cn);
    if (check_params(o, k->params, where, err, el)) return -1;
    s->tf[i] = (spec_tf){.class_name = k->name, .role = k->role, .kind = k->kind,
                         .variant = k->variant, .parse = k->parse, .transform = k->transform,
                         .params = o};
    return check_rules(&s->tf[i], where, err, el);
}

static int check_order(const spec_t *s, char *err, size_t el)
{
    size_t nembed = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->tf[i].role == SPEC_ROLE_EMBEDDING) nembed++;
        else if (nembed) {
            snprintf(err, el, "transformations[%zu] (%s): must come before the embedding", i,
                     s->tf[i].class_name);
            return -1;
        }
    }
    if (nembed > 1) {
        snprintf(err, el, "at most one embedding transformation is allowed");
        return -1;
    }
    return 0;
}

static const char *const root_keys[] = {"transformations", "reader", "cache", "cache_ttl", "docstore",
                                         "vector_store"};
static const char *const ds_strategies[] = {"upserts", "duplicates_only", "upserts_and_delete"};

/* "docstore": {"collection": ID, "strategy": one of ds_strategies (default upserts)}. */
static int check_docstore(json_t *ds, char *err, size_t el)
{
    if (!ds) return 0;
    const char *k, *coll = json_string_value(json_object_get(ds, "collection"));
    json_t *v, *st = json_object_get(ds, "strategy");
    if (!json_is_object(ds) || !coll || !keys_valid_id(coll)) {
        snprintf(err, el, "'docstore' must be an object with a 'collection' of 1-64 characters "
                          "[A-Za-z0-9_.-]");
        return -1;
    }
    json_object_foreach(ds, k, v) {
        if (strcmp(k, "collection") && strcmp(k, "strategy")) {
            snprintf(err, el, "docstore: unknown key '%s' (expected collection, strategy)", k);
            return -1;
        }
    }
    if (!st) return json_object_set_new(ds, "strategy", json_string("upserts")) ? -1 : 0;
    for (size_t i = 0; json_is_string(st) && i < sizeof ds_strategies / sizeof *ds_strategies; i++)
        if (!strcmp(json_string_value(st), ds_strategies[i])) return 0;
    snprintf(err, el, "docstore: 'strategy' must be upserts, duplicates_only or upserts_and_delete");
    return -1;
}

static int check_root(spec_t *s, char *err, size_t el)
{
    const char *k;
    json_t *v, *tfs = json_object_get(s->root, "transformations");
    json_object_foreach(s->root, k, v) {
        size_t i = 0;
        while (i < sizeof root_keys / sizeof *root_keys && strcmp(k, root_keys[i])) i++;
        if (i == sizeof root_keys / sizeof *root_keys) {
            snprintf(err, el, "unknown top-level key '%s' (expected transformations, reader, "
                              "cache, cache_ttl, docstore, vector_store)", k);
            return -1;
        }
    }
    json_t *ca = json_object_get(s->root, "cache"), *ttl = json_object_get(s->root, "cache_ttl");
    if (ca && !json_is_boolean(ca)) {
        snprintf(err, el, "'cache' must be a boolean (false: LlamaIndex's disable_cache)");
        return -1;
    }
    if (ttl && (!json_is_integer(ttl) || json_integer_value(ttl) < 0 ||
                json_integer_value(ttl) > 100LL * 365 * 86400)) {
        snprintf(err, el, "'cache_ttl' must be an integer number of seconds >= 0 (0: no expiry)");
        return -1;
    }
    if (check_docstore(json_object_get(s->root, "docstore"), err, el)) return -1;
    json_t *vs = json_object_get(s->root, "vector_store");
    if (vs && vstore_check(vs, err, el)) return -1;
    json_t *rd = json_object_get(s->root, "reader");
    if (rd && !json_is_object(rd)) {
        snprintf(err, el, "'reader' must be an object");
        return -1;
    }
    json_t *pt = json_object_get(rd, "pdf_text");
    if (pt && !(json_is_string(pt) && (!strcmp(json_string_value(pt), "pypdf") ||
                                       !strcmp(json_string_value(pt), "poppler")))) {
        snprintf(err, el, "reader option 'pdf_text' must be \"pypdf\" or \"poppler\"");
        return -1;
    }
    if (rd && check_params(rd, p_reader, "reader", err, el)) return -1;
    if (!json_is_array(tfs) || json_array_size(tfs) == 0 || json_array_size(tfs) > SPEC_MAX_TF) {
        snprintf(err, el, "'transformations' must be a non-empty array (at most 64 entries)");
        return -1;
    }
    s->n = json_array_size(tfs);
    if (!(s->tf = calloc(s->n, sizeof *s->tf))) {
        snprintf(err, el, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < s->n; i++)
        if (check_tf(s, json_array_get(tfs, i), i, err, el)) return -1;
    return check_order(s, err, el);
}

spec_t *spec_parse(const char *json, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    spec_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!s->root) {
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
    } else if (!json_is_object(s->root)) {
        snprintf(err, errlen, "the pipeline spec must be a JSON object");
    } else if (check_root(s, err, errlen) == 0) {
        return s;
    }
    spec_free(s);
    return NULL;
}

char *spec_dump(const spec_t *s) { return json_dumps(s->root, JSON_COMPACT | JSON_SORT_KEYS); }

void spec_free(spec_t *s)
{
    if (!s) return;
    json_decref(s->root);
    free(s->tf);
    free(s);
}

json_t *spec_get(const spec_tf *t, const char *name) { return json_object_get(t->params, name); }
int64_t spec_int(const spec_tf *t, const char *name) { return (int64_t)json_number_value(spec_get(t, name)); }
double spec_num(const spec_tf *t, const char *name) { return json_number_value(spec_get(t, name)); }
const char *spec_str(const spec_tf *t, const char *name) { return json_string_value(spec_get(t, name)); }
int spec_bool(const spec_tf *t, const char *name) { return json_is_true(spec_get(t, name)); }

int spec_class_lookup(const char *name, spec_role *role, spec_kind *kind, int *variant)
{
    const klass *k = name ? find_class(name) : NULL;
    if (!k) return ERR_NOTFOUND;
    *role = k->role, *kind = k->kind, *variant = k->variant;
    return 0;
}

int spec_llm_lookup(const char *class_name, spec_api *api)
{
    for (size_t i = 0; class_name && i < sizeof llm_classes / sizeof *llm_classes; i++)
        if (!strcmp(class_name, llm_classes[i].name)) {
            *api = llm_classes[i].api;
            return 0;
        }
    return ERR_NOTFOUND;
}

spec_api spec_llm_api(const char *class_name)
{
    for (size_t i = 0; class_name && i < sizeof llm_classes / sizeof *llm_classes; i++)
        if (!strcmp(class_name, llm_classes[i].name)) return llm_classes[i].api;
    return SPEC_API_OPENAI;
}

int spec_cache_enabled(const spec_t *s) { return !json_is_false(json_object_get(s->root, "cache")); }

int64_t spec_cache_ttl(const spec_t *s)
{
    json_t *v = json_object_get(s->root, "cache_ttl");
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

const char *spec_docstore(const spec_t *s, const char **strategy)
{
    json_t *ds = json_object_get(s->root, "docstore");
    if (strategy) *strategy = json_string_value(json_object_get(ds, "strategy"));
    return json_string_value(json_object_get(ds, "collection"));
}

int64_t spec_reader_int(const spec_t *s, const char *name, int64_t dflt)
{
    json_t *v = json_object_get(json_object_get(s->root, "reader"), name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}
