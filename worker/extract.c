/* extract.c - LLM metadata extractors, as llama-index-core 0.14.19
 * extractors/metadata_extractors.py + extractors/interface.py:
 *
 *  TitleExtractor(nodes=N): nodes are grouped by ref_doc_id (the SOURCE
 *    relationship's id; nodes without one share the "None" group); the
 *    first N nodes of each group get DEFAULT_TITLE_NODE_TEMPLATE with
 *    context_str = node.text (raw text, no metadata); the candidates are
 *    joined with ", " into DEFAULT_TITLE_COMBINE_TEMPLATE; the answer, not
 *    stripped, becomes metadata "document_title" of every node of the group.
 *  KeywordExtractor(keywords=5): "excerpt_keywords" = answer.strip() (set
 *    even when empty, as in LlamaIndex),
 *    prompt over node.get_content(MetadataMode.ALL) and keywords=str(5).
 *  QuestionsAnsweredExtractor(questions=5): "questions_this_excerpt_can_
 *    answer" = answer.strip(), with num_questions.
 *  SummaryExtractor(summaries=["self"]): per-node summary.strip(); metadata
 *    prev_section_summary / next_section_summary / section_summary in that
 *    order, each only when the summary is non-empty.  prev/next are taken
 *    within the batch the pipeline hands us.
 *  Then (BaseExtractor.aprocess_nodes) metadata.update() on each node and
 *    text_template = DEFAULT_NODE_TEXT_TEMPLATE on every node; the pipeline
 *    passes no excluded keys, so the excluded lists are left as they are.
 * Prompts are formatted with SafeFormatter (oai_format) and sent as one
 * user message to chat completions (LLM.apredict on a chat model).  All
 * prompts of a job are built before any answer is applied, as aextract()
 * computes everything before aprocess_nodes() updates.  LlamaIndex asks a
 * document's title candidates one after another; here they go out
 * concurrently (same prompts, same answers from a deterministic model).
 *
 * Failures: a prompt that fails after the call layer's retries fails its
 * node (for titles: every node of the document) with the API's error text.  Ownership as in embed.c: the job owns
 * answers and groups, each prompt is owned by its call. */
#include "extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "oai.h"

const char EXTRACT_TITLE_NODE_TMPL[] =
    "Context: {context_str}. Give a title that summarizes all of the unique entities, titles or "
    "themes found in the context. Title: ";
const char EXTRACT_TITLE_COMBINE_TMPL[] =
    "{context_str}. Based on the above candidate titles and content, what is the comprehensive "
    "title for this document? Title: ";
const char EXTRACT_KEYWORD_TMPL[] =
    "{context_str}. Give {keywords} unique keywords for this document. Format as comma "
    "separated. Keywords: ";
const char EXTRACT_QUESTION_TMPL[] =
    "Here is the context:\n{context_str}\n\nGiven the contextual information, generate "
    "{num_questions} questions this context can provide specific answers to which are unlikely "
    "to be found elsewhere.\n\nHigher-level summaries of surrounding context may be provided as "
    "well. Try using these summaries to generate better questions that this context can "
    "answer.\n\n";
const char EXTRACT_SUMMARY_TMPL[] =
    "Here is the content of the section:\n{context_str}\n\nSummarize the key topics and "
    "entities of the section. \nSummary: ";
const char EXTRACT_NODE_TEXT_TMPL[] =
    "[Excerpt from document]\n{metadata_str}\nExcerpt:\n-----\n{content}\n-----\n";

typedef enum {
    X_TITLE = SPEC_EXTRACT_TITLE,
    X_KEYWORD = SPEC_EXTRACT_KEYWORD,
    X_QUESTIONS = SPEC_EXTRACT_QUESTIONS,
    X_SUMMARY = SPEC_EXTRACT_SUMMARY
} xkind;

typedef struct xgroup {
    size_t *nodes; /* every node of the document, batch order */
    size_t n, ncand, got;
    char **cand;   /* candidate titles, first ncand nodes */
    int failed;
} xgroup;

