#!/usr/bin/env python3
"""test_threads.py - the worker's CPU stages run on its thread pool, off the
event loop (issue 8).

A test-only gate holds chosen files in the read stage: the worker reads
INGEST_TEST_READ_GATE=PREFIX:PATH from its environment (never from a job)
and a pool thread reading a file named PREFIX* waits until PATH exists.
So nothing here depends on timing: the tests open the gate when they have
seen what they wait for.

  stuck_read_keeps_flowing: a worker (--threads 2) with one batch stuck in
    its read stage finishes another job's batches - embedding requests to
    the fake OpenAI server and acks - meanwhile, and its heartbeat stays
    fresh at its own 2 s TTL (never stretched, never expired).
  two_batches_read_concurrently: with --threads 2 two batches are in their
    read stage at once (their stage_start/stage_end log lines overlap);
    with --threads 1 only one is.
  dead_batch: a batch delivered more than --max-attempts times is decoded
    on the pool and every file recorded as failed; the job ends failed.
  grace_requeues: SIGTERM with --grace 1 while a batch is stuck reading, or
    waiting for its embeddings: after the grace the batch is abandoned
    (ERR_CANCELLED, not a failure), put back on the queue, the worker exits
    0, and another worker finishes the job."""
import json
import os
import re
import signal
import sys
import time

from harness import run_checks
from test_remote_e2e import SECRET, Fake
from test_spine import wait_for

STAGE = re.compile(r"ts=(\S+) level=info event=stage_(start|end) worker=\S+ (?:job=\S+ )?ref=(\S+) "
                   r"stage=(\S+)")


def stages(w, stage="read"):
    """[(ts, start|end, ref)] of one stage, in log order."""
    out = []
    for line in open(w.logpath, encoding="utf-8", errors="replace"):
        m = STAGE.search(line)
        if m and m.group(4) == stage:
            out.append((m.group(1), m.group(2), m.group(3)))
    return out


def docs(env, name, files):
    d = os.path.join(env.dir, name)
    os.makedirs(d)
    for fn, text in files.items():
        open(os.path.join(d, fn), "w").write(text)
    return d


def gate_env(env):
    gate = os.path.join(env.dir, "gate-open")
    return gate, {"INGEST_TEST_READ_GATE": "gate:" + gate, "OPENAI_API_KEY": SECRET}


def check_stuck_read_keeps_flowing(t, env, data):
    fake = Fake(env.dir, "--latency-ms", "50")
    try:
        spec = os.path.join(env.dir, "embed.json")
        json.dump({"transformations": [
            {"class_name": "SentenceSplitter", "chunk_size": 64, "chunk_overlap": 0},
            {"class_name": "OpenAIEmbedding", "api_base": fake.base, "embed_batch_size": 4}]},
            open(spec, "w"))
        gate, e = gate_env(env)
        w = env.start_worker("--id", "stuck-1", "--threads", "2", "--concurrency", "4",
                             "--heartbeat-ttl", "2", env=e)
        slow = docs(env, "slow", {"gate.txt": "held in the read stage until the gate opens\n"})
        job1 = env.coord("submit", "--pipeline", spec, slow).stdout.strip()
        t.check(wait_for(lambda: any(s[1] == "start" for s in stages(w)), 60),
                "the gated batch entered its read stage")
        job2 = env.coord("submit", "--pipeline", spec, "--batch-docs", "1", data).stdout.strip()
        ttls = []

        def job2_done():
            ttls.append(int(env.cli("TTL", "ingest:worker:stuck-1") or -2))
            return env.status(job2)["state"] == "done"
        t.check(wait_for(job2_done, 120), "other batches finished while one read is stuck")
        st1, st2 = env.status(job1), env.status(job2)
        t.check(st2["batches_done"] == st2["batches_total"] >= 3 and st2["embedding_requests"] > 0,
                f"their embedding requests and acks went through: {st2}")
        t.check(st1["batches_done"] == 0 and
                env.cli("LLEN", "ingest:processing:stuck-1") == "1", "the stuck batch still held")
        t.check(ttls and min(ttls) > 0 and max(ttls) <= 2,
                f"heartbeat fresh at its own TTL, not stretched: {sorted(set(ttls))}")
        open(gate, "w").close()
        t.check(wait_for(lambda: env.status(job1)["state"] == "done", 60), "gated job finishes")
        t.check(env.cli("HGET", f"ingest:job:{job1}:attempts", "0") == "", "delivered once (no failed delivery)")
    finally:
        fake.close()


def gated_pair(env, threads):
    """Two one-file batches whose reads are gated; returns (worker, job, gate)."""
    gate, e = gate_env(env)
    text = "A sentence that is long enough to split. " * 20000  # ~0.8 MB each
    d = docs(env, "pair", {"gate1.txt": text, "gate2.txt": text})
    w = env.start_worker("--id", f"pair-{threads}", "--threads", str(threads), "--exit-when-idle",
                         env=e)
    job = env.coord("submit", "--batch-docs", "1", d).stdout.strip()
    return w, job, gate


def check_two_batches_read_concurrently(t, env, data):
    w, job, gate = gated_pair(env, 2)
    both = wait_for(lambda: len([s for s in stages(w) if s[1] == "start"]) == 2, 60)
    t.check(both, "--threads 2: both batches in their read stage at once")
    open(gate, "w").close()
    t.check(env.wait_all([w]) == [0] and env.status(job)["state"] == "done", "job done")
    ev = stages(w)
    span = {}
    for ts, kind, ref in ev:
        span.setdefault(ref, {})[kind] = ts
    spans = [(v.get("start"), v.get("end")) for v in span.values()]
    t.check(len(spans) == 2 and all(a and b for a, b in spans), f"two read stages logged: {ev}")
    if len(spans) == 2 and all(a and b for a, b in spans):
        (s1, e1), (s2, e2) = spans
        t.check(s1 < e2 and s2 < e1, f"read stages overlap in time: {spans}")


