#!/usr/bin/env python3
"""test_ops.py - the operator's commands against a real Redis and workers:
jobs, workers (live and recently died), watch (plain lines off a terminal,
width-fitted in-place frames on a pty), dead, the job event stream,
export -o that fails without touching the file, an empty submission, and
submit --wait riding out a Redis restart."""
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

from harness import Failure, run_checks, wait_for

ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def finished_job(env, data, *extra):
    job = env.coord("submit", "--batch-docs", "1", *extra, data).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    return job


def check_jobs(t, env, data):
    a = finished_job(env, data)
    b = env.coord("submit", data).stdout.strip()  # no worker: stays queued
    js = json.loads(env.coord("jobs", "--json").stdout)
    t.check([j["job"] for j in js] == [b, a], f"jobs newest first: {js}")
    t.check(all({"job", "state", "documents_total", "nodes"} <= set(j) for j in js), "job fields")
    st = {j["job"]: j["state"] for j in js}
    t.check(st[a] == "done" and st[b] == "queued", f"states: {st}")
    done = json.loads(env.coord("jobs", "--json", "--state", "done").stdout)
    t.check([j["job"] for j in done] == [a], "--state filter")
    t.check(len(json.loads(env.coord("jobs", "--json", "--limit", "1").stdout)) == 1, "--limit")
    txt = env.coord("jobs").stdout
    t.check(a in txt and "done" in txt and "3/0/3" in txt, f"table: {txt}")
    r = env.coord("jobs", "--state", "bogus", check=False)
    t.check(r.returncode == 2, "bad --state -> exit 2")
    t.check(env.coord("jobs", "--json", "--redis", "redis://127.0.0.1:1/0", check=False).returncode == 1,
            "unreachable Redis -> exit 1")


def check_workers(t, env, data):
    w = env.start_worker("--id", "ops-live-1")
    t.check(wait_for(lambda: env.cli("EXISTS", "ingest:worker:ops-live-1") == "1"), "worker up")
    # a dead worker holding a batch: registered, no heartbeat
    job = env.coord("submit", "--batch-docs", "10", data).stdout.strip()
    t.check(wait_for(lambda: env.status(job)["state"] == "done", 30), "job done")
    env.cli("RPUSH", "ingest:processing:ops-ghost-1", f"{job}:99")
    env.cli("SADD", "ingest:workers", "ops-ghost-1")
    t.check(wait_for(lambda: env.cli("SISMEMBER", "ingest:workers", "ops-ghost-1") == "0", 20), "ghost reaped")
    ws = json.loads(env.coord("workers", "--json").stdout)
    live = [x for x in ws if x["id"] == "ops-live-1"]
    t.check(len(live) == 1 and live[0]["state"] == "live" and live[0]["host"] and "version" in live[0],
            f"live worker listed: {live}")
    if live:
        t.check(live[0]["pid"] == w.pid and live[0]["batches_done"] == 1 and live[0]["nodes_done"] > 0,
                f"live worker figures: {live[0]}")
    dead = [x for x in ws if x["id"] == "ops-ghost-1"]
    t.check(len(dead) == 1 and dead[0]["state"] == "dead" and dead[0]["requeued"] == 1,
            f"died worker listed with its requeued batch: {dead}")
    lost = [e for e in events(env, job) if e.get("type") == "worker_lost"]
    t.check(lost and lost[0]["worker"] == "ops-ghost-1" and lost[0]["requeued"] == "1",
            f"worker_lost event: {lost}")
    txt = env.coord("workers").stdout
    t.check("ops-live-1" in txt and "recently died" in txt and "ops-ghost-1" in txt, f"table: {txt}")
    w.terminate()
    env.wait_all([w])
    t.check("no live workers" in env.coord("workers").stdout, "no live workers said")


def events(env, job):
    out, lines = [], env.cli_lines("XRANGE", f"ingest:job:{job}:events", "-", "+")
    # redis-cli prints id, then field, value, ... per entry; ids look like 123-0
    cur = None
    for l in lines:
        if re.fullmatch(r"\d+-\d+", l):
            cur = {}
            out.append(cur)
            key = None
        elif cur is not None:
            if key is None:
                key = l
            else:
                cur[key] = l
                key = None
    return out


def check_events(t, env, data):
    job = finished_job(env, data)
    ev = events(env, job)
    types = [e.get("type") for e in ev]
    t.check(types[:1] == ["started"] and types[-1:] == ["finished"], f"started ... finished: {types}")
    t.check(types.count("batch_done") == 3, f"one batch_done per batch: {types}")
    t.check(ev[-1:] and ev[-1].get("state") == "done", "finished with state")
    bd = [e for e in ev if e.get("type") == "batch_done"]
    t.check(all(e.get("worker") and e.get("ref", "").startswith(job + ":") for e in bd),
            f"batch_done has worker and ref: {bd[:1]}")
    t.check(sum(int(e["nodes"]) for e in bd) == env.status(job)["nodes"], "nodes add up")
    job2 = env.coord("submit", data).stdout.strip()
    env.coord("cancel", job2)
    t.check(events(env, job2)[-1:] and events(env, job2)[-1].get("state") == "cancelled", "cancel writes finished/cancelled")