typedef struct xjob {
    stage_job job;
    xkind kind;
    oc_ep *ep;
    double temperature, timeout;
    int64_t max_tokens;
    unsigned max_retries;
    size_t pending;
    int rc, cancelled;
    char **ans; /* per node: stripped answer (node-level kinds) */
    unsigned char *failed;
    xgroup *g;
    size_t ng;
    const char *combine_tmpl;
} xjob;

typedef struct xprompt {
    xjob *j;
    size_t node, group, slot; /* slot: candidate index, or SIZE_MAX for the combine */
} xprompt;

static void prompt_done(void *ud, const oc_result *res);

/* Formats tmpl with (context_str, extra) and starts the call.  On failure
 * the caller's target fails with the reason (not when the calls were
 * cancelled: the whole job then ends cancelled). */
static int ask(xjob *j, const char *tmpl, const char *ctx, const char *xkey, const char *xval,
               size_t node, size_t group, size_t slot)
{
    const char *keys[2] = {"context_str", xkey}, *vals[2] = {ctx, xval};
    buf_t prompt, body;
    buf_init(&prompt, 0);
    buf_init(&body, 0);
    xprompt *p = malloc(sizeof *p);
    int rc = p ? oai_format(tmpl, keys, vals, xkey ? 2 : 1, &prompt) : ERR_NOMEM;
    if (!rc)
        rc = oai_chat_request(oc_ep_model(j->ep), j->temperature, j->max_tokens,
                              prompt.p ? prompt.p : "", prompt.len, &body);
    uint64_t tokens = (prompt.len + 3) / 4; /* rate-limit estimate, ~4 bytes per token */
    buf_free(&prompt);
    if (!rc) {
        *p = (xprompt){j, node, group, slot};
        j->pending++;
        size_t len = body.len;
        rc = oc_call_start(j->ep, buf_detach(&body, NULL), len, tokens, j->timeout,
                           j->max_retries, j->job.tag, prompt_done, p);
        if (!rc) return 0;
        j->pending--;
    }
    buf_free(&body);
    free(p);
    if (rc == ERR_CANCELLED) { /* stopping: the job ends cancelled, no target failed */
        j->cancelled = 1;
        return 0;
    }
    return rc;
}

static void fail_group(xjob *j, xgroup *g, const char *msg)
{
    if (g->failed) return;
    g->failed = 1;
    for (size_t k = 0; k < g->n; k++) j->job.fail(j->job.ud, g->nodes[k], msg);
}

static void fail_node(xjob *j, size_t i, const char *msg)
{
    if (j->failed[i]) return;
    j->failed[i] = 1;
    j->job.fail(j->job.ud, i, msg);
}

/* All candidates of g are in: ask for the combined title. */
static void combine(xjob *j, size_t gi)
{
    xgroup *g = &j->g[gi];
    buf_t c;
    buf_init(&c, 0);
    int rc = 0;
    for (size_t k = 0; k < g->ncand && !rc; k++) {
        if (k) rc = buf_puts(&c, ", ");
        if (!rc) rc = buf_puts(&c, g->cand[k]);
    }
    if (!rc) rc = ask(j, j->combine_tmpl, c.p ? c.p : "", NULL, NULL, 0, gi, SIZE_MAX);
    if (rc) fail_group(j, g, err_str(rc));
    buf_free(&c);
}

static void title_answer(xjob *j, const xprompt *p, char *text)
{
    xgroup *g = &j->g[p->group];
    if (g->failed) {
        free(text);
        return;
    }
    if (p->slot != SIZE_MAX) {
        g->cand[p->slot] = text;
        if (++g->got == g->ncand) combine(j, p->group);
        return;
    }
    for (size_t k = 0; k < g->n; k++) {
        node_t *nd = j->job.nodes[g->nodes[k]];
        if (md_set_str(&nd->md, "document_title", text)) fail_node(j, g->nodes[k], "out of memory");
    }
    free(text);
}

static void node_answer(xjob *j, const xprompt *p, char *text)
{
    const char *s = text;
    size_t l = strlen(text);
    node_py_strip(&s, &l);
    char *st = strndup(s, l);
    free(text);
    if (!st) fail_node(j, p->node, "out of memory");
    else j->ans[p->node] = st;
}

static int set_if(node_t *nd, const char *key, const char *v)
{
    return v && *v ? md_set_str(&nd->md, key, v) : 0;
}

