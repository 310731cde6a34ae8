#!/usr/bin/env python3
"""test_chaos_faults.py - routine faults during a job of >= 2,000 nodes, each
compared with an undisturbed run of the same corpus (lost, duplicated,
changed node ids must all be 0; no worker may crash):

  kill9     >= 20 kill -9s of random workers, replaced under the same id or a new one
  aof       redis-server killed and restarted twice mid-job, AOF everysec
  nopersist redis-server restarted empty mid-job: the job must be reported
            lost/failed, never done with nodes missing; export exits non-zero
  sigstop   a worker holding batches frozen past its heartbeat TTL until the
            job is done, then resumed: its late acks are refused
  api       the fake API answers 5% 500s, 2% dropped connections, 429 bursts
            with Retry-After: every embedding still equals its vector
Faults are injected at moments chosen from Redis state (a worker holding
batches), so pass/fail does not depend on timing."""
import contextlib
import os
import random
import signal
import sys
import tempfile
import time

import chaoslib as cl

NDOCS = 160
TTL = "3"
BASE = {}


def fakes(env, *slow_args, latency="60"):
    d = os.path.join(env.dir, "fake-slow")
    os.makedirs(d)
    return cl.Fake(d, "--latency-ms", latency, *slow_args)


@contextlib.contextmanager
def job_run(env, corpus, prefix, n, *fake_args, latency="60", conc=4):
    """The fake API (slowed down), a job, n workers named prefix0..: yields them."""
    fake = fakes(env, *fake_args, latency=latency)
    try:
        job = cl.submit(env, corpus, cl.spec(env, "s.json", fake.base, conc=conc))
        yield fake, job, [start(env, f"{prefix}{i}") for i in range(n)]
    finally:
        fake.close()


def start(env, wid, *extra):
    return env.start_worker("--id", wid, "--heartbeat-ttl", TTL, *extra, env=cl.WENV)


def holding(env, wid):
    n = env.cli("LLEN", f"ingest:processing:{wid}")
    return n is not None and n.isdigit() and int(n) > 0


def finish(t, env, job, procs, fault, injected, killed=()):
    st = cl.wait_state(env, job, 150)
    cl.stop_all(env, procs)
    if callable(injected):
        injected = injected()
    t.check(st["state"] == "done", f"{fault}: job done ({st})")
    got = env.export(job)
    lost, dup, changed = cl.compare(BASE["nodes"], got)
    t.check(st["nodes"] == len(got), f"{fault}: counter nodes {st['nodes']} == exported {len(got)}")
    t.check(st["documents_done"] == NDOCS and st["documents_failed"] == 0,
            f"{fault}: every document done once ({st})")
    cl.row(t, fault, injected, len(BASE["nodes"]), lost, dup, changed, cl.crashes(procs, killed))
    return st


def check_baseline(t, env, corpus):
    d = os.path.join(env.dir, "fake-fast")
    os.makedirs(d)
    fast = cl.Fake(d)
    try:
        BASE["nodes"] = cl.baseline(env, corpus, fast)
    finally:
        fast.close()
    t.check(len(BASE["nodes"]) >= 2000, f"baseline has >= 2,000 nodes ({len(BASE['nodes'])})")
    t.check(all(cl.exact(n) for n in BASE["nodes"]), "baseline embeddings exact")


def check_kill9(t, env, corpus):
    with job_run(env, corpus, "k", 3, latency="150", conc=2) as (fake, job, procs):
        rng = random.Random(11)
        live = {f"k{i}": p for i, p in enumerate(procs)}
        killed, kills, fresh = set(), 0, 3
        deadline = time.time() + 90
        while kills < 22 and time.time() < deadline:
            if env.status(job)["state"] in ("done", "failed"):
                break
            wid = rng.choice(sorted(live))
            # kill a worker while it holds batches (mid-work), at a random moment
            if not cl.wait_for(lambda: holding(env, wid), 5):
                continue
            time.sleep(rng.random() * 0.3)
            p = live.pop(wid)
            p.kill()
            p.wait()
            killed.add(p)
            kills += 1
            if rng.random() < 0.5:
                nid = wid  # systemd-style restart under the same id
            else:
                nid, fresh = f"k{fresh}", fresh + 1
            live[nid] = start(env, nid)
            procs.append(live[nid])
        t.check(kills >= 20, f"kill9: {kills} kills injected before the job ended")
        finish(t, env, job, procs, "kill -9 of random workers (same and new ids)", kills, killed)


def restart_redis(env):
    env.kill_redis()
    env.start_redis()


def check_aof(t, env, corpus):
    with job_run(env, corpus, "a", 3) as (fake, job, procs):
        restarts = 0
        for frac in (0.25, 0.6):  # restart when that share of batches is done
            cl.wait_for(lambda: env.status(job)["batches_done"] >= frac * env.status(job)["batches_total"], 60, 0.05)
            restart_redis(env)
            restarts += 1
        finish(t, env, job, procs, "redis-server kill -9 + restart, AOF everysec", restarts)


