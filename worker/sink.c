/* sink.c - vector-store writes of finished batches on the pool (see sink.h). */
#include "sink.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sink_pg.h"
#include "spec.h"
#include "vstore.h"
#include "wire.h"

struct sink_ctx {
    pool_t *pool;
    sink_pg_pool *pg;
};

struct sink_op {
    pool_job job; /* first: the pool hands back this pointer */
    sink_ctx *s;
    const char *spec;
    size_t slen;
    const buf_t *out;
    sink_done_fn *done;
    void *ud;
    int rc;
    char msg[512];
    strv_t failed_ids;
};

sink_ctx *sink_new(pool_t *pool)
{
    sink_ctx *s = calloc(1, sizeof *s);
    if (s && !(s->pg = sink_pg_pool_new())) {
        free(s);
        return NULL;
    }
    if (s) s->pool = pool;
    return s;
}

void sink_free(sink_ctx *s)
{
    if (!s) return;
    sink_pg_pool_free(s->pg);
    free(s);
}

int sink_wants(const char *spec) { return spec && strstr(spec, "\"vector_store\"") != NULL; }

/* The ids of the documents the nodes came from, each once. */
static void collect_ids(const node_list *nl, strv_t *ids)
{
    for (size_t i = 0; i < nl->n; i++) {
        const char *id = nl->v[i]->rel[NODE_REL_SOURCE].id;
        int seen = !id;
        for (size_t k = 0; !seen && k < ids->n; k++) seen = !strcmp(ids->v[k], id);
        if (!seen && strv_push(ids, id)) return;
    }
}

static void run(pool_job *j)
{
    sink_op *op = (sink_op *)j;
    char perr[256];
    spec_t *spec = spec_parse(op->spec, op->slen, perr, sizeof perr);
    vstore_pg cfg;
    if (!spec || !vstore_pg_get(json_object_get(spec->root, "vector_store"), &cfg)) {
        op->rc = 1;
        spec_free(spec);
        return;
    }
    node_list nl = {0};
    op->rc = wire_nodes_decode(op->out->p ? op->out->p : "", op->out->len, &nl);
    if (op->rc) snprintf(op->msg, sizeof op->msg, "vector store: undecodable batch output");
    else op->rc = sink_pg_write(op->s->pg, &cfg, nl.v, nl.n, op->msg, sizeof op->msg);
    if (op->rc) collect_ids(&nl, &op->failed_ids);
    node_list_free(&nl);
    spec_free(spec);
}

static void done(pool_job *j)
{
    sink_op *op = (sink_op *)j;
    op->done(op, op->rc, op->msg, &op->failed_ids, op->ud);
}

int sink_start(sink_ctx *s, const char *spec, size_t slen, const buf_t *out, sink_done_fn *cb, void *ud,
               sink_op **opp)
{
    sink_op *op = calloc(1, sizeof *op);
    if (!op) return ERR_NOMEM;
    *op = (sink_op){.job = {.run = run, .done = done}, .s = s, .spec = spec, .slen = slen, .out = out,
                    .done = cb, .ud = ud};
    int rc = pool_submit(s->pool, &op->job);
    if (rc) free(op);
    else *opp = op;
    return rc;
}

void sink_op_free(sink_op *op)
{
    if (!op) return;
    strv_free(&op->failed_ids);
    free(op);
}