/* metadata.update() for the node-level kinds, then the template rewrite. */
static void apply(xjob *j)
{
    json_t *sm = spec_get(j->job.tf, "summaries");
    int want[3] = {0, 0, 0}; /* self, prev, next */
    for (size_t k = 0; j->kind == X_SUMMARY && k < json_array_size(sm); k++) {
        const char *s = json_string_value(json_array_get(sm, k));
        if (s) want[0] |= !strcmp(s, "self"), want[1] |= !strcmp(s, "prev"), want[2] |= !strcmp(s, "next");
    }
    for (size_t i = 0; i < j->job.n; i++) {
        node_t *nd = j->job.nodes[i];
        int rc = 0;
        if (j->kind == X_KEYWORD && !j->failed[i])
            rc = md_set_str(&nd->md, "excerpt_keywords", j->ans[i] ? j->ans[i] : "");
        if (j->kind == X_QUESTIONS && !j->failed[i])
            rc = md_set_str(&nd->md, "questions_this_excerpt_can_answer", j->ans[i] ? j->ans[i] : "");
        if (j->kind == X_SUMMARY && !j->failed[i]) {
            if (want[1] && i > 0) rc = set_if(nd, "prev_section_summary", j->ans[i - 1]);
            if (!rc && want[2] && i + 1 < j->job.n) rc = set_if(nd, "next_section_summary", j->ans[i + 1]);
            if (!rc && want[0]) rc = set_if(nd, "section_summary", j->ans[i]);
        }
        if (!rc) rc = node_set_str(&nd->text_template, EXTRACT_NODE_TEXT_TMPL);
        if (rc) fail_node(j, i, err_str(rc));
    }
}

static void xjob_release(xjob *j)
{
    if (--j->pending) return;
    if (!j->cancelled && !j->rc) apply(j);
    for (size_t i = 0; j->ans && i < j->job.n; i++) free(j->ans[i]);
    for (size_t k = 0; k < j->ng; k++) {
        for (size_t c = 0; c < j->g[k].ncand; c++) free(j->g[k].cand[c]);
        free(j->g[k].cand);
        free(j->g[k].nodes);
    }
    free(j->g);
    free(j->ans);
    free(j->failed);
    stage_finish(j, &j->job, j->cancelled, j->rc);
}

static void prompt_done(void *ud, const oc_result *res)
{
    xprompt *p = ud;
    xjob *j = p->j;
    j->job.stats->llm_requests += res->attempts;
    j->job.stats->retries += res->attempts ? res->attempts - 1 : 0;
    char *text = NULL, err[160];
    uint64_t tokens = 0;
    const char *why = res->err;
    int rc = res->ok ? oai_chat_parse(res->body, res->len, &text, &tokens, err, sizeof err) : -1;
    if (res->ok && rc) why = rc == ERR_PARSE ? err : err_str(rc);
    if (res->cancelled) {
        j->cancelled = 1;
    } else if (rc) {
        if (j->kind == X_TITLE) fail_group(j, &j->g[p->group], why);
        else fail_node(j, p->node, why);
    } else {
        j->job.stats->tokens += tokens;
        if (j->kind == X_TITLE) title_answer(j, p, text);
        else node_answer(j, p, text);
        text = NULL;
    }
    free(text);
    free(p);
    xjob_release(j);
}

/* Groups nodes by SOURCE id in order of first appearance. */
static int make_groups(xjob *j, size_t per_doc)
{
    if (!(j->g = calloc(j->job.n ? j->job.n : 1, sizeof *j->g))) return ERR_NOMEM;
    for (size_t i = 0; i < j->job.n; i++) {
        const char *id = j->job.nodes[i]->rel[NODE_REL_SOURCE].id;
        size_t k = 0;
        for (; k < j->ng; k++) {
            const char *gid = j->job.nodes[j->g[k].nodes[0]]->rel[NODE_REL_SOURCE].id;
            if ((!id && !gid) || (id && gid && !strcmp(id, gid))) break;
        }
        xgroup *g = &j->g[k];
        if (k == j->ng) {
            if (!(g->nodes = malloc(j->job.n * sizeof *g->nodes)) ||
                !(g->cand = calloc(per_doc, sizeof *g->cand))) {
                free(g->nodes);
                g->nodes = NULL;
                return ERR_NOMEM;
            }
            j->ng++;
        }
        g->nodes[g->n++] = i;
        if (g->ncand < per_doc) g->ncand++;
    }
    return 0;
}

