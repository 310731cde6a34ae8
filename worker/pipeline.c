/* pipeline.c - run a batch through the readers and transformations
 * (see pipeline.h).  Synchronous stages run inline; a remote stage returns
 * to the event loop and the pipeline resumes in its done callback. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "hashembed.h"
#include "mdparse.h"
#include "nodeparse.h"
#include "reader.h"
#include "spec.h"
#include "testfault.h"
#include "wire.h"

struct pl_batch {
    remote_ctx *remote;
    wire_batch wb;
    spec_t *spec;
    node_list nodes;    /* current node list (documents before the first parser) */
    char **doc_err;     /* per file: NULL or failure message */
    unsigned char *doc_api; /* per file: failed in a remote stage */
    size_t tf_next;     /* next transformation to run */
    stage_job job;      /* the remote stage in flight */
    pl_result res;
    pl_done_fn *done;
    void *ud;
};

static void fail_doc(pl_batch *b, int doc_index, const char *msg)
{
    if (doc_index < 0 || (size_t)doc_index >= b->wb.n || b->doc_err[doc_index]) return;
    b->doc_err[doc_index] = strdup(msg ? msg : "failed");
}

static void fatal(pl_batch *b, const char *msg)
{
    b->res.fatal = 1;
    snprintf(b->res.fatal_msg, sizeof b->res.fatal_msg, "%s", msg);
}

pl_batch *pl_new(remote_ctx *remote, const char *payload, size_t plen, const char *spec,
                 size_t slen, pl_done_fn *done, void *ud)
{
    pl_batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->remote = remote;
    b->done = done;
    b->ud = ud;
    buf_init(&b->res.out, (size_t)512 << 20);
    char err[256];
    if (wire_batch_decode(payload, plen, &b->wb)) {
        fatal(b, "malformed batch payload");
    } else if (b->wb.n && (!(b->doc_err = calloc(b->wb.n, sizeof *b->doc_err)) ||
                           !(b->doc_api = calloc(b->wb.n, 1)))) {
        pl_free(b);
        return NULL;
    } else if (!(b->spec = spec_parse(spec, slen, err, sizeof err))) {
        fatal(b, err);
    }
    b->res.docs = b->wb.n;
    return b;
}

static int read_docs(pl_batch *b)
{
    reader_opts ro;
    reader_opts_from_spec(b->spec, &ro);
    for (size_t i = 0; i < b->wb.n; i++) {
        char eb[512] = "";
        size_t first = b->nodes.n;
        testfault_reading(b->wb.docs[i].name);
        int rc = reader_load(&b->wb.docs[i], &ro, &b->nodes, eb, sizeof eb);
        if (rc == ERR_NOMEM) return rc;
        if (rc) fail_doc(b, (int)i, eb[0] ? eb : err_str(rc));
        for (size_t k = first; k < b->nodes.n; k++) b->nodes.v[k]->doc_index = (int)i;
        free(b->wb.docs[i].data); /* the documents hold the text now */
        b->wb.docs[i].data = NULL;
        b->wb.docs[i].len = 0;
    }
    return 0;
}

static void on_parse_error(void *ud, const node_t *doc, int code, const char *msg)
{
    (void)code;
    fail_doc(ud, doc->doc_index, msg);
}

static int run_parser(pl_batch *b, const spec_tf *tf)
{
    node_list out = {0};
    int rc = !strcmp(tf->class_name, "MarkdownNodeParser")
                 ? mdparse_run(tf, b->nodes.v, b->nodes.n, &out, on_parse_error, b)
                 : nodeparse_run(tf, b->nodes.v, b->nodes.n, &out, on_parse_error, b);
    if (rc) {
        node_list_free(&out);
        return rc;
    }
    node_list_free(&b->nodes);
    b->nodes = out;
    return 0;
}

static int run_hash_embedding(pl_batch *b, const spec_tf *tf)
{
    uint32_t dim = (uint32_t)spec_int(tf, "dim");
    buf_t s;
    buf_init(&s, 0);
    int rc = 0;
    for (size_t i = 0; !rc && i < b->nodes.n; i++) {
        node_t *n = b->nodes.v[i];
        float *e = malloc(dim * sizeof *e);
        buf_reset(&s);
        rc = e ? node_content(n, NODE_MODE_EMBED, &s) : ERR_NOMEM;
        if (!rc) rc = hashembed(s.p ? s.p : "", s.len, e, dim);
        if (rc) {
            free(e);
            break;
        }
        free(n->embedding);
        n->embedding = e;
        n->dim = dim;
    }
    buf_free(&s);
    return rc;
}

