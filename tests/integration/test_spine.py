#!/usr/bin/env python3
"""test_spine.py - the whole job through a real Redis: submit, two workers,
status, export; ids stable across runs; per-document errors; the reaper
recovering a dead worker's batch; graceful SIGTERM."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from harness import Failure, run_checks, wait_for  # noqa: F401 (test_threads)

TEXTNODE_KEYS = ["id_", "embedding", "metadata", "excluded_embed_metadata_keys",
                 "excluded_llm_metadata_keys", "relationships", "metadata_template",
                 "metadata_separator", "text", "mimetype", "start_char_idx", "end_char_idx",
                 "text_template", "class_name"]


def run_job(env, data, *extra):
    job = env.coord("submit", "--recursive", "--batch-docs", "1", *extra, data).stdout.strip()
    ws = [env.start_worker("--exit-when-idle") for _ in range(2)]
    codes = env.wait_all(ws)
    return job, codes


def check_full_run(t, env, data):
    job, codes = run_job(env, data)
    t.check(codes == [0, 0], f"workers exit 0 (got {codes})")
    st = env.status(job)
    t.check(st["state"] == "done", f"job done (got {st['state']})")
    t.check(st["documents_total"] == 4 and st["documents_done"] == 4, f"4 documents done: {st}")
    t.check(st["batches_total"] == 4 and st["batches_done"] == 4, "4 batches done")
    nodes = env.export(job)
    t.check(len(nodes) == st["nodes"] and len(nodes) > 4, f"export has all {st['nodes']} nodes")
    t.check(all(list(n.keys()) == TEXTNODE_KEYS for n in nodes), "TextNode keys in to_dict order")
    t.check(all(n["class_name"] == "TextNode" for n in nodes), "class_name TextNode")
    t.check(len({n["id_"] for n in nodes}) == len(nodes), "node ids unique")
    by_doc = {}
    for n in nodes:
        src = n["relationships"]["1"]
        t.check(src["node_type"] == "4" and src["class_name"] == "RelatedNodeInfo", "SOURCE rel")
        by_doc.setdefault(src["node_id"], []).append(n)
    # document ids and file_path: the path as SimpleDirectoryReader gives it (data is absolute)
    want_docs = {os.path.join(data, d) for d in ("operations-report.txt", "pipeline-overview.md",
                                                  "redis-notes.txt", "notes/unicode.txt")}
    t.check(set(by_doc) == want_docs, f"every document present: {sorted(by_doc)}")
    for doc, ns in by_doc.items():
        path = doc
        text = open(path, encoding="utf-8").read()
        for i, n in enumerate(ns):
            md = n["metadata"]
            t.check(md["file_path"] == path, "file_path is the path walked")
            t.check(md["file_name"] == os.path.basename(doc), "file_name")
            t.check(md["file_size"] == os.path.getsize(path), "file_size")
            t.check(n["excluded_embed_metadata_keys"] == ["file_name", "file_type", "file_size",
                    "creation_date", "last_modified_date", "last_accessed_date"], "excluded keys")
            t.check(len(n["embedding"]) == 384, "HashEmbedding dim 384")
            s, e = n["start_char_idx"], n["end_char_idx"]
            t.check(text[s:e] == n["text"], f"{doc} node {i}: text at its char indices")
            t.check(("2" in n["relationships"]) == (i > 0), "PREVIOUS iff not first")
            t.check(("3" in n["relationships"]) == (i < len(ns) - 1), "NEXT iff not last")
            if i > 0:
                t.check(n["relationships"]["2"]["node_id"] == ns[i - 1]["id_"], "PREVIOUS id")
    # a second run of the same files gives the same ids and texts
    job2, _ = run_job(env, data)
    nodes2 = env.export(job2)
    t.check([(n["id_"], n["text"]) for n in nodes] == [(n["id_"], n["text"]) for n in nodes2],
            "ids and texts stable across runs")
    t.check(env.cli("EXISTS", f"ingest:job:{job}:batch:0") == "0", "batch payload deleted on ack")
    t.check(env.cli("LLEN", "ingest:queue") == "0", "queue empty")


def check_bad_documents(t, env, data):
    bad = os.path.join(env.dir, "bad")
    os.makedirs(bad)
    shutil.copy(os.path.join(data, "redis-notes.txt"), bad)
    open(os.path.join(bad, "latin1.txt"), "wb").write(b"caf\xe9 au lait\n")
    open(os.path.join(bad, "binary.txt"), "wb").write(b"\x00\x01\x02ELF" * 10)
    open(os.path.join(bad, "empty.txt"), "wb").write(b"")
    job = env.coord("submit", bad).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    st = env.status(job)
    t.check(st["state"] == "failed" and st["documents_failed"] == 2, f"2 bad documents: {st}")
    errs = env.cli_lines("HGETALL", f"ingest:job:{job}:errors")
    t.check(os.path.join(bad, "latin1.txt") in errs and os.path.join(bad, "binary.txt") in errs,
            f"errors recorded: {errs}")
    ids = {n["relationships"]["1"]["node_id"] for n in env.export(job)}
    t.check(ids == {os.path.join(bad, "redis-notes.txt"), os.path.join(bad, "empty.txt")},
            f"good documents exported: {ids}")
    # --wait returns 3 and lists the failures
    w = env.start_worker("--exit-when-idle")
    r = env.coord("submit", "--wait", "--output", os.path.join(env.dir, "o.jsonl"), bad, check=False)
    env.wait_all([w])
    t.check(r.returncode == 3, f"submit --wait exits 3 on failed documents (got {r.returncode})")
    t.check("latin1.txt" in r.stderr and "invalid UTF-8" in r.stderr, "failures listed")
    t.check(len(open(os.path.join(env.dir, "o.jsonl")).readlines()) >= 2, "--output written")
    # a file the coordinator will not read is still shipped, as a failed document
    job = env.coord("submit", "--max-file-bytes", "100", bad).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    errs = dict(zip(*[iter(env.cli_lines("HGETALL", f"ingest:job:{job}:errors"))] * 2))
    t.check("larger than --max-file-bytes" in errs.get(os.path.join(bad, "redis-notes.txt"), ""),
            f"oversized file recorded as failed: {errs}")
    t.check(env.status(job)["documents_total"] == 4, "oversized file still counted")


def check_usage_errors(t, env, data):
    spec = os.path.join(env.dir, "bad.json")
    open(spec, "w").write('{"transformations":[{"class_name":"SentenceSplitter","chunk_size":-1}]}')
    r = env.coord("submit", "--pipeline", spec, data, check=False)
    t.check(r.returncode == 2 and "out of range" in r.stderr, f"bad spec -> exit 2: {r.stderr}")
    r = env.coord("submit", os.path.join(env.dir, "missing"), check=False)
    t.check(r.returncode == 2, "missing path -> exit 2")
    r = env.coord("status", "nosuchjob", check=False)
    t.check(r.returncode == 2 and "no such job" in r.stderr, "unknown job -> exit 2")
    r = env.coord("status", "x", "--redis", "redis://127.0.0.1:1/0", check=False)
    t.check(r.returncode == 1 and "cannot connect" in r.stderr, "unreachable redis -> exit 1")
    f = os.path.join(data, sorted(x for x in os.listdir(data) if x.endswith(".txt"))[0])
    plain, hashed = env.coord("split", f), env.coord("split", "--hash-embed", "64", f)
    t.check(plain.stdout and hashed.stdout == plain.stdout, "split --hash-embed: same chunks printed")
    r = env.coord("split", "--hash-embed", "0", f, check=False)
    t.check(r.returncode == 2 and "--hash-embed" in r.stderr, "split --hash-embed 0 -> exit 2")
    # split and tokens run in ingest-split: the coordinator loads no reader library
    needed = subprocess.run(["readelf", "-d", env.coordinator], capture_output=True, text=True).stdout
    t.check("libpoppler" not in needed and "libqpdf" not in needed and "libxml2" not in needed,
            "ingest-coordinator does not link the readers' libraries")
    tok = env.coord("tokens", f)
    t.check(tok.returncode == 0 and '"tokens":' in tok.stdout, f"tokens via ingest-split: {tok.stdout[:80]}")


def check_reaper(t, env, data):
    """A batch left on a dead worker's processing list is requeued and finished."""
    job = env.coord("submit", "--batch-docs", "10", data).stdout.strip()
    ref = env.cli("LPOP", "ingest:queue")
    env.cli("RPUSH", "ingest:processing:ghost-1", ref)
    env.cli("SADD", "ingest:workers", "ghost-1")
    env.cli("ZADD", "ingest:heartbeats", "1", "ghost-1")  # heartbeat deadline long past: dead
    env.wait_all([env.start_worker("--exit-when-idle", "--heartbeat-ttl", "3")])
    st = env.status(job)
    t.check(st["state"] == "done" and st["batches_done"] == 1, f"reaped batch finished: {st}")
    t.check(env.cli("EXISTS", "ingest:processing:ghost-1") == "0", "ghost list emptied")


