#!/usr/bin/env python3
"""test_cache_e2e.py - the transformation cache through the whole system:
coordinator, real redis-server(s), real workers, the project's fake OpenAI
server counting requests and inputs.

Checks: a warm run gives the cold run's nodes exactly (ids, text, metadata,
embeddings) with zero embedding and chat requests, and `status --json`
counts the hits; re-batching (--batch-docs 1, then 7) makes no request;
one changed file of many sends only its chunks; "cache": false neither
reads nor writes; corrupted values planted in Redis are misses (a warning
each) and the output stays right; two workers writing the same entries at
once; a worker killed with SIGKILL while working leaves only valid entries;
--cache-redis puts the entries in another Redis; `cache stats` and
`cache clear [--older-than]`; retry after 401s; the docstore strategies."""
import json
import os
import subprocess
import sys
import time

from harness import Env, Failure, run_checks

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_remote_e2e import SECRET, Fake, exact, get_content_embed, write_spec  # noqa: E402

WORDS = ("ledger revenue margin cash flow segment audit filing quarter guidance debt equity "
         "dividend liquidity capital expense growth risk market customer product").split()


def make_corpus(d, n=12):
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        sents = []
        for s in range(40 + 7 * i):
            w = [WORDS[(i * 7 + s * 3 + k * 5) % len(WORDS)] for k in range(6 + s % 5)]
            sents.append(" ".join(w).capitalize() + f" number {i}.{s}.")
        open(os.path.join(d, f"doc{i:02d}.txt"), "w").write(" ".join(sents) + "\n")
    return d


def spec_of(env, fake, title=False, extra=None):
    tfs = [{"class_name": "SentenceSplitter", "chunk_size": 96, "chunk_overlap": 8}]
    if title:
        tfs.append({"class_name": "TitleExtractor", "nodes": 2, "llm": {"api_base": fake.base}})
    tfs.append({"class_name": "OpenAIEmbedding", "api_base": fake.base, "embed_batch_size": 16})
    p = write_spec(env, f"spec{len(os.listdir(env.dir))}.json", tfs)
    if extra:
        s = json.load(open(p))
        s.update(extra)
        json.dump(s, open(p, "w"))
    return p


def job_run(env, data, spec, batch_docs=3, workers=1, wargs=()):
    job = env.coord("submit", "--batch-docs", str(batch_docs), "--pipeline", spec,
                    data).stdout.strip()
    ws = [env.start_worker("--exit-when-idle", *wargs, env={"OPENAI_API_KEY": SECRET})
          for _ in range(workers)]
    codes = env.wait_all(ws, timeout=120)
    if codes != [0] * workers:
        raise Failure(f"workers exited {codes}")
    return job, ws


def counts(fake):
    s = fake.call("/stats")
    fake.call("/stats/reset", {})
    return s["embedding_requests_ok"], s["chat_ok"], s["embedding_inputs"]


def by_id(nodes):
    return {n["id_"]: n for n in nodes}


def logs(ws):
    return "".join(open(w.logpath, encoding="utf-8", errors="replace").read() for w in ws)