def check_one_thread_reads_one_batch(t, env, data):
    w, job, gate = gated_pair(env, 1)
    t.check(wait_for(lambda: len(stages(w)) >= 1, 60), "first batch in its read stage")
    time.sleep(1.0)  # a second start would be a bug; its absence needs no timing
    t.check(len(stages(w)) == 1, f"--threads 1: one read stage at a time: {stages(w)}")
    open(gate, "w").close()
    t.check(env.wait_all([w]) == [0] and env.status(job)["state"] == "done", "job done")


def check_dead_batch(t, env, data):
    job = env.coord("submit", data).stdout.strip()
    # three failed deliveries already (the reaper's accounting, issue 9)
    env.cli("HSET", f"ingest:job:{job}:attempts", "0", "3", "0:why", "the worker died")
    env.wait_all([env.start_worker("--exit-when-idle", "--max-attempts", "3")])
    st = env.status(job)
    t.check(st["state"] == "failed" and st["batches_dead"] == 1 and st["nodes"] == 0,
            f"past --max-attempts: the batch is dead: {st}")
    errs = dict(zip(*[iter(env.cli_lines("HGETALL", f"ingest:job:{job}:errors"))] * 2))
    t.check(len(errs) == st["documents_total"] == st["documents_failed"] > 0 and
            all("abandoned after 3 failed deliveries (last: the worker died)" in m
                for m in errs.values()),
            f"every file recorded with the reason: {errs}")
    t.check(env.cli_lines("LRANGE", "ingest:dead", "0", "-1") == [f"{job}:0"], "ref on ingest:dead")


def abandon_and_finish(t, env, w, job, what):
    """SIGTERM w (started with --grace 1) and check the batch went back."""
    w.send_signal(signal.SIGTERM)
    t.check(env.wait_all([w], timeout=60) == [0], f"{what}: worker exits 0 after the grace")
    log = open(w.logpath).read()
    t.check("event=grace_expired" in log and "event=batch_requeued" in log and
            "event=batch_dead" not in log, f"{what}: batch requeued, not failed")
    t.check(env.cli("LLEN", "ingest:queue") == "1" and env.status(job)["batches_done"] == 0,
            f"{what}: the batch is back on the queue")
    env.wait_all([env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET})])
    st = env.status(job)
    t.check(st["state"] == "done" and st["documents_failed"] == 0, f"{what}: finished: {st}")


def check_grace_requeues(t, env, data):
    gate, e = gate_env(env)
    slow = docs(env, "slow", {"gate.txt": "held until the worker gives up\n"})
    w = env.start_worker("--id", "grace-1", "--grace", "1", env=e)
    job = env.coord("submit", slow).stdout.strip()
    t.check(wait_for(lambda: len(stages(w)) >= 1, 60), "batch stuck in its read stage")
    abandon_and_finish(t, env, w, job, "stuck read")

    fake = Fake(env.dir, "--faults", "slow:60000")  # the first request hangs for a minute
    try:
        spec = os.path.join(env.dir, "embed.json")
        json.dump({"transformations": [
            {"class_name": "SentenceSplitter"},
            {"class_name": "OpenAIEmbedding", "api_base": fake.base, "timeout": 120}]},
            open(spec, "w"))
        w = env.start_worker("--id", "grace-2", "--grace", "1", env=e)
        job = env.coord("submit", "--pipeline", spec, os.path.join(data, "redis-notes.txt")).stdout.strip()
        def in_flight():
            return any(k.endswith("embeddings") and v for k, v in
                       fake.call("/stats")["requests"].items())
        t.check(wait_for(in_flight, 60), "embedding request in flight")
        abandon_and_finish(t, env, w, job, "pending embeddings")
    finally:
        fake.close()


def check_cancel_in_flight(t, env, data):
    """cancel reaches a batch in its read stage: it stops at the next file,
    is dropped (never acked) and the job records nothing."""
    gate, e = gate_env(env)
    d = docs(env, "cancel", {"gate1.txt": "One sentence here. " * 100, "gate2.txt": "Two. " * 100})
    w = env.start_worker("--id", "canceller", "--threads", "1", "--exit-when-idle",
                         "--heartbeat-ttl", "3", env=e)
    job = env.coord("submit", "--batch-docs", "2", d).stdout.strip()
    t.check(wait_for(lambda: len(stages(w)) >= 1, 60), "the batch is in its read stage")
    env.coord("cancel", job)
    rc = env.wait_all([w], timeout=60)
    if not os.path.exists(gate):
        open(gate, "w").close()  # let a worker that missed the cancel finish
    log = open(w.logpath).read()
    t.check(rc == [0] and "event=batch_stopping" in log and "reason=job_cancelled" in log,
            f"the worker stopped the batch and dropped it ({rc})")
    st = env.status(job)
    t.check(st["state"] == "cancelled" and st["nodes"] == 0 and st["batches_done"] == 0,
            f"nothing recorded for the cancelled job: {st}")


def main():
    return run_checks((check_stuck_read_keeps_flowing, check_two_batches_read_concurrently,
                       check_one_thread_reads_one_batch, check_dead_batch,
                       check_grace_requeues, check_cancel_in_flight), "sample")


if __name__ == "__main__":
    sys.exit(main())
