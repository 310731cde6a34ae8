/* test_lijson.c - LlamaIndex to_dict() JSON as a pipeline spec (lijson.c).
 * The fixtures in tests/data/lijson/ are what llama-index-core 0.14.19 and
 * its OpenAI/Azure integrations wrote (tests/tools/gen_lijson_fixtures.py);
 * each must load, and give exactly the spec that our own short form gives,
 * or fail naming the field we cannot honour. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lijson.h"
#include "spec.h"
#include "t.h"

static const char *dir;

typedef struct fx_case {
    const char *file;
    const char *same_as; /* canonical spec giving the same stored spec, or NULL */
    const char *error;   /* substring of the expected error, or NULL */
    int secrets;
} fx_case;

static const fx_case cases[] = {
    {"sentence_splitter", "[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":1024,\"chunk_overlap\":20}]", NULL, 0},
    {"sentence_splitter_256", "[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":256,\"chunk_overlap\":64,"
                              "\"paragraph_separator\":\"\\n\\n\",\"include_prev_next_rel\":false}]", NULL, 0},
    {"token_text_splitter", "[{\"class_name\":\"TokenTextSplitter\"}]", NULL, 0},
    {"token_text_splitter_keep_ws", NULL, "'keep_whitespaces' = true is not supported", 0},
    {"sentence_window", "[{\"class_name\":\"SentenceWindowNodeParser\"}]", NULL, 0},
    {"sentence_window_5", "[{\"class_name\":\"SentenceWindowNodeParser\",\"window_size\":5,"
                          "\"window_metadata_key\":\"w\"}]", NULL, 0},
    {"markdown", "[{\"class_name\":\"MarkdownNodeParser\"}]", NULL, 0},
    {"openai_embedding", "[{\"class_name\":\"OpenAIEmbedding\"}]", NULL, 1},
    {"openai_embedding_3small", "[{\"class_name\":\"OpenAIEmbedding\",\"model_name\":"
                                "\"text-embedding-3-small\",\"dimensions\":256,\"embed_batch_size\":50,"
                                "\"timeout\":30.0}]", NULL, 1},
    {"openai_like_embedding", "[{\"class_name\":\"OpenAIEmbedding\",\"model_name\":\"bge-small\","
                              "\"embed_batch_size\":10,\"api_base\":\"http://127.0.0.1:1/v1\"}]", NULL, 1},
    {"azure_embedding", "[{\"class_name\":\"AzureOpenAIEmbedding\",\"model_name\":\"text-embedding-3-small\","
                        "\"embed_batch_size\":10,\"azure_endpoint\":\"https://x.openai.azure.com\","
                        "\"azure_deployment\":\"emb-dep\"}]", NULL, 1},
    {"title", "[{\"class_name\":\"TitleExtractor\",\"llm\":{\"class_name\":\"OpenAI\",\"model\":\"gpt-4o-mini\"},"
              "\"node_template\":\"Context: {context_str}. Give a title that summarizes all of the unique "
              "entities, titles or themes found in the context. Title: \",\"combine_template\":\"{context_str}. "
              "Based on the above candidate titles and content, what is the comprehensive title for this "
              "document? Title: \"}]", NULL, 1},
    {"title_3", NULL, NULL, 1},
    {"title_azure", NULL, NULL, 1},
    {"title_system_prompt", NULL, "transformations[0] (TitleExtractor).llm: 'system_prompt' = \"Be brief.\"", 1},
    {"questions", NULL, NULL, 1},
    {"summary", NULL, NULL, 1},
    {"keyword", NULL, NULL, 1},
    {"keyword_openai_like", NULL, NULL, 1},
    {"pipeline_list", NULL, NULL, 2},
    {"pipeline_object", NULL, NULL, 1},
};

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static spec_t *parse_str(const char *s, lijson_info *info, char *err, size_t el)
{
    return lijson_spec_parse(s, strlen(s), info, err, el);
}

static spec_t *parse_file(const char *name, lijson_info *info, char *err, size_t el)
{
    size_t len = 0;
    char *text = slurp(name, &len);
    return text ? lijson_spec_parse(text, len, info, err, el) : NULL;
}

static void run(const fx_case *c)
{
    size_t len = 0;
    char *text = slurp(c->file, &len), err[512] = "";
    CHECK(text != NULL);
    if (!text) return;
    lijson_info info;
    spec_t *s = lijson_spec_parse(text, len, &info, err, sizeof err);
    if (c->error) {
        CHECK(s == NULL);
        if (!strstr(err, c->error)) fprintf(stderr, "%s: error '%s'\n", c->file, err);
        CHECK(strstr(err, c->error) != NULL);
        spec_free(s);
        return;
    }
    if (!s) fprintf(stderr, "%s: %s\n", c->file, err);
    CHECK(s != NULL);
    if (!s) return;
    CHECK(info.secrets == c->secrets);
    char *dump = spec_dump(s);
    CHECK(dump && !strstr(dump, "api_key") && !strstr(dump, "sk-fixture"));
    if (c->same_as) {
        lijson_info i2;
        spec_t *want = parse_str(c->same_as, &i2, err, sizeof err);
        CHECK(want != NULL);
        char *wd = want ? spec_dump(want) : NULL;
        CHECK_STR(dump, wd);
        free(wd);
        spec_free(want);
    }
    free(dump);
    spec_free(s);
}