def check_cold_warm(t, env, data):
    fake = Fake(env.dir)
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"))
        spec = spec_of(env, fake, title=True)
        cold, _ = job_run(env, corpus, spec)
        ce, cc, _ = counts(fake)
        warm, ws = job_run(env, corpus, spec)
        we, wc, _ = counts(fake)
        a, b = env.export(cold), env.export(warm)
        t.check(ce > 0 and cc > 0, f"cold run asked the API ({ce} embedding, {cc} chat)")
        t.check(we == 0 and wc == 0, f"warm run: zero requests ({we} embedding, {wc} chat)")
        t.check(len(a) > 20 and a == b, f"warm nodes identical to cold ({len(a)} vs {len(b)})")
        t.check(all(exact(n) for n in b), "warm embeddings are the embed strings' vectors")
        st = env.status(warm)
        cache = {c["class_name"]: c for c in st.get("cache", [])}
        emb, ttl = cache.get("OpenAIEmbedding", {}), cache.get("TitleExtractor", {})
        t.check(emb.get("hits") == len(b) and emb.get("misses") == 0 and emb.get("unit") == "nodes",
                f"status --json: embedding hits per node {emb}")
        t.check(ttl.get("hits") == 12 and ttl.get("misses") == 0,
                f"status --json: extractor hits per document {ttl}")
        cst = env.status(cold).get("cache", [])
        t.check(sum(c["misses"] for c in cst) == len(a) + 12 and sum(c["hits"] for c in cst) == 0,
                f"cold run: all misses {cst}")
        text = env.coord("status", warm).stdout
        t.check("OpenAIEmbedding" in text and "hits" in text, "status text shows the cache")
        # re-batching: other batch sizes hit the same entries
        for bd in (1, 7):
            j, _ = job_run(env, corpus, spec, batch_docs=bd)
            e, c, _ = counts(fake)
            t.check(e == 0 and c == 0 and env.export(j) == a,
                    f"--batch-docs {bd}: zero requests ({e}, {c}) and the same nodes")
        # the same files named one by one in reverse order: the same entries
        files = sorted((os.path.join(corpus, f) for f in os.listdir(corpus)), reverse=True)
        j = env.coord("submit", "--batch-docs", "5", "--pipeline", spec, *files).stdout.strip()
        env.wait_all([env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET})])
        e, c, _ = counts(fake)
        t.check(e == 0 and c == 0 and by_id(env.export(j)) == by_id(a),
                f"files in another order: zero requests ({e}, {c}) and the same nodes")
        # one file changed of many: only its new embed strings are sent
        p = os.path.join(corpus, "doc05.txt")
        open(p, "a").write("A new closing sentence about revenue.\n")
        j, _ = job_run(env, corpus, spec)
        e, c, inputs = counts(fake)
        seen = {get_content_embed(n) for n in a}
        out = env.export(j)
        new = [n for n in out if get_content_embed(n) not in seen]
        t.check(e >= 1 and inputs == len(new) and new and
                all(n["metadata"]["file_name"] == "doc05.txt" for n in new),
                f"one file changed: {inputs} inputs sent, for its {len(new)} new chunks")
        t.check(all(exact(n) for n in out), "one file changed: embeddings right")
        t.check(c == 2 + 1, f"one file changed: only its title prompts ({c})")
        # "cache": false reads and writes nothing
        env.cli("FLUSHDB")
        off = spec_of(env, fake, extra={"cache": False})
        job_run(env, corpus, off)
        job_run(env, corpus, off)
        e, _, _ = counts(fake)
        keys = env.cli_lines("--scan", "--pattern", "ingest:cache:*")
        t.check(e > 0 and not keys, f'"cache": false: requests both times ({e}), no entries')
    finally:
        fake.close()


def check_corrupt(t, env, data):
    fake = Fake(env.dir)
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 4)
        spec = spec_of(env, fake)
        cold, _ = job_run(env, corpus, spec)
        counts(fake)
        keys = sorted(env.cli_lines("--scan", "--pattern", "ingest:cache:e:*"))
        t.check(len(keys) > 5, f"entries written ({len(keys)})")
        env.cli("SET", keys[0], "garbage")
        # a valid value under another key: its tag does not match
        env.cli("EVAL", "return redis.call('SET', KEYS[1], redis.call('GET', KEYS[2]))", "2",
                keys[2], keys[3])
        env.cli("SETRANGE", keys[4], "40", "X")  # a flipped byte inside the vector
        env.cli("SET", keys[5], "")
        warm, ws = job_run(env, corpus, spec)
        e, _, inputs = counts(fake)
        t.check(env.export(warm) == env.export(cold), "output right despite corrupt values")
        t.check(inputs == 4, f"the 4 corrupt entries were misses ({inputs} inputs re-sent)")
        t.check(logs(ws).count("event=cache_bad_value") == 4, "one warning per bad value")
        again, _ = job_run(env, corpus, spec)
        e, _, _ = counts(fake)
        t.check(e == 0, f"the rewritten entries hit ({e} requests)")
    finally:
        fake.close()