def check_sigterm(t, env, data):
    w = env.start_worker("--id", "term-1")
    for _ in range(100):
        if env.cli("EXISTS", "ingest:worker:term-1") == "1":
            break
        time.sleep(0.05)
    t.check(env.cli("HGET", "ingest:worker:term-1", "pid") == str(w.pid), "heartbeat has pid")
    ttl = int(env.cli("TTL", "ingest:worker:term-1"))
    t.check(0 < ttl <= 15, f"heartbeat has a TTL ({ttl})")
    w.send_signal(signal.SIGTERM)
    t.check(env.wait_all([w], timeout=20) == [0], "SIGTERM -> exit 0")
    t.check(env.cli("EXISTS", "ingest:worker:term-1") == "0", "heartbeat removed on exit")
    t.check(env.cli("SISMEMBER", "ingest:workers", "term-1") == "0", "worker deregistered")


def frozen_worker_holding(env, wid, data):
    """Starts worker `wid`, lets it block in BLMOVE, freezes it (SIGSTOP), then
    submits: Redis hands the batch to the frozen worker - a crash mid-batch."""
    w = env.start_worker("--id", wid, "--heartbeat-ttl", "2", "--concurrency", "1")
    wait_for(lambda: env.cli("EXISTS", f"ingest:worker:{wid}") == "1")

    def blocked():  # the only worker, so the only client blocked in BLMOVE
        return any("cmd=blmove" in l and "b" in re.search(r"flags=(\S*)", l).group(1)
                   for l in (env.cli("CLIENT", "LIST") or "").splitlines())
    for _ in range(20):  # freeze it while it is blocked (its BLMOVE times out every second)
        wait_for(blocked)
        w.send_signal(signal.SIGSTOP)
        if blocked():
            break
        w.send_signal(signal.SIGCONT)
    job = env.coord("submit", "--batch-docs", "10", data).stdout.strip()
    held = wait_for(lambda: env.cli("LLEN", f"ingest:processing:{wid}") == "1")
    return w, job, held