/* Fields checked one by one on the fixtures that hold them. */
static void test_details(void)
{
    char err[512];
    lijson_info info;
    spec_t *s = parse_file("title_azure", &info, err, sizeof err);
    CHECK(s && s->n == 1);
    if (s) {
        json_t *llm = spec_get(&s->tf[0], "llm");
        CHECK_STR(json_string_value(json_object_get(llm, "class_name")), "AzureOpenAI");
        CHECK_STR(json_string_value(json_object_get(llm, "azure_deployment")), "gpt4o-dep");
        CHECK_STR(json_string_value(json_object_get(llm, "api_version")), "2024-02-01");
        CHECK(!json_object_get(llm, "engine"));
        CHECK_STR(info.first_secret, "transformations[0] (TitleExtractor).llm.api_key");
    }
    spec_free(s);
    s = parse_file("pipeline_list", &info, err, sizeof err);
    CHECK(s && s->n == 3 && !strcmp(s->tf[1].class_name, "TitleExtractor"));
    CHECK(s && s->tf[2].role == SPEC_ROLE_EMBEDDING);
    spec_free(s);
    s = parse_file("pipeline_object", &info, err, sizeof err);
    CHECK(s && s->n == 2 && !strcmp(s->tf[0].class_name, "MarkdownNodeParser"));
    CHECK(s && spec_int(&s->tf[1], "dimensions") == 256);
    spec_free(s);
    s = parse_file("keyword_openai_like", &info, err, sizeof err);
    CHECK(s && !strcmp(json_string_value(json_object_get(spec_get(&s->tf[0], "llm"), "class_name")),
                       "OpenAILike"));
    CHECK(s && spec_int(&s->tf[0], "keywords") == 5);
    spec_free(s);
    /* a single transformation object; our own short form passes unchanged */
    s = parse_str("{\"class_name\":\"SentenceSplitter\",\"chunk_size\":512,\"chunk_overlap\":0}", &info,
                  err, sizeof err);
    CHECK(s && s->n == 1 && spec_int(&s->tf[0], "chunk_size") == 512);
    spec_free(s);
    s = parse_str("{\"transformations\":[{\"class_name\":\"HashEmbedding\",\"dim\":8}],\"reader\":{}}",
                  &info, err, sizeof err);
    CHECK(s && spec_int(&s->tf[0], "dim") == 8);
    spec_free(s);
    /* non-default values we cannot honour name the field; unknown ones still fail */
    s = parse_str("[{\"class_name\":\"OpenAIEmbedding\",\"additional_kwargs\":{\"user\":\"x\"}}]", &info,
                  err, sizeof err);
    CHECK(!s && strstr(err, "transformations[0] (OpenAIEmbedding): 'additional_kwargs'"));
    s = parse_str("[{\"class_name\":\"SentenceSplitter\",\"id_func\":{\"id_func_name\":\"mine\"}}]",
                  &info, err, sizeof err);
    CHECK(!s && strstr(err, "'id_func'"));
    s = parse_str("[{\"class_name\":\"SentenceSplitter\",\"chunk_sise\":5}]", &info, err, sizeof err);
    CHECK(!s && strstr(err, "unknown parameter 'chunk_sise'"));
    s = parse_str("[{\"class_name\":\"Nope\",\"api_key\":\"k\"}]", &info, err, sizeof err);
    CHECK(!s && strstr(err, "unknown class 'Nope'"));
    s = parse_str("[1]", &info, err, sizeof err);
    CHECK(!s && strstr(err, "must be an object"));
    s = parse_str("[", &info, err, sizeof err);
    CHECK(!s && strstr(err, "invalid JSON"));
    /* an llm without class_name is spec.c's default, OpenAI, and keeps that */
    s = parse_str("[{\"class_name\":\"KeywordExtractor\",\"llm\":{\"reuse_client\":true,"
                  "\"api_version\":\"\",\"model\":\"m\"}}]", &info, err, sizeof err);
    CHECK(s && !strcmp(json_string_value(json_object_get(spec_get(&s->tf[0], "llm"), "class_name")),
                       "OpenAI"));
    spec_free(s);
    /* a null secret is dropped without counting */
    s = parse_str("[{\"class_name\":\"OpenAIEmbedding\",\"api_key\":null}]", &info, err, sizeof err);
    CHECK(s && info.secrets == 0);
    spec_free(s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_lijson FIXTURE_DIR\n");
        return 2;
    }
    dir = argv[1];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run(&cases[i]);
    test_details();
    return t_done();
}