def check_concurrent_and_kill(t, env, data):
    fake = Fake(env.dir, "--latency-ms", "30")
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 12)
        spec = spec_of(env, fake)
        # two jobs of the same corpus, two workers: the same entries written at once
        j1 = env.coord("submit", "--batch-docs", "1", "--pipeline", spec, corpus).stdout.strip()
        j2 = env.coord("submit", "--batch-docs", "2", "--pipeline", spec, corpus).stdout.strip()
        ws = [env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET}) for _ in range(2)]
        t.check(env.wait_all(ws) == [0, 0], "both workers exit 0")
        a, b = env.export(j1), env.export(j2)
        t.check(a == b and len(a) > 20 and all(exact(n) for n in a),
                "two workers, two jobs writing the same entries: right and identical output")
        counts(fake)
        j3, _ = job_run(env, corpus, spec)
        e, _, _ = counts(fake)
        t.check(e == 0 and env.export(j3) == a, f"afterwards: all hits ({e} requests)")
        # SIGKILL while the worker is embedding and writing
        env.cli("FLUSHDB")
        job = env.coord("submit", "--batch-docs", "1", "--pipeline", spec, corpus).stdout.strip()
        w = env.start_worker("--id", "victim", "--concurrency", "2", env={"OPENAI_API_KEY": SECRET})
        deadline = time.time() + 30
        while time.time() < deadline and fake.call("/stats")["embedding_requests_ok"] < 3:
            time.sleep(0.01)
        w.kill()
        w.wait()
        w2 = env.start_worker("--id", "victim", "--exit-when-idle", env={"OPENAI_API_KEY": SECRET})
        t.check(env.wait_all([w2]) == [0], "restarted worker finishes")
        out = env.export(job)
        t.check(by_id(out) == by_id(a) and env.status(job)["state"] == "done",
                "after SIGKILL: the job's nodes are right")
        j4, ws4 = job_run(env, corpus, spec)
        t.check(env.export(j4) == a and "cache_bad_value" not in logs(ws4),
                "after SIGKILL: every entry left in Redis is valid")
    finally:
        fake.close()


def check_retry(t, env, data):
    """A job whose new documents failed with 401 (bad key) ends failed; retry
    with the right key re-runs only them, paying only for their chunks."""
    fake = Fake(env.dir, "--require-key", SECRET)
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 8)
        spec = spec_of(env, fake)
        job_run(env, corpus, spec)
        make_corpus(corpus, 10)  # two more documents, the first 8 unchanged
        counts(fake)
        job = env.coord("submit", "--batch-docs", "3", "--pipeline", spec, corpus).stdout.strip()
        env.wait_all([env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": "sk-wrong"})])
        st = env.status(job)
        errs = env.cli_lines("HGETALL", f"ingest:job:{job}:errors")
        t.check(st["state"] == "failed" and st["documents_failed"] == 2,
                f"API errors: job failed with its 2 new documents failed: {st}")
        t.check(any("401" in e for e in errs[1::2]), f"the API's 401 recorded: {errs}")
        r = env.coord("retry", job)
        t.check("2 documents requeued" in r.stdout, f"retry requeues the 2: {r.stdout}")
        t.check(env.status(job)["state"] == "running", "retried job is running again")
        counts(fake)
        env.wait_all([env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET})])
        e, _, inputs = counts(fake)
        st = env.status(job)
        out = env.export(job)
        mine = [n for n in out if n["metadata"]["file_name"] in ("doc08.txt", "doc09.txt")]
        t.check(st["state"] == "done" and st["documents_failed"] == 0 and
                st["documents_done"] == 10, f"after retry: done, nothing failed {st}")
        t.check(inputs == len(mine) and e >= 1, f"retry paid only for the 2 documents' chunks "
                                                f"({inputs} inputs, {len(mine)} chunks)")
        fresh, _ = job_run(env, corpus, spec)
        t.check(by_id(out) == by_id(env.export(fresh)) and all(exact(n) for n in out),
                "after retry: the job's nodes are a clean run's")
        t.check(not env.cli_lines("--scan", "--pattern", f"ingest:job:{job}:batch:*"),
                "retried payloads released")
        r = env.coord("retry", job)
        t.check("0 documents requeued" in r.stdout, f"nothing left to retry: {r.stdout}")
        t.check(env.coord("retry", "no-such-job", check=False).returncode == 2, "unknown job")
    finally:
        fake.close()


