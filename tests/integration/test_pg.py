#!/usr/bin/env python3
"""test_pg.py - the PGVectorStore sink against a real PostgreSQL with
pgvector (PGlite over the wire protocol, tests/pg/server.mjs): rows in
LlamaIndex's layout equal to the export's nodes, a batch written twice
leaves one row per node, a database that is down makes the batch retry then
fail with a clear error, a server that refuses the password (Debian's own
postgresql: PGlite does not authenticate) the same, a wrong embed_dim fails
at once with nothing written, secrets in the spec are refused."""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

from harness import Env, Checker, Failure, free_port
from test_spine import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))


class PG:
    """One PGlite server for the whole test (tables differ per check)."""

    def __init__(self, server):
        self.p = subprocess.Popen(["node", server], cwd=os.path.dirname(server),
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.p.stdout.readline()
        if not line:
            raise Failure("PGlite server did not start")
        self.port = json.loads(line)["port"]

    def sql(self, q):
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d",
                            "postgres", "-AtX", "-v", "ON_ERROR_STOP=1", "-c", q],
                           capture_output=True, text=True, timeout=60)
        if r.returncode:
            raise Failure(f"psql {q!r}: {r.stderr}")
        return r.stdout.strip()

    def rows(self, table):
        out = self.sql(f"SELECT coalesce(json_agg(json_build_object('node_id', node_id, 'text', text, "
                       f"'metadata', metadata_, 'embedding', embedding::text) ORDER BY id), '[]') "
                       f"FROM public.data_{table}")
        return json.loads(out)

    def close(self):
        self.p.terminate()
        self.p.wait()


def spec_file(env, table, port, dim=384, extra=""):
    path = os.path.join(env.dir, f"spec-{table}.json")
    open(path, "w").write(json.dumps({
        "transformations": [{"class_name": "SentenceSplitter", "chunk_size": 256, "chunk_overlap": 20},
                            {"class_name": "HashEmbedding", "dim": 384}],
        "vector_store": dict({"class_name": "PGVectorStore", "host": "127.0.0.1", "port": port,
                              "database": "postgres", "user": "postgres", "table_name": table,
                              "embed_dim": dim}, **(json.loads(extra) if extra else {}))}))
    return path


def metadata_dict(line):
    """LlamaIndex's node_to_metadata_dict(TextNode.from_dict(line), remove_text=True)."""
    nd = dict(line, text="", embedding=None)
    md = dict(line["metadata"])
    md["_node_content"] = json.dumps(nd, ensure_ascii=False)
    md["_node_type"] = "TextNode"
    ref = line["relationships"].get("1", {}).get("node_id") or "None"
    md.update(document_id=ref, doc_id=ref, ref_doc_id=ref)
    return md


def f32(xs):
    return [struct.unpack("<f", struct.pack("<f", x))[0] for x in xs]


def plain_spec(env):
    path = os.path.join(env.dir, "plain.json")
    spec = json.load(open(spec_file(env, "x", 1)))
    del spec["vector_store"]
    open(path, "w").write(json.dumps(spec))
    return path


