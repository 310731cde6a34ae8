/* sink_pg.c - PGVectorStore-layout writes with libpq (see sink_pg.h). */
#include "sink_pg.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

#define IDLE_MAX 16
#define ROWS_PER_INSERT 64
#define SQL_MAX (1u << 20)

typedef struct conn {
    PGconn *pg;
    char key[640];        /* host/port/database/user it was opened for */
    char ready[160];      /* schema.table set up on this connection */
    struct conn *next;
} conn;

struct sink_pg_pool {
    pthread_mutex_t mu;
    conn *idle;
    int nidle;
};

sink_pg_pool *sink_pg_pool_new(void)
{
    sink_pg_pool *p = calloc(1, sizeof *p);
    if (p) pthread_mutex_init(&p->mu, NULL);
    return p;
}

static void conn_free(conn *c)
{
    if (!c) return;
    PQfinish(c->pg);
    free(c);
}

void sink_pg_pool_free(sink_pg_pool *p)
{
    if (!p) return;
    for (conn *c = p->idle, *n; c; c = n) n = c->next, conn_free(c);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* libpq's last message, one line, into err. */
static void pg_msg(PGconn *pg, const char *what, char *err, size_t el)
{
    char m[400];
    snprintf(m, sizeof m, "%s", pg ? PQerrorMessage(pg) : "out of memory");
    for (char *q = m; *q; q++)
        if (*q == '\n' || *q == '\r') *q = ' ';
    size_t n = strlen(m);
    while (n && m[n - 1] == ' ') m[--n] = '\0';
    snprintf(err, el, "vector store: %s: %s", what, m);
}

static conn *take(sink_pg_pool *p, const vstore_pg *cfg, char *err, size_t el)
{
    char key[640];
    snprintf(key, sizeof key, "%s\n%s\n%s\n%s", cfg->host, cfg->port, cfg->database, cfg->user);
    pthread_mutex_lock(&p->mu);
    conn **pp = &p->idle, *c = NULL;
    while (*pp && strcmp((*pp)->key, key)) pp = &(*pp)->next;
    if (*pp) c = *pp, *pp = c->next, p->nidle--;
    pthread_mutex_unlock(&p->mu);
    if (c && PQstatus(c->pg) == CONNECTION_OK) return c;
    conn_free(c);
    if (!(c = calloc(1, sizeof *c))) return NULL;
    snprintf(c->key, sizeof c->key, "%s", key);
    const char *k[8], *v[8];
    int n = 0;
#define OPT(name, val) if ((val)[0]) k[n] = name, v[n++] = val
    OPT("host", cfg->host);
    OPT("port", cfg->port);
    OPT("dbname", cfg->database);
    OPT("user", cfg->user);
#undef OPT
    k[n] = "application_name", v[n++] = "ingest-worker";
    k[n] = "connect_timeout", v[n++] = "10";
    k[n] = NULL, v[n] = NULL;
    c->pg = PQconnectdbParams(k, v, 0); /* the password: PGPASSWORD / PGPASSFILE / service file */
    if (PQstatus(c->pg) != CONNECTION_OK) {
        pg_msg(c->pg, "cannot connect", err, el);
        conn_free(c);
        return NULL;
    }
    return c;
}

static void give_back(sink_pg_pool *p, conn *c)
{
    if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        conn_free(c);
        return;
    }
    pthread_mutex_lock(&p->mu);
    if (p->nidle < IDLE_MAX) c->next = p->idle, p->idle = c, p->nidle++, c = NULL;
    pthread_mutex_unlock(&p->mu);
    conn_free(c);
}

static int exec_ok(conn *c, const char *sql, const char *what, char *err, size_t el)
{
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) pg_msg(c->pg, what, err, el);
    PQclear(r);
    return ok ? 0 : PQstatus(c->pg) == CONNECTION_OK ? ERR_REMOTE : ERR_IO;
}

/* What PGVectorStore._initialize creates, plus the unique index on node_id. */
static int setup(conn *c, const vstore_pg *cfg, char *err, size_t el)
{
    char sql[2048], hnsw[512] = "";
    const char *s = cfg->schema, *t = cfg->table;
    if (cfg->hnsw)
        snprintf(hnsw, sizeof hnsw,
                 "CREATE INDEX IF NOT EXISTS data_%s_embedding_idx ON %s.data_%s USING hnsw "
                 "(embedding %s) WITH (m = %d, ef_construction = %d);",
                 t, s, t, cfg->hnsw_dist_method, cfg->hnsw_m, cfg->hnsw_ef_construction);
    snprintf(sql, sizeof sql,
             "BEGIN; SELECT pg_advisory_xact_lock(hashtext('ingest:%s.data_%s'));"
             "CREATE SCHEMA IF NOT EXISTS %s; CREATE EXTENSION IF NOT EXISTS vector;"
             "CREATE TABLE IF NOT EXISTS %s.data_%s (id BIGSERIAL NOT NULL, text VARCHAR NOT NULL, "
             "metadata_ %s, node_id VARCHAR, embedding VECTOR(%d), PRIMARY KEY (id));"
             "CREATE INDEX IF NOT EXISTS %s_idx_1 ON %s.data_%s ((metadata_ ->> 'ref_doc_id'));"
             "CREATE UNIQUE INDEX IF NOT EXISTS data_%s_node_id_key ON %s.data_%s (node_id);"
             "%s COMMIT;",
             s, t, s, s, t, cfg->use_jsonb ? "JSONB" : "JSON", cfg->embed_dim, t, s, t, t, s, t, hnsw);
    int rc = exec_ok(c, sql, "creating the table", err, el);
    if (rc && PQstatus(c->pg) == CONNECTION_OK) PQclear(PQexec(c->pg, "ROLLBACK"));
    if (!rc) snprintf(c->ready, sizeof c->ready, "%s.%s", s, t);
    return rc;
}