def check_retry_dead(t, env, data):
    """A dead batch (its worker crashed reading it, --max-attempts 1) keeps its
    payload; retry re-runs it and the job ends done."""
    fake = Fake(env.dir)
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 3)
        spec = spec_of(env, fake)
        job = env.coord("submit", "--batch-docs", "10", "--pipeline", spec, corpus).stdout.strip()
        # the worker kills itself reading doc01: a failed delivery (lease lost in a CPU stage)
        w = env.start_worker("--id", "doomed", "--threads", "1",
                             env={"OPENAI_API_KEY": SECRET, "INGEST_TEST_CRASH_ON": "doc01"})
        w.wait()
        w2 = env.start_worker("--id", "doomed", "--max-attempts", "1", "--exit-when-idle",
                              env={"OPENAI_API_KEY": SECRET})
        env.wait_all([w2])
        st = env.status(job)
        t.check(st["state"] == "failed" and st["batches_dead"] == 1 and st["documents_failed"] == 3,
                f"crashed once over the limit: the batch is dead {st}")
        r = env.coord("retry", job)
        t.check("3 documents requeued in 1 batches" in r.stdout, f"retry takes the dead batch: {r.stdout}")
        env.wait_all([env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET})])
        st = env.status(job)
        out = env.export(job)
        t.check(st["state"] == "done" and st["batches_dead"] == 0 and st["documents_failed"] == 0
                and len({n["metadata"]["file_name"] for n in out}) == 3 and all(exact(n) for n in out),
                f"after retry: done with every document {st}")
    finally:
        fake.close()