def check_job_into_pgvector(t, env, data, pg):
    ref_job = env.coord("submit", "--batch-docs", "1", "--pipeline", plain_spec(env), data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    want = env.export(ref_job)
    job = env.coord("submit", "--batch-docs", "1", "--pipeline", spec_file(env, "Docs", pg.port),
                    data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle") for _ in range(2)])
    st = env.status(job)
    t.check(st["state"] == "done" and st["nodes"] == len(want), f"job done, all nodes: {st}")
    t.check(env.cli("HGET", f"ingest:job:{job}", "batches_sunk") == str(st["batches_total"]),
            "every ack records 'written to sink'")
    t.check(env.cli_lines("KEYS", f"ingest:job:{job}:out:*") == [], "no node data left in Redis")
    rows = pg.rows("docs")  # table_name lowercased, as PGVectorStore does
    t.check(len(rows) == len(want), f"{len(rows)} rows for {len(want)} nodes")
    by_id = {r["node_id"]: r for r in rows}
    t.check(set(by_id) == {n["id_"] for n in want}, "node ids")
    t.check(all(by_id[n["id_"]]["text"] == n["text"] for n in want), "text = get_content(NONE)")
    t.check(all(by_id[n["id_"]]["metadata"] == metadata_dict(n) for n in want),
            "metadata_ = node_to_metadata_dict(node, remove_text=True)")
    t.check(all(f32(json.loads(by_id[n["id_"]]["embedding"])) == f32(n["embedding"]) for n in want),
            "embeddings equal to the export's (float32)")
    cols = pg.sql("SELECT string_agg(column_name || ':' || udt_name, ',' ORDER BY ordinal_position) "
                  "FROM information_schema.columns WHERE table_name = 'data_docs'")
    t.check(cols == "id:int8,text:varchar,metadata_:json,node_id:varchar,embedding:vector",
            f"PGVectorStore's columns: {cols}")
    idx = pg.sql("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                 "WHERE tablename = 'data_docs'")
    t.check("data_docs_node_id_key" in idx and "docs_idx_1" in idx, f"indexes: {idx}")
    # the same documents again (same node ids): upserts, one row per node
    job2 = env.coord("submit", "--pipeline", spec_file(env, "Docs", pg.port), data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    t.check(env.status(job2)["state"] == "done", "second job done")
    t.check(pg.sql("SELECT count(*), count(DISTINCT node_id) FROM data_docs") == f"{len(want)}|{len(want)}",
            "rewritten nodes: still one row each")


def check_written_twice(t, env, data, pg):
    """The worker dies after its transaction committed, before its ack (Redis
    paused): the batch is redone by another worker and upserted."""
    gate = os.path.join(env.dir, "gate")
    a = env.start_worker("--id", "dies-1", "--heartbeat-ttl", "2", "--concurrency", "1",
                         env={"INGEST_TEST_READ_GATE": ":" + gate})
    job = env.coord("submit", "--batch-docs", "10", "--pipeline", spec_file(env, "twice", pg.port),
                    data).stdout.strip()
    t.check(wait_for(lambda: env.cli("LLEN", "ingest:processing:dies-1") == "1"), "worker A holds the batch")
    env.cli("CLIENT", "PAUSE", "60000", "WRITE")  # its ack will not get through
    open(gate, "w").close()
    t.check(wait_for(lambda: table_count(pg, "twice") > 0, 60), "worker A committed its rows")
    a.kill()
    a.wait()
    env.cli("CLIENT", "UNPAUSE")
    n1 = table_count(pg, "twice")
    b = env.start_worker("--exit-when-idle", "--heartbeat-ttl", "2")
    env.wait_all([b])
    st = env.status(job)
    t.check(st["state"] == "done" and st["batches_done"] == 1, f"redone once: {st}")
    # A died holding the lease of a batch that never left its CPU stages (local
    # embedding, then the sink): one failed delivery, then redone
    att = env.cli("HGET", f"ingest:job:{job}:attempts", "0")
    t.check(att == "1", f"delivered twice, one failed delivery counted: {att!r}")
    t.check(pg.sql("SELECT count(*), count(DISTINCT node_id) FROM data_twice") == f"{n1}|{n1}" and
            n1 == st["nodes"], f"one row per node after two writes ({n1} rows, {st['nodes']} nodes)")


def check_database_down(t, env, data, pg):
    s = free_port()
    job = env.coord("submit", "--pipeline", spec_file(env, "down", s), data).stdout.strip()
    w = env.start_worker("--exit-when-idle", "--max-attempts", "2")
    env.wait_all([w])
    st = env.status(job)
    t.check(st["state"] == "failed" and st["documents_failed"] == st["documents_total"],
            f"batch failed after its retries: {st}")
    errs = dict(zip(*[iter(env.cli_lines("HGETALL", f"ingest:job:{job}:errors"))] * 2))
    msg = next(iter(errs.values()), "")
    t.check("vector store: cannot connect" in msg and "attempt 2 of 2" in msg, f"clear error: {msg}")
    log = open(w.logpath).read()
    t.check(log.count("event=sink_failed") == 2, "one retry, then the failure")


class DebianPG:
    """Debian's postgresql in a temp dir, password (scram) authentication.
    As root it runs as the postgres user (initdb refuses root)."""

    def __init__(self, d, password):
        self.dir = os.path.join(d, "pgdata")
        self.port = free_port()
        bindir = "/usr/lib/postgresql/15/bin"
        pw = os.path.join(d, "pw")
        open(pw, "w").write(password)
        os.makedirs(self.dir)
        pre = []
        if os.geteuid() == 0:
            pre = ["runuser", "-u", "postgres", "--"]
            os.chmod(d, 0o755)
            shutil.chown(self.dir, "postgres")
            shutil.chown(pw, "postgres")
        subprocess.run(pre + [f"{bindir}/initdb", "-D", self.dir, "-U", "ingest", "--auth=scram-sha-256",
                              f"--pwfile={pw}"], check=True, capture_output=True)
        self.p = subprocess.Popen(pre + [f"{bindir}/postgres", "-D", self.dir, "-p", str(self.port), "-k",
                                         self.dir, "-c", "listen_addresses=127.0.0.1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = wait_for(lambda: subprocess.run([f"{bindir}/pg_isready", "-h", "127.0.0.1", "-p",
                                              str(self.port)], capture_output=True).returncode == 0, 60)
        if not ok:
            raise Failure("postgres did not start")

    def close(self):
        self.p.terminate()
        self.p.wait()


def check_password_refused(t, env, data, pg):
    db = DebianPG(env.dir, "right-secret")
    try:
        spec = spec_file(env, "auth", db.port, extra='{"user": "ingest"}')
        job = env.coord("submit", "--pipeline", spec, data).stdout.strip()
        w = env.start_worker("--exit-when-idle", "--max-attempts", "2", env={"PGPASSWORD": "wrong-secret"})
        env.wait_all([w])
        st = env.status(job)
        errs = " ".join(env.cli_lines("HVALS", f"ingest:job:{job}:errors"))
        t.check(st["state"] == "failed" and "password authentication failed" in errs and
                "attempt 2 of 2" in errs, f"refused password: retried, then failed: {errs}")
        log = open(w.logpath).read()
        t.check("wrong-secret" not in log and "wrong-secret" not in errs, "the password is never logged")
        # the right password gets in; Debian has no pgvector, so the setup fails - nothing half-written
        job = env.coord("submit", "--pipeline", spec, data).stdout.strip()
        env.wait_all([env.start_worker("--exit-when-idle", "--max-attempts", "1",
                                       env={"PGPASSWORD": "right-secret"})])
        errs = " ".join(env.cli_lines("HVALS", f"ingest:job:{job}:errors"))
        t.check("password" not in errs and "vector" in errs, f"logged in, no pgvector: {errs}")
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(db.port), "-U", "ingest", "-d", "postgres",
                            "-AtX", "-c", "SELECT count(*) FROM pg_tables WHERE tablename = 'data_auth'"],
                           capture_output=True, text=True, env=dict(os.environ, PGPASSWORD="right-secret"))
        t.check(r.stdout.strip() == "0", f"no table left by the failed setup ({r.stdout.strip()})")
    finally:
        db.close()


def check_wrong_dim(t, env, data, pg):
    job = env.coord("submit", "--pipeline", spec_file(env, "wrongdim", pg.port, dim=1536), data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    st = env.status(job)
    errs = " ".join(env.cli_lines("HVALS", f"ingest:job:{job}:errors"))
    t.check(st["state"] == "failed" and "embed_dim is 1536" in errs and "attempt 1 of" in errs,
            f"dimension mismatch fails at once: {errs}")
    t.check(pg.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'data_wrongdim'") == "0",
            "nothing written")


def check_spec_secrets(t, env, data, pg):
    for bad, what in (('{"password": "hunter2"}', "must not be in the spec"),
                      ('{"connection_string": "postgresql://u:p@h/db"}', "must not be in the spec"),
                      ('{"table_name": "x; drop"}', "SQL identifier"),
                      ('{"hybrid_search": true}', "not supported")):
        r = env.coord("submit", "--pipeline", spec_file(env, "s", 1, extra=bad), data, check=False)
        t.check(r.returncode == 2 and what in r.stderr and "hunter2" not in r.stderr,
                f"{bad} refused: {r.stderr.strip()}")


def table_count(pg, table):
    try:
        return int(pg.sql(f"SELECT count(*) FROM data_{table}"))
    except Failure:
        return 0


def main():
    import argparse
    ap = argparse.ArgumentParser()
    for k in ("coordinator", "worker", "data", "pg_server"):
        ap.add_argument("--" + k.replace("_", "-"), required=True)
    a = ap.parse_args()
    t = Checker()
    pg = PG(a.pg_server)
    try:
        for fn in (check_job_into_pgvector, check_written_twice, check_database_down,
                   check_password_refused, check_wrong_dim, check_spec_secrets):
            env = Env(a.coordinator, a.worker)
            try:
                fn(t, env, os.path.join(a.data, "sample"), pg)
            except (Failure, KeyError, ValueError) as e:
                t.check(False, f"{fn.__name__}: {e!r}")
            finally:
                env.close()
    finally:
        pg.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