def check_crash_recovery(t, env, data):
    """kill -9 of a worker holding a batch: another worker finishes it, once."""
    w1, job, held = frozen_worker_holding(env, "crash-1", data)
    t.check(held, "frozen worker holds the batch")
    w1.kill()
    w1.wait()
    w2 = env.start_worker("--exit-when-idle", "--heartbeat-ttl", "2")
    t.check(wait_for(lambda: env.status(job)["state"] == "done", 30), "job finished after the crash")
    env.wait_all([w2])
    st = env.status(job)
    nodes = env.export(job)
    t.check(st["batches_done"] == 1 and len(nodes) == st["nodes"] > 0, f"recorded once: {st}")
    t.check(len({n["id_"] for n in nodes}) == len(nodes), "no duplicate nodes")
    # the frozen worker never got to work on it: no failed delivery counted
    t.check(env.cli("HGET", f"ingest:job:{job}:attempts", "0") == "", "no failed delivery counted")


def check_restart_same_id(t, env, data):
    """A worker killed while holding a batch and restarted under the same id
    (as systemd does) hands the batch back at once - no heartbeat TTL wait."""
    w1, job, held = frozen_worker_holding(env, "same-1", data)
    t.check(held, "frozen worker holds the batch")
    w1.kill()
    w1.wait()
    w2 = env.start_worker("--id", "same-1", "--heartbeat-ttl", "60", "--exit-when-idle")
    t.check(wait_for(lambda: env.status(job)["state"] == "done", 15),
            "restarted worker finished its own batch well before the 60 s TTL")
    env.wait_all([w2])
    t.check("event=reclaimed" in open(w2.logpath).read(), "reclaim logged")