static int start_title(xjob *j)
{
    int64_t per = spec_int(j->job.tf, "nodes");
    const char *nt = spec_str(j->job.tf, "node_template");
    j->combine_tmpl = spec_str(j->job.tf, "combine_template");
    if (!j->combine_tmpl) j->combine_tmpl = EXTRACT_TITLE_COMBINE_TMPL;
    int rc = make_groups(j, per > 0 ? (size_t)per : 5);
    if (rc) return rc;
    for (size_t k = 0; k < j->ng; k++) {
        xgroup *g = &j->g[k];
        for (size_t c = 0; c < g->ncand && !g->failed; c++) {
            node_t *nd = j->job.nodes[g->nodes[c]];
            rc = ask(j, nt ? nt : EXTRACT_TITLE_NODE_TMPL, nd->text, NULL, NULL, 0, k, c);
            if (rc) fail_group(j, g, err_str(rc));
        }
    }
    return 0;
}

static int start_nodes(xjob *j)
{
    const char *tmpl = spec_str(j->job.tf, "prompt_template"), *xkey = NULL;
    char num[24] = "";
    if (j->kind == X_KEYWORD) {
        xkey = "keywords";
        snprintf(num, sizeof num, "%lld", (long long)spec_int(j->job.tf, "keywords"));
        if (!tmpl) tmpl = EXTRACT_KEYWORD_TMPL;
    } else if (j->kind == X_QUESTIONS) {
        xkey = "num_questions";
        snprintf(num, sizeof num, "%lld", (long long)spec_int(j->job.tf, "questions"));
        if (!tmpl) tmpl = EXTRACT_QUESTION_TMPL;
    } else if (!tmpl) {
        tmpl = EXTRACT_SUMMARY_TMPL;
    }
    if (!(j->ans = calloc(j->job.n ? j->job.n : 1, sizeof *j->ans))) return ERR_NOMEM;
    buf_t ctx;
    buf_init(&ctx, 0);
    for (size_t i = 0; i < j->job.n; i++) {
        buf_reset(&ctx);
        int rc = node_content(j->job.nodes[i], NODE_MODE_ALL, &ctx);
        if (!rc) rc = ask(j, tmpl, ctx.p ? ctx.p : "", xkey, num, i, 0, 0);
        if (rc) fail_node(j, i, err_str(rc));
    }
    buf_free(&ctx);
    return 0;
}

int extract_start(oc_ctx *oc, stage_job *job)
{
    if (job->tf->kind != SPEC_KIND_EXTRACT) return ERR_UNSUPPORTED;
    json_t *llm = spec_get(job->tf, "llm");
    const char *cls = json_string_value(json_object_get(llm, "class_name"));
    char err[200];
    oc_ep *ep = oc_endpoint(oc, OC_CHAT, spec_llm_api(cls), cls ? cls : "OpenAI", llm, err,
                            sizeof err);
    if (!ep) { /* configuration error: every node fails with the reason */
        stage_fail_all(job, err);
        return 0;
    }
    xjob *j = calloc(1, sizeof *j);
    if (!j || !(j->failed = calloc(job->n ? job->n : 1, 1))) {
        free(j);
        return ERR_NOMEM;
    }
    j->job = *job, j->kind = (xkind)job->tf->variant, j->ep = ep, j->pending = 1;
    j->temperature = json_number_value(json_object_get(llm, "temperature"));
    json_t *mt = json_object_get(llm, "max_tokens");
    j->max_tokens = json_is_integer(mt) ? json_integer_value(mt) : 0;
    j->timeout = json_number_value(json_object_get(llm, "timeout"));
    j->max_retries = (unsigned)json_integer_value(json_object_get(llm, "max_retries"));
    int rc = j->kind == X_TITLE ? start_title(j) : start_nodes(j);
    if (rc) j->rc = rc;
    xjob_release(j);
    return 0;
}