def check_docstore(t, env, data):
    """LlamaIndex's docstore strategies: unchanged documents skipped and
    counted, changed ones re-processed, absent ones deleted; a document whose
    processing failed is not recorded, so the next run processes it."""
    fake = Fake(env.dir, "--require-key", SECRET)
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 6)

        def ds_run(coll, strategy="upserts", key=SECRET):
            spec = spec_of(env, fake, extra={"docstore": {"collection": coll, "strategy": strategy}})
            job = env.coord("submit", "--batch-docs", "2", "--pipeline", spec, corpus).stdout.strip()
            env.wait_all([env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": key})])
            st = env.status(job)
            return job, st, st.get("docstore", {}), env.export(job)

        job, st, ds, out = ds_run("nightly", key="sk-wrong")
        t.check(st["documents_failed"] == 6 and env.cli("HLEN", "ingest:docstore:nightly") == "0",
                f"failed documents are not recorded ({st['documents_failed']} failed)")
        job, st, ds, out = ds_run("nightly")
        t.check(ds == {"new": 6, "changed": 0, "unchanged": 0, "deleted": 0, "files_skipped": 0} and len(out) > 10,
                f"first run: 6 new {ds}")
        t.check(env.cli("HLEN", "ingest:docstore:nightly") == "6", "6 documents recorded")
        counts(fake)
        job, st, ds, out = ds_run("nightly")
        e, _, _ = counts(fake)
        t.check(ds.get("unchanged") == 6 and ds.get("new") == 0 and out == [] and e == 0
                and st["state"] == "done", f"same folder again: 6 unchanged, skipped {ds}")
        p = os.path.join(corpus, "doc02.txt")
        txt = open(p).read()
        open(p, "w").write("Revised. " + txt)
        job, st, ds, out = ds_run("nightly")
        t.check(ds.get("changed") == 1 and ds.get("unchanged") == 5 and out and
                {n["metadata"]["file_name"] for n in out} == {"doc02.txt"},
                f"one file changed: re-processed alone {ds}")
        text = env.coord("status", job).stdout
        t.check("docstore:       0 new, 1 changed, 5 unchanged (skipped)" in text,
                f"status text shows the docstore counters:\n{text}")
        job, st, ds, out = ds_run("dups", "duplicates_only")
        job, st, ds, out = ds_run("dups", "duplicates_only")
        t.check(ds.get("unchanged") == 6 and out == [], f"duplicates_only: seen hashes skipped {ds}")
        job, st, ds, out = ds_run("mirror", "upserts_and_delete")
        os.unlink(os.path.join(corpus, "doc04.txt"))
        job, st, ds, out = ds_run("mirror", "upserts_and_delete")
        t.check(ds.get("deleted") == 1 and ds.get("unchanged") == 5,
                f"upserts_and_delete: the removed file counted as deleted {ds}")
        gone = env.cli_lines("SMEMBERS", f"ingest:job:{job}:deleted")
        t.check(len(gone) == 1 and gone[0].endswith("doc04.txt") and
                env.cli("HEXISTS", "ingest:docstore:mirror", gone[0]) == "0" and
                env.cli("HLEN", "ingest:docstore:mirror") == "5",
                f"its record is gone from the collection ({gone})")
    finally:
        fake.close()


def check_separate_redis_and_commands(t, env, data):
    fake = Fake(env.dir)
    other = Env.__new__(Env)  # a second private redis-server for the cache
    other.dir = os.path.join(env.dir, "cache-redis")
    os.makedirs(other.dir)
    other.sock = os.path.join(other.dir, "redis.sock")
    other.url = "unix://" + other.sock
    other.redis_args = []
    other.procs = []
    other.start_redis()
    try:
        corpus = make_corpus(os.path.join(env.dir, "docs"), 4)
        spec = spec_of(env, fake, extra={"cache_ttl": 3600})
        job_run(env, corpus, spec, wargs=("--cache-redis", other.url))
        mine = env.cli_lines("--scan", "--pattern", "ingest:cache:*")
        theirs = other.cli_lines("--scan", "--pattern", "ingest:cache:*")
        t.check(not mine and len(theirs) > 5, f"--cache-redis: entries in the cache Redis only "
                                              f"({len(mine)} / {len(theirs)})")
        ttl = int(other.cli("TTL", theirs[0]) or -1)
        t.check(3500 < ttl <= 3600, f"cache_ttl from the spec applied ({ttl})")
        counts(fake)
        job_run(env, corpus, spec, wargs=("--cache-redis", other.url))
        t.check(counts(fake)[0] == 0, "warm run through the separate cache Redis")
        cr = ("--cache-redis", other.url)
        st = env.coord("cache", "stats", *cr).stdout
        t.check(f"entries:        {len(theirs)} " in st and "recent jobs:" in st,
                f"cache stats counts the entries:\n{st}")
        r = env.coord("cache", "clear", "--older-than", "1d", *cr).stdout
        t.check("removed 0 entries" in r, f"nothing older than a day: {r}")
        other.cli("SET", "ingest:cache:e:junk", "not a value")
        r = env.coord("cache", "clear", "--older-than", "1d", *cr).stdout
        t.check("removed 1 entries" in r, f"an undecodable value is cleared: {r}")
        r = env.coord("cache", "clear", *cr).stdout
        t.check(f"removed {len(theirs)} entries" in r and
                not other.cli_lines("--scan", "--pattern", "ingest:cache:*"), f"cache clear: {r}")
        gone = "unix://" + os.path.join(env.dir, "no-such.sock")
        j, ws = job_run(env, corpus, spec, wargs=("--cache-redis", gone))
        t.check(env.status(j)["state"] == "done" and all(exact(n) for n in env.export(j)) and
                "cache_connect_failed" in logs(ws), "cache Redis unreachable: misses, right output")
        bad = env.coord("cache", "clear", "--older-than", "soon", check=False)
        t.check(bad.returncode == 2, "bad duration is a usage error")
        t.check(env.coord("cache", "bogus", check=False).returncode == 2, "unknown subcommand")
    finally:
        fake.close()
        other.redis.terminate()
        other.redis.wait()


if __name__ == "__main__":
    sys.exit(run_checks([check_cold_warm, check_corrupt, check_concurrent_and_kill, check_retry,
                         check_retry_dead, check_docstore, check_separate_redis_and_commands], "sample"))