def check_redis_restart(t, env, data):
    """Redis dies and comes back (empty): a worker reconnects by itself and
    takes the next job - it neither exits nor hangs."""
    w = env.start_worker("--id", "rc-1")
    t.check(wait_for(lambda: env.cli("EXISTS", "ingest:worker:rc-1") == "1"), "worker up")
    env.kill_redis()
    time.sleep(0.8)
    t.check(w.poll() is None, "worker survives losing Redis")
    env.start_redis()
    t.check(wait_for(lambda: env.cli("EXISTS", "ingest:worker:rc-1") == "1", 15),
            "worker re-registered after Redis came back")
    job = env.coord("submit", data).stdout.strip()
    t.check(wait_for(lambda: env.status(job)["state"] == "done", 20), "job done after reconnect")
    w.send_signal(signal.SIGTERM)
    t.check(env.wait_all([w], timeout=20) == [0], "clean exit after the reconnect")
    log = open(w.logpath).read()
    t.check("event=redis_disconnected" in log and "event=redis_reconnecting" in log,
            "disconnect and reconnect logged")


def check_duplicate_ack(t, env, data):
    """A worker presumed dead (frozen past its TTL) wakes up and finishes the
    batch another worker already recorded: the second ack changes nothing."""
    w1, job, held = frozen_worker_holding(env, "slow-1", data)
    t.check(held, "frozen worker holds the batch")
    w2 = env.start_worker("--exit-when-idle", "--heartbeat-ttl", "2")
    t.check(wait_for(lambda: env.status(job)["state"] == "done", 30), "batch reaped and finished")
    env.wait_all([w2])
    before = env.status(job)
    w1.send_signal(signal.SIGCONT)
    t.check(wait_for(lambda: env.cli("LLEN", "ingest:processing:slow-1") == "0", 10),
            "woken worker acknowledged")
    w1.send_signal(signal.SIGTERM)
    env.wait_all([w1], timeout=20)
    after = env.status(job)
    t.check(after["nodes"] == before["nodes"] and after["batches_done"] == 1 and
            after["documents_done"] == before["documents_done"], f"nothing counted twice: {after}")
    t.check(len(env.export(job)) == before["nodes"], "export unchanged")


def check_cancel(t, env, data):
    job = env.coord("submit", "--batch-docs", "1", data).stdout.strip()
    r = env.coord("cancel", job)
    t.check(r.stdout.strip() == "cancelled", "cancel prints the new state")
    t.check(env.cli_lines("KEYS", f"ingest:job:{job}:batch:*") == [], "cancelled payloads removed")
    env.wait_all([env.start_worker("--exit-when-idle")])
    t.check(env.cli("LLEN", "ingest:queue") == "0", "workers dropped the cancelled refs")
    st = env.status(job)
    t.check(st["state"] == "cancelled" and st["nodes"] == 0, f"cancelled job untouched: {st}")
    r = env.coord("cancel", job)
    t.check(r.stdout.strip() == "cancelled", "cancel is idempotent")
    r = env.coord("cancel", "nosuchjob", check=False)
    t.check(r.returncode == 2, "cancel of an unknown job -> exit 2")


def main():
    return run_checks((check_full_run, check_bad_documents, check_usage_errors, check_reaper,
                       check_sigterm, check_cancel, check_crash_recovery, check_duplicate_ack,
                       check_restart_same_id, check_redis_restart),
                      "sample")


if __name__ == "__main__":
    sys.exit(main())