static void finish(pl_batch *b);
static void advance(pl_batch *b);

static void stage_fail(void *ud, size_t i, const char *msg)
{
    pl_batch *b = ud;
    if (i >= b->nodes.n) return;
    int d = b->nodes.v[i]->doc_index;
    if (d >= 0 && (size_t)d < b->wb.n && !b->doc_err[d]) b->doc_api[d] = 1;
    fail_doc(b, d, msg);
}

static void stage_done(void *ud, int rc)
{
    pl_batch *b = ud;
    if (rc) fatal(b, "remote stage aborted");
    if (rc) finish(b);
    else advance(b);
}

/* Runs transformations from tf_next until one goes asynchronous or all ran. */
static void advance(pl_batch *b)
{
    while (!b->res.fatal && b->tf_next < b->spec->n) {
        const spec_tf *tf = &b->spec->tf[b->tf_next++];
        int rc = 0;
        if (tf->role == SPEC_ROLE_PARSER) rc = run_parser(b, tf);
        else if (!strcmp(tf->class_name, "HashEmbedding")) rc = run_hash_embedding(b, tf);
        else {
            b->job = (stage_job){tf, b->nodes.v, b->nodes.n, &b->res.stats, stage_fail, stage_done, b};
            rc = remote_start(b->remote, &b->job);
            if (!rc) return; /* resumes in stage_done */
        }
        if (rc) fatal(b, err_str(rc));
    }
    finish(b);
}

/* Drops nodes of failed files, encodes the rest, fills the result, calls done. */
static void finish(pl_batch *b)
{
    size_t kept = 0;
    for (size_t i = 0; i < b->nodes.n; i++) {
        node_t *n = b->nodes.v[i];
        if (n->doc_index >= 0 && (size_t)n->doc_index < b->wb.n && b->doc_err[n->doc_index]) node_free(n);
        else b->nodes.v[kept++] = n;
    }
    b->nodes.n = kept;
    for (size_t i = 0; !b->res.fatal && i < b->wb.n; i++) {
        if (!b->doc_err[i]) continue;
        b->res.docs_failed++;
        b->res.docs_api_failed += b->doc_api[i];
        if (strv_push(&b->res.err_ids, b->wb.docs[i].id) || strv_push(&b->res.err_msgs, b->doc_err[i]))
            fatal(b, "out of memory");
    }
    size_t need = 64; /* reserve the encoding's size up front: no doubling slack */
    for (size_t i = 0; i < b->nodes.n; i++)
        need += b->nodes.v[i]->text_len + (size_t)b->nodes.v[i]->dim * 4 + 1024;
    int rc = b->res.fatal ? 0 : buf_reserve(&b->res.out, need);
    if (!rc && !b->res.fatal) rc = wire_nodes_encode(b->nodes.v, b->nodes.n, &b->res.out);
    if (rc) fatal(b, "batch output too large");
    b->res.nodes = b->nodes.n;
    node_list_free(&b->nodes); /* encoded: the nodes are not needed any more */
    b->done(b, &b->res, b->ud);
}

void pl_run(pl_batch *b)
{
    if (!b->res.fatal) {
        int rc = read_docs(b);
        if (rc) fatal(b, err_str(rc));
    }
    if (b->res.fatal) {
        finish(b);
        return;
    }
    advance(b);
}

double pl_cpu_budget_s(const pl_batch *b)
{
    if (b->res.fatal) return 0;
    reader_opts ro;
    reader_opts_from_spec(b->spec, &ro);
    double s = 0;
    for (size_t i = 0; i < b->wb.n; i++) {
        const char *dot = strrchr(b->wb.docs[i].name, '.');
        if (dot && !strcasecmp(dot, ".pdf")) s += (double)ro.time_budget_ms / 1000.0;
    }
    return s;
}

void pl_free(pl_batch *b)
{
    if (!b) return;
    for (size_t i = 0; b->doc_err && i < b->wb.n; i++) free(b->doc_err[i]);
    free(b->doc_err);
    free(b->doc_api);
    wire_batch_free(&b->wb);
    spec_free(b->spec);
    node_list_free(&b->nodes);
    buf_free(&b->res.out);
    strv_free(&b->res.err_ids);
    strv_free(&b->res.err_msgs);
    free(b);
}