def check_watch_plain(t, env, data):
    job = finished_job(env, data)
    r = env.coord("watch", job, "--interval", "0.2")
    t.check(r.returncode == 0, "watch of a done job exits 0")
    t.check("\x1b" not in r.stdout and "100%" in r.stdout and "3/3 docs" in r.stdout,
            f"plain line off a terminal: {r.stdout!r}")
    r = env.coord("watch", "nosuchjob", check=False)
    t.check(r.returncode == 2 and "no such job" in r.stderr, "watch of an unknown job -> exit 2")
    # a running job: lines while it runs, then the end when a worker finishes it
    job = env.coord("submit", "--batch-docs", "1", data).stdout.strip()
    e = dict(os.environ, INGEST_REDIS_URL=env.url)
    p = subprocess.Popen([env.coordinator, "watch", job, "--interval", "0.2"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=e)
    time.sleep(0.5)
    env.wait_all([env.start_worker("--exit-when-idle")])
    out, _ = p.communicate(timeout=30)
    lines = out.splitlines()
    t.check(p.returncode == 0 and len(lines) >= 2 and lines[0].startswith("  0%") and "100%" in lines[-1],
            f"watch follows a job to its end: {lines}")


def pty_frames(env, job, cols, rows):
    """Runs watch on a pty of cols x rows; returns its raw output."""
    mfd, sfd = pty.openpty()
    fcntl.ioctl(sfd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    e = dict(os.environ, INGEST_REDIS_URL=env.url, LANG="C.UTF-8")
    p = subprocess.Popen([env.coordinator, "watch", job], stdin=sfd, stdout=sfd, stderr=sfd, env=e)
    os.close(sfd)
    out = b""
    while True:
        r, _, _ = select.select([mfd], [], [], 20)
        if not r:
            break
        try:
            chunk = os.read(mfd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=10)
    os.close(mfd)
    return p.returncode, out.decode("utf-8", "replace")


def check_watch_tty(t, env, data):
    job = finished_job(env, data)
    for cols, rows in ((120, 30), (60, 20), (30, 5)):
        rc, out = pty_frames(env, job, cols, rows)
        t.check(rc == 0, f"{cols}x{rows}: exit 0")
        t.check("\x1b[H" in out and "\x1b[K" in out, f"{cols}x{rows}: cursor-home + clear-to-EOL")
        body = ESC.sub("", out).replace("\r", "")
        lines = [l for l in body.split("\n") if l]
        t.check(lines and all(len(l) < cols for l in lines), f"{cols}x{rows}: no line wraps: {lines}")
        t.check(len(lines) < rows, f"{cols}x{rows}: fits the height")
        t.check(any("100%" in l for l in lines), f"{cols}x{rows}: 100% shown")
        if cols >= 60:
            t.check(any("\u2588" in l for l in lines), f"{cols}x{rows}: unicode bar")


def check_dead(t, env, data):
    job = env.coord("submit", "--batch-docs", "10", data).stdout.strip()
    env.cli("HSET", f"ingest:job:{job}:attempts", "0", "5")  # delivered too often already
    env.wait_all([env.start_worker("--exit-when-idle", "--max-attempts", "3")])
    t.check(env.status(job)["state"] == "failed", "job failed")
    d = json.loads(env.coord("dead", job, "--json").stdout)
    batches = [x for x in d if x["kind"] == "batch"]
    docs = [x for x in d if x["kind"] == "document"]
    t.check(len(batches) == 1 and batches[0]["ref"] == f"{job}:0" and batches[0]["attempts"] == 5,  # failed deliveries: a claim adds none
            f"dead batch with attempts: {batches}")
    t.check(len(docs) == 3 and all("abandoned" in x["error"] for x in docs), f"failed docs: {docs}")
    txt = env.coord("dead", job).stdout
    t.check("1 dead batches, 3 failed documents" in txt, f"text: {txt}")
    t.check(env.coord("dead", "nosuchjob", check=False).returncode == 2, "dead of unknown job -> 2")
    t.check(any(e.get("type") == "batch_dead" for e in events(env, job)), "batch_dead event")


def check_small_things(t, env, data):
    out = os.path.join(env.dir, "keep.jsonl")
    open(out, "w").write("precious\n")
    r = env.coord("export", "nosuchjob", "-o", out, check=False)
    t.check(r.returncode == 2 and open(out).read() == "precious\n", "unknown job: -o untouched")
    t.check(not [f for f in os.listdir(env.dir) if ".tmp." in f], "no temp file left")
    job = finished_job(env, data)
    env.coord("export", job, "-o", out)
    t.check(len(open(out).readlines()) == env.status(job)["nodes"], "export -o writes the nodes")
    empty = os.path.join(env.dir, "empty")
    os.makedirs(empty)
    r = env.coord("submit", empty, check=False)
    t.check(r.returncode == 2 and "No files found in" in r.stderr, f"empty dir -> exit 2: {r.stderr}")
    t.check(env.cli("ZCARD", "ingest:jobs") == "1", "no job created for it")


def check_wait_through_restart(t, env, data):
    out = os.path.join(env.dir, "o.jsonl")
    e = dict(os.environ, INGEST_REDIS_URL=env.url)
    p = subprocess.Popen([env.coordinator, "submit", "--wait", "--output", out, data],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    t.check(wait_for(lambda: env.cli("ZCARD", "ingest:jobs") == "1"), "job submitted")
    time.sleep(0.3)
    env.cli("SAVE")  # the restarted server loads the data back (like AOF in production)
    env.kill_redis()
    time.sleep(1.0)
    t.check(p.poll() is None, "submit --wait survives Redis going away")
    env.start_redis()
    env.wait_all([env.start_worker("--exit-when-idle")])
    so, se = p.communicate(timeout=60)
    job = so.strip()
    t.check(p.returncode == 0, f"submit --wait exit 0 after the restart: {p.returncode} {se}")
    t.check("reconnecting" in se, "the wait said it was reconnecting")
    t.check(os.path.exists(out) and len(open(out).readlines()) == env.status(job)["nodes"],
            "--output written after the restart")


def check_wait_output_while_running(t, env, data):
    """submit --wait --output exports while the job runs (a thread of its own) and writes the
    bytes `export -o` writes after the job: same nodes, same order; outputs stay in Redis."""
    out, again = os.path.join(env.dir, "live.jsonl"), os.path.join(env.dir, "after.jsonl")
    e = dict(os.environ, INGEST_REDIS_URL=env.url)
    p = subprocess.Popen([env.coordinator, "submit", "--wait", "--output", out, "--recursive",
                          "--batch-docs", "1", data],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    t.check(wait_for(lambda: env.cli("ZCARD", "ingest:jobs") == "1"), "job submitted")
    env.wait_all([env.start_worker("--exit-when-idle", "--threads", "2") for _ in range(2)])
    so, se = p.communicate(timeout=60)
    job = so.strip()
    t.check(p.returncode == 0, f"submit --wait --output exit 0: {p.returncode} {se}")
    st = env.status(job)
    t.check(st["batches_total"] > 1, f"several batches: {st['batches_total']}")
    env.coord("export", job, "-o", again)
    live, after = open(out, "rb").read(), open(again, "rb").read()
    t.check(live == after and live.count(b"\n") == st["nodes"],
            f"--output byte-identical to export -o ({len(live)} vs {len(after)} bytes)")
    t.check(f"wrote {st['nodes']} nodes to {out}" in se, f"says what it wrote: {se[-200:]}")
    t.check(env.cli("HGET", f"ingest:job:{job}", "stream") == "0", "not turned into a streaming job")
    t.check(env.cli("EXISTS", f"ingest:job:{job}:out:0") == "1", "outputs left in Redis")
    t.check(not [f for f in os.listdir(env.dir) if ".tmp." in f], "no temp file left")


def check_eviction_warning(t, env, data):
    """A Redis that may evict keys gets a warning at worker start-up; noeviction none."""
    w = env.start_worker("--exit-when-idle")
    env.wait_all([w])
    t.check("redis_eviction_policy" not in open(w.logpath).read(), "noeviction: no warning")
    env.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    w = env.start_worker("--exit-when-idle")
    env.wait_all([w])
    log = open(w.logpath).read()
    t.check("level=warn event=redis_eviction_policy" in log and 'policy="allkeys-lru"' in log,
            f"allkeys-lru: warned: {log[:300]}")
    env.cli("CONFIG", "SET", "maxmemory-policy", "noeviction")
    env.cli("ACL", "SETUSER", "default", "-config")  # CONFIG refused, as on managed Redis
    w = env.start_worker("--exit-when-idle")
    env.wait_all([w])
    log = open(w.logpath).read()
    t.check("event=redis_config_unchecked" in log and w.returncode == 0,
            f"CONFIG refused: said so, went on: {log[:300]}")


def main():
    return run_checks((check_eviction_warning, check_jobs, check_workers, check_events, check_watch_plain, check_watch_tty,
                       check_dead, check_small_things, check_wait_through_restart,
                       check_wait_output_while_running), "sample")


if __name__ == "__main__":
    sys.exit(main())