def check_nopersist(t, env, corpus):
    with job_run(env, corpus, "n", 2) as (fake, job, procs):
        cl.wait_for(lambda: env.status(job)["batches_done"] >= 5 and
                    (holding(env, "n0") or holding(env, "n1")), 60, 0.05)
        restart_redis(env)  # comes back empty: the job is gone
        # the workers' in-flight acks find the job gone and record it lost
        cl.wait_for(lambda: env.cli("ZSCORE", "ingest:lost", job) not in (None, ""), 30, 0.1)
        r = env.coord("status", "--json", job, check=False)
        t.check(r.returncode != 0 and "done" not in r.stdout,
                f"nopersist: status does not report done ({r.returncode}: {r.stdout}{r.stderr})")
        t.check("lost" in r.stderr, f"nopersist: status says the job is lost: {r.stderr.strip()}")
        e = env.coord("export", job, check=False)
        t.check(e.returncode != 0, f"nopersist: export exits non-zero ({e.returncode})")
        t.check(env.cli("EXISTS", f"ingest:job:{job}") == "0",
                "nopersist: late acks did not create a stateless job record")
        t.check(not any(k.startswith(f"ingest:job:{job}:out") for k in env.cli_lines("--scan")),
                "nopersist: no orphan outputs written")
        cl.stop_all(env, procs)
        c = cl.crashes(procs)
        line = ("| redis-server restarted without persistence | 1 | job reported lost, export "
                f"exit {e.returncode} | - | - | - | {c} |")
        print("CHAOS_ROW " + line, flush=True)
        if os.environ.get("CHAOS_TABLE"):
            open(os.environ["CHAOS_TABLE"], "a").write(line + "\n")
        t.check(c == 0, f"nopersist: {c} worker crashes")


def check_sigstop(t, env, corpus):
    with job_run(env, corpus, "s", 1) as (fake, job, procs):
        frozen = procs[0]
        t.check(cl.wait_for(lambda: holding(env, "s0") and
                            env.cli("ZCARD", "ingest:leases") not in ("0", None), 30),
                "sigstop: worker holds leased batches")
        frozen.send_signal(signal.SIGSTOP)
        others = [start(env, f"s{i}") for i in (1, 2)]
        st = cl.wait_state(env, job, 150)  # the others reap its batches and finish the job
        before = env.status(job)
        frozen.send_signal(signal.SIGCONT)
        cl.wait_for(lambda: env.cli("LLEN", "ingest:processing:s0") == "0", 30)
        time.sleep(1)
        log = open(frozen.logpath).read()
        t.check("event=ack_refused" in log or "event=lease_lost" in log,
                "sigstop: the resumed worker learnt its work was taken over")
        after = env.status(job)
        t.check(after == {**before, "elapsed_seconds": after["elapsed_seconds"]},
                f"sigstop: counters unchanged by the late acks ({before} -> {after})")
        # only a batch in its CPU stage at the freeze (at most one per pool
        # thread, plus the one claimed ahead for the next free thread) may
        # count a failed delivery; those waiting on the API do not
        att = env.cli_lines("HVALS", f"ingest:job:{job}:attempts")
        failed = sum(int(v) for v in att if v.isdigit())
        held = int(before["batches_total"])
        hot = min(os.cpu_count() or 1, 256) + 1  # the workers' default --threads, + 1
        t.check(failed <= hot, f"sigstop: at most the {hot} hot batches counted a failed delivery ({failed} "
                f"of {held} batches)")
        finish(t, env, job, [frozen] + others, "SIGSTOP past the heartbeat TTL, then SIGCONT", 1)


def check_api(t, env, corpus):
    faults = ("--fail-rate", "0.05", "--drop-rate", "0.02", "--seed", "5", "--retry-after", "0.05",
              "--faults", ",".join(["429"] * 6))
    with job_run(env, corpus, "f", 2, *faults) as (fake, job, procs):
        cl.wait_for(lambda: env.status(job)["batches_done"] >= 10, 60, 0.05)
        fake.call("/control", {"faults": ["429"] * 6})  # a second burst mid-job
        def injected():
            s = fake.call("/stats")
            return s["responses"].get("500", 0) + s["responses"].get("429", 0) + s["dropped"]
        finish(t, env, job, procs, "fake API: 5% 500, 2% dropped, 429 bursts", injected)
        s = fake.call("/stats")
        t.check(s["responses"].get("429", 0) >= 12 and s["dropped"] > 0 and
                s["responses"].get("500", 0) > 0, f"api: faults served {s['responses']}")
        got = env.export(job)
        t.check(all(cl.exact(n) for n in got), "api: every embedding equals its vector")


def main():
    aof = ["--appendonly", "yes", "--appendfsync", "everysec"]
    return cl.run_with_corpus((check_baseline, check_kill9, (check_aof, aof), check_nopersist,
                               check_sigstop, check_api), NDOCS)


if __name__ == "__main__":
    sys.exit(main())