typedef struct rows {
    buf_t md[ROWS_PER_INSERT], emb[ROWS_PER_INSERT];
    const char *vals[ROWS_PER_INSERT * 4];
} rows;

/* One INSERT ... ON CONFLICT of nodes[0..n) (n <= ROWS_PER_INSERT). */
static int insert_rows(conn *c, const vstore_pg *cfg, node_t *const *nodes, size_t n, rows *r, char *err,
                       size_t el)
{
    buf_t sql;
    buf_init(&sql, SQL_MAX);
    char head[256], t[64];
    snprintf(head, sizeof head, "INSERT INTO %s.data_%s (text, metadata_, node_id, embedding) VALUES ",
             cfg->schema, cfg->table);
    int rc = buf_append(&sql, head, strlen(head));
    for (size_t i = 0; !rc && i < n; i++) {
        buf_reset(&r->md[i]);
        buf_reset(&r->emb[i]);
        rc = vstore_pg_metadata(nodes[i], &r->md[i]);
        if (!rc && nodes[i]->embedding) rc = vstore_vector_literal(nodes[i]->embedding, nodes[i]->dim, &r->emb[i]);
        r->vals[4 * i] = nodes[i]->text;
        r->vals[4 * i + 1] = r->md[i].p;
        r->vals[4 * i + 2] = nodes[i]->id;
        r->vals[4 * i + 3] = nodes[i]->embedding ? r->emb[i].p : NULL;
        int k = snprintf(t, sizeof t, "%s($%zu, $%zu, $%zu, $%zu::vector)", i ? ", " : "", 4 * i + 1,
                         4 * i + 2, 4 * i + 3, 4 * i + 4);
        if (!rc) rc = buf_append(&sql, t, (size_t)k);
    }
    static const char tail[] = " ON CONFLICT (node_id) DO UPDATE SET text = EXCLUDED.text, "
                               "metadata_ = EXCLUDED.metadata_, embedding = EXCLUDED.embedding";
    if (!rc) rc = buf_append(&sql, tail, sizeof tail - 1);
    if (rc) {
        snprintf(err, el, "vector store: %s", err_str(rc));
        buf_free(&sql);
        return rc;
    }
    PGresult *res = PQexecParams(c->pg, sql.p, (int)(4 * n), NULL, r->vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        pg_msg(c->pg, "writing rows", err, el);
        rc = PQstatus(c->pg) == CONNECTION_OK ? ERR_REMOTE : ERR_IO;
    }
    PQclear(res);
    buf_free(&sql);
    return rc;
}

static int check_dims(const vstore_pg *cfg, node_t *const *nodes, size_t n, char *err, size_t el)
{
    for (size_t i = 0; i < n; i++)
        if (nodes[i]->embedding && (int)nodes[i]->dim != cfg->embed_dim) {
            snprintf(err, el, "vector store: node embeddings have %u dimensions but vector_store.embed_dim is %d",
                     nodes[i]->dim, cfg->embed_dim);
            return ERR_INVAL;
        }
    return 0;
}

static int write_all(conn *c, const vstore_pg *cfg, node_t *const *nodes, size_t n, char *err, size_t el)
{
    char ready[160];
    snprintf(ready, sizeof ready, "%s.%s", cfg->schema, cfg->table);
    int rc = cfg->perform_setup && strcmp(c->ready, ready) ? setup(c, cfg, err, el) : 0;
    if (!rc) rc = exec_ok(c, "BEGIN", "begin", err, el);
    rows *r = rc ? NULL : calloc(1, sizeof *r);
    if (!rc && !r) rc = ERR_NOMEM;
    for (size_t i = 0; r && i < ROWS_PER_INSERT; i++) buf_init(&r->md[i], SQL_MAX), buf_init(&r->emb[i], SQL_MAX);
    for (size_t i = 0; !rc && i < n; i += ROWS_PER_INSERT)
        rc = insert_rows(c, cfg, nodes + i, n - i < ROWS_PER_INSERT ? n - i : ROWS_PER_INSERT, r, err, el);
    if (!rc) rc = exec_ok(c, "COMMIT", "commit", err, el);
    else if (PQstatus(c->pg) == CONNECTION_OK) PQclear(PQexec(c->pg, "ROLLBACK"));
    for (size_t i = 0; r && i < ROWS_PER_INSERT; i++) buf_free(&r->md[i]), buf_free(&r->emb[i]);
    free(r);
    return rc;
}

int sink_pg_write(sink_pg_pool *p, const vstore_pg *cfg, node_t *const *nodes, size_t n, char *err,
                  size_t el)
{
    int rc = check_dims(cfg, nodes, n, err, el);
    if (rc) return rc;
    conn *c = take(p, cfg, err, el);
    if (!c) return ERR_IO;
    rc = write_all(c, cfg, nodes, n, err, el);
    give_back(p, c);
    return rc;
}
