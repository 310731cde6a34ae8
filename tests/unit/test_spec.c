/* test_spec.c - pipeline spec validation: defaults, errors, secrets, and
 * the transformation registry (kind, variant, runner of every class). */
#include <string.h>

#include "hashembed.h"
#include "mdparse.h"
#include "nodeparse.h"
#include "spec.h"
#include "t.h"

static spec_t *parse(const char *j, char *err)
{
    return spec_parse(j, strlen(j), err, 256);
}

static void expect_error(const char *json, const char *needle)
{
    char err[256] = "";
    spec_t *s = parse(json, err);
    CHECK(s == NULL);
    if (!strstr(err, needle)) fprintf(stderr, "  error was: %s (want %s)\n", err, needle);
    CHECK(strstr(err, needle) != NULL);
    spec_free(s);
}

/* Every class resolves to its kind, variant and (pure kinds) runner. */
static void test_registry(void)
{
    static const struct {
        const char *json;
        spec_kind kind;
        int variant;
        spec_parse_fn *parse;
        spec_transform_fn *transform;
    } want[] = {
        {"{\"class_name\":\"SentenceSplitter\"}", SPEC_KIND_PARSER, SPEC_PARSER_SENTENCE, nodeparse_run, NULL},
        {"{\"class_name\":\"TokenTextSplitter\"}", SPEC_KIND_PARSER, SPEC_PARSER_TOKEN, nodeparse_run, NULL},
        {"{\"class_name\":\"SentenceWindowNodeParser\"}", SPEC_KIND_PARSER, SPEC_PARSER_WINDOW, nodeparse_run, NULL},
        {"{\"class_name\":\"MarkdownNodeParser\"}", SPEC_KIND_PARSER, SPEC_PARSER_MARKDOWN, mdparse_run, NULL},
        {"{\"class_name\":\"TitleExtractor\"}", SPEC_KIND_EXTRACT, SPEC_EXTRACT_TITLE, NULL, NULL},
        {"{\"class_name\":\"KeywordExtractor\"}", SPEC_KIND_EXTRACT, SPEC_EXTRACT_KEYWORD, NULL, NULL},
        {"{\"class_name\":\"QuestionsAnsweredExtractor\"}", SPEC_KIND_EXTRACT, SPEC_EXTRACT_QUESTIONS, NULL, NULL},
        {"{\"class_name\":\"SummaryExtractor\"}", SPEC_KIND_EXTRACT, SPEC_EXTRACT_SUMMARY, NULL, NULL},
        {"{\"class_name\":\"HashEmbedding\"}", SPEC_KIND_LOCAL, 0, NULL, hashembed_run},
        {"{\"class_name\":\"OpenAIEmbedding\"}", SPEC_KIND_EMBED, SPEC_API_OPENAI, NULL, NULL},
        {"{\"class_name\":\"OpenAILikeEmbedding\"}", SPEC_KIND_EMBED, SPEC_API_OPENAI_LIKE, NULL, NULL},
        {"{\"class_name\":\"AzureOpenAIEmbedding\"}", SPEC_KIND_EMBED, SPEC_API_AZURE, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char j[256], err[256];
        snprintf(j, sizeof j, "{\"transformations\":[%s]}", want[i].json);
        spec_t *s = parse(j, err);
        CHECK(s != NULL);
        if (!s) continue;
        const spec_tf *tf = &s->tf[0];
        CHECK(tf->kind == want[i].kind && tf->variant == want[i].variant);
        CHECK(tf->parse == want[i].parse && tf->transform == want[i].transform);
        spec_free(s);
    }
    CHECK(spec_llm_api("OpenAI") == SPEC_API_OPENAI);
    CHECK(spec_llm_api("AzureOpenAI") == SPEC_API_AZURE);
    CHECK(spec_llm_api("OpenAILike") == SPEC_API_OPENAI_LIKE);
}

int main(void)
{
    test_registry();
    char err[256];
    spec_t *s = parse(SPEC_DEFAULT_JSON, err);
    CHECK(s && s->n == 2);
    CHECK_STR(s->tf[0].class_name, "SentenceSplitter");
    CHECK(spec_int(&s->tf[0], "chunk_size") == 1024 && spec_int(&s->tf[0], "chunk_overlap") == 20);
    CHECK_STR(spec_str(&s->tf[0], "paragraph_separator"), "\n\n\n");
    CHECK(spec_bool(&s->tf[0], "include_metadata"));
    CHECK_STR(spec_str(&s->tf[0], "secondary_chunking_regex"), "[^,.;。？！]+[,.;。？！]?|[,.;。？！]");
    CHECK(s->tf[1].role == SPEC_ROLE_EMBEDDING && spec_int(&s->tf[1], "dim") == 384);
    char *dump = spec_dump(s);
    spec_t *again = spec_parse(dump, strlen(dump), err, sizeof err); /* normalised form re-validates */
    CHECK(again && again->n == 2);
    spec_free(again);
    free(dump);
    spec_free(s);

    s = parse("{\"transformations\":[{\"class_name\":\"OpenAIEmbedding\"}]}", err);
    CHECK(s && spec_int(&s->tf[0], "embed_batch_size") == 100);
    CHECK_STR(spec_str(&s->tf[0], "model_name"), "text-embedding-ada-002");
    CHECK(spec_int(&s->tf[0], "max_concurrency") == 64); /* ~1 MB answers */
    spec_free(s);
    s = parse("{\"transformations\":[{\"class_name\":\"TitleExtractor\"},"
              "{\"class_name\":\"HashEmbedding\"}]}", err);
    CHECK(s && spec_int(&s->tf[0], "nodes") == 5);
    CHECK_STR(json_string_value(json_object_get(spec_get(&s->tf[0], "llm"), "class_name")), "OpenAI");
    CHECK(json_integer_value(json_object_get(spec_get(&s->tf[0], "llm"), "max_concurrency")) == 256);
    spec_free(s);

    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\","
                 "\"secondary_chunking_regex\":\"[.]\"}]}", "must be LlamaIndex's default or null");
    s = parse("{\"transformations\":[{\"class_name\":\"SentenceSplitter\","
              "\"secondary_chunking_regex\":null}]}", err);
    CHECK(s && spec_str(&s->tf[0], "secondary_chunking_regex") == NULL);
    spec_free(s);
    expect_error("[]", "must be a JSON object");
    expect_error("{\"transformations\":[]}", "non-empty array");
    expect_error("{\"transformations\":[{\"class_name\":\"Nope\"}]}", "unknown class 'Nope'");
    expect_error("{\"transformations\":[{}]}", "missing string 'class_name'");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":\"x\"}]}",
                 "'chunk_size' must be an integer");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":0}]}",
                 "out of range");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_sizes\":5}]}",
                 "unknown parameter 'chunk_sizes'");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":10,"
                 "\"chunk_overlap\":20}]}", "chunk_overlap (20) must not be larger");
    expect_error("{\"transformations\":[{\"class_name\":\"OpenAIEmbedding\",\"api_key\":\"sk-x\"}]}",
                 "must not be in the pipeline spec");
    expect_error("{\"transformations\":[{\"class_name\":\"TitleExtractor\",\"llm\":{\"api_key\":\"k\"}}]}",
                 "must not be in the pipeline spec");
    expect_error("{\"transformations\":[{\"class_name\":\"TitleExtractor\",\"llm\":{\"class_name\":\"Claude\"}}]}",
                 "unknown LLM class");
    expect_error("{\"transformations\":[{\"class_name\":\"HashEmbedding\"},{\"class_name\":\"SentenceSplitter\"}]}",
                 "must come before the embedding");
    expect_error("{\"transformations\":[{\"class_name\":\"OpenAIEmbedding\",\"embed_batch_size\":4096}]}",
                 "out of range");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"extra\":1}",
                 "unknown top-level key");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}", "invalid JSON");
    /* the reader object goes through the same parameter table checks */
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"reader\":{\"pdf_isolate\":false}}",
                 "reader: unknown parameter 'pdf_isolate'");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"reader\":{\"max_pagez\":1}}",
                 "unknown parameter 'max_pagez'");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"reader\":{\"time_budget_ms\":\"5\"}}",
                 "'time_budget_ms' must be an integer");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"reader\":{\"max_pages\":0}}",
                 "out of range");
    /* credentials in an API URL would be readable by anyone with Redis access */
    expect_error("{\"transformations\":[{\"class_name\":\"OpenAIEmbedding\",\"api_base\":\"https://u:p@h/v1\"}]}",
                 "must not carry credentials");
    expect_error("{\"transformations\":[{\"class_name\":\"OpenAIEmbedding\",\"api_base\":\"https://h/v1?key=s\"}]}",
                 "must not carry credentials");
    expect_error("{\"transformations\":[{\"class_name\":\"TitleExtractor\",\"llm\":{\"api_base\":\"http://k@h\"}}]}",
                 "llm: parameter 'api_base' must not carry credentials");
    expect_error("{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":1,\"chunk_size\":2}]}",
                 "invalid JSON");
    return t_done();
}
