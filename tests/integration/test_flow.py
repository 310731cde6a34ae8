#!/usr/bin/env python3
"""test_flow.py - bounded data flow: the submit window (and what it holds in
Redis), the submitter's lease and `submit --resume`, `export --follow`
killed and restarted, `delete`, retention TTLs, memory bounded while a
larger corpus flows.  Nothing here depends on timing: waits are for states."""
import json
import os
import random
import signal
import subprocess
import sys
import time

from harness import Failure, run_checks
from test_spine import wait_for


def make_corpus(root, nfiles, size, seed):
    """nfiles distinct text files of about size bytes (no two alike)."""
    rnd = random.Random(seed)
    words = ["ledger", "revenue", "margin", "asset", "equity", "cash", "debt", "lease", "tax",
             "segment", "growth", "risk", "audit", "share", "bond", "yield", "cost", "sales"]
    os.makedirs(root, exist_ok=True)
    for i in range(nfiles):
        parts, n = [f"Document {i} of seed {seed}."], 0
        while n < size:
            s = " ".join(rnd.choice(words) for _ in range(rnd.randint(6, 18))).capitalize() + "."
            parts.append(s)
            n += len(s) + 1
            if rnd.random() < 0.1:
                parts.append("\n\n")
        open(os.path.join(root, f"doc{i:04d}.txt"), "w").write(" ".join(parts))
    return root


def job_keys(env, job):
    return sorted(env.cli_lines("--scan", "--pattern", f"ingest:job:{job}*"))


def coord_bg(env, *args):
    e = dict(os.environ, INGEST_REDIS_URL=env.url)
    p = subprocess.Popen([env.coordinator] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=e)
    env.procs.append(p)
    return p


def hget(env, job, field):
    return env.cli("HGET", f"ingest:job:{job}", field)


def source_ids(nodes):
    return [n["relationships"]["1"]["node_id"] for n in nodes]


def blocked_submit(env, corpus, *extra):
    """A submit with a 3-batch window and no workers: it prints the job id,
    pushes 3 batches and says it is waiting for workers."""
    p = coord_bg(env, "submit", "--batch-docs", "1", "--max-pending-batches", "3", *extra, corpus)
    job = p.stdout.readline().strip()
    if not job:
        raise Failure("submit printed no job id: " + p.stderr.read())
    line = p.stderr.readline()  # blocks until the waiting message (no workers: it must come)
    return p, job, line


def check_window_resume(t, env, data):
    corpus = make_corpus(os.path.join(env.dir, "c"), 10, 3000, 1)
    p, job, line = blocked_submit(env, corpus)
    t.check("waiting for workers" in line, f"submit says it waits for workers: {line!r}")
    t.check(hget(env, job, "batches_total") == "3", "window: 3 batches pushed, no more")
    t.check(len(env.cli_lines("KEYS", f"ingest:job:{job}:batch:*")) == 3, "3 payloads in Redis")
    st = env.status(job)
    t.check(st["state"] == "submitting" and st["submitter_idle_seconds"] >= 0, f"submitting: {st}")
    p.kill()
    p.wait()
    # the submitter is gone: status keeps saying so, with its idle time
    text = env.coord("status", job).stdout
    t.check("submitting (last progress of the submitter" in text, f"status text: {text}")
    r = env.coord("submit", "--resume", job, os.path.join(env.dir, "other"), check=False)
    t.check(r.returncode == 2 and "other paths" in r.stderr, f"resume with other paths refused: {r.stderr}")
    ws = [env.start_worker("--exit-when-idle") for _ in range(2)]
    r = env.coord("submit", "--resume", job, corpus)
    t.check(r.stdout.strip() == job, "resume prints the job id")
    env.wait_all(ws)
    st = env.status(job)
    t.check(st["state"] == "done" and st["documents_total"] == 10 and st["batches_total"] == 10,
            f"resumed job complete: {st}")
    ids = source_ids(env.export(job))
    want = sorted(f"doc{i:04d}.txt" for i in range(10))
    t.check(sorted({os.path.basename(i) for i in ids}) == want, f"every document once: {sorted(set(ids))[:3]}")
    t.check(len(ids) == st["nodes"], "no node twice")
    r = env.coord("submit", "--resume", job, corpus, check=False)
    t.check(r.returncode == 2 and "nothing to resume" in r.stderr, f"resume of a done job: {r.stderr}")


def check_takeover(t, env, data):
    """A resume while the first submitter is alive takes the lease: the first
    one stops with a clear error instead of pushing batches twice."""
    corpus = make_corpus(os.path.join(env.dir, "c"), 8, 2000, 2)
    p, job, _ = blocked_submit(env, corpus)
    q = coord_bg(env, "submit", "--resume", job, corpus)
    t.check(q.stdout.readline().strip() == job, "second submitter took over")
    ws = [env.start_worker("--exit-when-idle")]
    p.wait(timeout=60)
    q.wait(timeout=60)
    err = p.stderr.read()
    t.check(p.returncode == 1 and "another submitter took over" in err, f"first stops: {err}")
    t.check(q.returncode == 0, "second finishes")
    env.wait_all(ws)
    st = env.status(job)
    t.check(st["state"] == "done" and st["documents_total"] == 8 and st["batches_total"] == 8, f"{st}")
    ids = source_ids(env.export(job))
    t.check(len(set(ids)) == 8 and len(ids) == st["nodes"], "each document once")


