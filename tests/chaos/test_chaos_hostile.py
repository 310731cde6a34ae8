#!/usr/bin/env python3
"""test_chaos_hostile.py - hostile data in Redis, as anyone with Redis access
could write it: garbage references, a reference to a missing batch, batch
keys holding truncated msgpack, random bytes, a huge declared length, a
list instead of a string, a map of wrong field types, a reference outside
the job, a job hash with a corrupt spec, and a wrong-type queue key.

No worker may crash (the ASan build runs this too); every bad batch is
dead-lettered at once with its reason on its job's errors, so its job
finishes `failed` instead of hanging; a clean job submitted alongside gives
exactly what an undisturbed run gives.  A wrong-type queue key makes the
worker say what is wrong and exit non-zero after a bounded number of tries."""
import os
import random
import subprocess
import sys
import tempfile
import time

import chaoslib as cl


def redis_raw(env, *args, stdin=None):
    return subprocess.run(["redis-cli", "-s", env.sock, "-x"] + list(args), input=stdin,
                          capture_output=True).stdout


def check_hostile(t, env, corpus):
    good = cl.baseline_hash(env, corpus)
    hostile = env.coord("submit", "--batch-docs", "1", corpus).stdout.strip()
    badspec = env.coord("submit", "--batch-docs", "5", corpus).stdout.strip()
    clean = env.coord("submit", "--batch-docs", "3", corpus).stdout.strip()
    bk = lambda s: f"ingest:job:{hostile}:batch:{s}"  # noqa: E731
    raw = env_get_bytes(env, bk(0))
    rng = random.Random(3)
    env.cli("DEL", bk(1))                                        # missing batch
    redis_raw(env, "SET", bk(2), stdin=raw[: len(raw) // 2])     # truncated msgpack
    redis_raw(env, "SET", bk(3), stdin=bytes(rng.randrange(256) for _ in range(300)))
    redis_raw(env, "SET", bk(4), stdin=b"\xdd\xff\xff\xff\xff\x01")  # 4G-element array
    env.cli("DEL", bk(5))
    env.cli("RPUSH", bk(5), "not", "a", "batch")                 # wrong type
    redis_raw(env, "SET", bk(6), stdin=b"\x83\xa1v\x01\xa3job\x05\xa4docs\xa3abc")  # wrong field types
    env.cli("HSET", f"ingest:job:{badspec}", "spec", '{"transformations": [{"class_name"')
    for ref in ("garbage", "", "x" * 300, f"{hostile}:99999", "nosuchjob:0", f"{hostile}:-1"):
        env.cli("LPUSH", "ingest:queue", ref)
    ws = [env.start_worker("--exit-when-idle", "--heartbeat-ttl", "3") for _ in range(2)]
    codes = env.wait_all(ws, timeout=120)
    t.check(codes == [0, 0], f"workers exit 0 through the hostile data ({codes})")
    crashed = cl.crashes(ws)
    st = env.status(hostile)
    t.check(st["state"] == "failed" and st["batches_dead"] == 6,
            f"hostile job finished failed with the 6 bad batches dead: {st}")
    errs = dict(zip(*[iter(env.cli_lines("HGETALL", f"ingest:job:{hostile}:errors"))] * 2))
    want = {"batch:1": "missing", "batch:2": "malformed", "batch:3": "malformed",
            "batch:4": "malformed", "batch:5": "holds a list", "batch:6": "malformed"}
    for k, needle in want.items():
        t.check(needle in errs.get(k, ""), f"{k}: reason on the job's errors ({errs.get(k)!r})")
    t.check(env.cli("HLEN", f"ingest:job:{hostile}:dead") == "6", "dead batches indexed per job")
    t.check(sum(r.startswith(hostile + ":") for r in env.cli_lines("LRANGE", "ingest:dead", "0", "-1")) == 6,
            "dead refs on ingest:dead")
    t.check(env.cli("EXISTS", bk(2)) == "1", "a dead batch keeps its payload (for retry)")
    st = env.status(badspec)
    t.check(st["state"] == "failed" and st["batches_dead"] == st["batches_total"],
            f"job with a corrupt spec: every batch dead, job failed: {st}")
    errs = " ".join(env.cli_lines("HGETALL", f"ingest:job:{badspec}:errors"))
    t.check("invalid JSON" in errs, f"corrupt spec reported: {errs[:200]}")
    st = env.status(clean)
    got = env.export(clean)
    lost, dup, changed = cl.compare(good, got)
    t.check(st["state"] == "done" and st["nodes"] == len(got), f"clean job unaffected: {st}")
    logs = "".join(open(w.logpath).read() for w in ws)
    t.check("event=bad_ref" in logs and "not_a_batch_of_the_job" in logs,
            "garbage and out-of-job refs logged and dropped")
    t.check(env.cli("LLEN", "ingest:queue") == "0", "nothing left stuck in the queue")
    cl.row(t, "hostile Redis data (6 bad batches, 6 bad refs, corrupt spec)", 13, len(good),
           lost, dup, changed, crashed)


def env_get_bytes(env, key):
    return subprocess.run(["redis-cli", "-s", env.sock, "--raw", "GET", key],
                          capture_output=True).stdout.rstrip(b"\n")


def check_wrongtype_queue(t, env, corpus):
    env.cli("SET", "ingest:queue", "not a list")
    w = env.start_worker("--id", "wq")
    try:
        code = env.wait_all([w], timeout=60)[0]
    except cl.Failure:
        code = None
    log = open(w.logpath).read()
    t.check(code == 1, f"wrong-type queue key: worker exits 1 (got {code})")
    t.check("event=fatal" in log and "class=wrongtype" in log and "key=ingest:queue" in log,
            "the worker says which key has the wrong type")
    t.check(cl.sanitizer_reports([w]) == 0, "no sanitizer report")


def main():
    return cl.run_with_corpus((check_hostile, check_wrongtype_queue), 12, words=200)


if __name__ == "__main__":
    sys.exit(main())