def check_follow_restart(t, env, data):
    corpus = make_corpus(os.path.join(env.dir, "c"), 12, 6000, 3)
    ref_job = env.coord("submit", corpus).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    ref = env.export(ref_job)
    out = os.path.join(env.dir, "follow.jsonl")
    w = env.start_worker("--concurrency", "1")
    sub = coord_bg(env, "submit", "--stream", "--batch-docs", "1", "--max-pending-batches", "2", corpus)
    job = sub.stdout.readline().strip()
    f = coord_bg(env, "export", job, "--follow", "-o", out)
    t.check(wait_for(lambda: int(hget(env, job, "follow_seq") or 0) >= 3, 60), "follower advanced")
    f.kill()
    f.wait()
    with open(out, "a") as fh:  # a torn, uncommitted line
        fh.write('{"id_": "torn')
    f = coord_bg(env, "export", job, "--follow", "-o", out)
    f.wait(timeout=120)
    sub.wait(timeout=60)
    t.check(f.returncode == 0 and sub.returncode == 0, f"follower and submitter exit 0: {f.stderr.read()}")
    w.send_signal(signal.SIGTERM)
    env.wait_all([w], timeout=30)
    got = [json.loads(l) for l in open(out)]
    t.check(len(got) == len(ref) == env.status(job)["nodes"], f"all nodes, once ({len(got)} vs {len(ref)})")
    t.check([n["id_"] for n in got] == [n["id_"] for n in ref], "same nodes, same order as export")
    t.check(got == ref, "same content as a plain export")
    t.check(env.cli_lines("KEYS", f"ingest:job:{job}:out:*") == [], "outputs deleted once written")
    t.check(env.coord("export", job, "--follow", "-o", out).returncode == 0 and
            len(open(out).readlines()) == len(ref), "a rerun after the end adds nothing")


def check_delete(t, env, data):
    job = env.coord("submit", "--batch-docs", "1", data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    t.check(len(job_keys(env, job)) > 3, "a finished job has keys")
    r = env.coord("delete", job)
    t.check(r.stdout.strip() == "deleted", "delete prints deleted")
    t.check(job_keys(env, job) == [], f"no key of the job left (SCAN): {job_keys(env, job)}")
    t.check(env.cli("ZSCORE", "ingest:jobs", job) == "", "job left the job list")
    t.check(env.coord("delete", job, check=False).returncode == 2, "delete of an unknown job -> 2")
    # deleting a job that is still being submitted, with refs on the queue
    corpus = make_corpus(os.path.join(env.dir, "c"), 6, 2000, 4)
    p, job, _ = blocked_submit(env, corpus)
    env.coord("delete", job)
    p.wait(timeout=60)
    t.check(p.returncode == 1 and "submission stopped" in p.stderr.read(), "submitter stops")
    env.wait_all([env.start_worker("--exit-when-idle")])
    t.check(job_keys(env, job) == [], "workers popping its refs recreate nothing")
    t.check(env.cli("LLEN", "ingest:queue") == "0", "its refs were dropped")


def check_retention(t, env, data):
    job = env.coord("submit", "--retention", "100", data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    ttls = {k: int(env.cli("TTL", k)) for k in job_keys(env, job)}
    t.check(ttls and all(0 < v <= 100 for v in ttls.values()), f"every key expires within 100 s: {ttls}")
    job = env.coord("submit", data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    ttl = int(env.cli("TTL", f"ingest:job:{job}"))
    t.check(604000 < ttl <= 604800, f"default retention 7 days ({ttl})")
    job = env.coord("submit", "--retention", "0", data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    t.check(env.cli("TTL", f"ingest:job:{job}") == "-1", "--retention 0 keeps forever")


def check_bounded_memory(t, env, data):
    """8 MB of text flows through a 4-batch, 256 KB window with a follower:
    Redis never holds more than the window, whatever the speed."""
    corpus = make_corpus(os.path.join(env.dir, "big"), 128, 64 * 1024, 5)
    base = int(env.cli("MEMORY", "USAGE", "ingest:queue") or 0)
    used0 = int([l for l in env.cli_lines("INFO", "memory") if l.startswith("used_memory:")][0].split(":")[1])
    ws = [env.start_worker("--concurrency", "2") for _ in range(2)]
    sub = coord_bg(env, "submit", "--stream", "--batch-docs", "1", "--max-pending-batches", "4",
                   "--max-pending-bytes", str(256 * 1024), corpus)
    job = sub.stdout.readline().strip()
    out = os.path.join(env.dir, "o.jsonl")
    f = coord_bg(env, "export", job, "--follow", "-o", out)
    peak_keys = peak_mem = 0
    while f.poll() is None:
        n = int(env.cli("EVAL", "return #redis.call('KEYS', ARGV[1]) + #redis.call('KEYS', ARGV[2])",
                        "0", f"ingest:job:{job}:batch:*", f"ingest:job:{job}:out:*"))
        used = int([l for l in env.cli_lines("INFO", "memory")
                    if l.startswith("used_memory:")][0].split(":")[1])
        peak_keys, peak_mem = max(peak_keys, n), max(peak_mem, used - used0)
    sub.wait(timeout=60)
    for w in ws:
        w.send_signal(signal.SIGTERM)
    env.wait_all(ws, timeout=30)
    st = env.status(job)
    t.check(st["state"] == "done" and st["documents_done"] == 128, f"job done: {st}")
    t.check(len(open(out).readlines()) == st["nodes"], "follower wrote every node")
    t.check(peak_keys <= 4, f"at most the window's 4 batches/outputs in Redis (peak {peak_keys})")
    t.check(peak_mem < 3 * 1024 * 1024, f"Redis grew < 3 MB for 8 MB of input (peak {peak_mem})")
    print(f"bounded flow: peak {peak_keys} batch/out keys, Redis +{peak_mem} bytes", flush=True)


def main():
    return run_checks((check_window_resume, check_takeover, check_follow_restart, check_delete,
                       check_retention, check_bounded_memory), "sample")


if __name__ == "__main__":
    sys.exit(main())
