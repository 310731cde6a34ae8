#!/usr/bin/env python3
"""test_delivery.py - delivery accounting and the worker's guards:

- a poison document (one that kills every worker reading it; the test-only
  INGEST_TEST_CRASH_ON) is isolated: its batch is split per document after
  two failed deliveries, only it ends dead, with the reason on the job's
  errors, and every other document of the batch succeeds;
- a graceful stop (SIGTERM, grace 0) hands batches back uncounted;
- a second live worker with the id of a live one refuses to start;
- Redis credentials: a wrong password makes the worker exit 1 naming the
  class of error; the password can come from INGEST_REDIS_PASSWORD or a file
  (never from the command line);
- deploy/redis-acl.conf's users run a whole job; a worker user missing one
  permission exits 1 saying so;
- a file whose name is not UTF-8 is exported (name repaired with U+FFFD)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from harness import Failure, run_checks, wait_for


def corpus(env, names):
    d = os.path.join(env.dir, "docs")
    os.makedirs(d, exist_ok=True)
    for i, n in enumerate(names):
        with open(os.path.join(d.encode(), n if isinstance(n, bytes) else n.encode()), "w") as f:
            f.write(f"Document {i} talks about queues. " * 40 + "\n")
    return d


def run_poison(env, d, threads, follow=None, fault=None, extra=()):
    """Submits d and keeps two faulty workers alive (restarted under the same
    id, as systemd would) until the job ends; returns (job, exits, follower):
    exits counts SIGKILLs, or exit codes 1 with a fault other than the crash."""
    job = env.coord("submit", "--batch-docs", "4", d).stdout.strip()
    fol = None
    if follow:
        fol = subprocess.Popen([env.coordinator, "export", job, "--follow", "-o", follow],
                               env=dict(os.environ, INGEST_REDIS_URL=env.url),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    crash = fault or {"INGEST_TEST_CRASH_ON": "poison"}
    want_rc = -signal.SIGKILL if not fault else 1
    wargs = ("--heartbeat-ttl", "3", "--threads", str(threads)) + tuple(extra)
    live = {wid: env.start_worker("--id", wid, *wargs, env=crash) for wid in ("p0", "p1")}
    deaths = 0
    deadline = time.time() + 90
    while time.time() < deadline and env.status(job)["state"] not in ("done", "failed"):
        for wid, p in list(live.items()):
            if p.poll() is not None:  # systemd would restart it under the same id
                deaths += p.returncode == want_rc
                live[wid] = env.start_worker("--id", wid, *wargs, env=crash)
        time.sleep(0.05)
    for p in live.values():
        p.terminate()
    env.wait_all(list(live.values()), timeout=30)
    deaths += sum(p.returncode == want_rc for p in live.values())  # still exiting at the end
    if fol:
        try:
            fol.wait(timeout=30)
        except subprocess.TimeoutExpired:
            fol.kill()
            fol.wait()
    return job, deaths, fol


def check_poisoned_job(t, env, job, clean, got, how, cause="died while reading"):
    st = env.status(job)
    t.check(st["state"] == "failed" and st["documents_failed"] == 1 and st["documents_done"] == 7,
            f"{how}: only the poison document failed: {st}")
    errs = dict(zip(*[iter(env.cli_lines("HGETALL", f"ingest:job:{job}:errors"))] * 2))
    t.check(len(errs) == 1 and all(k.endswith("doc3-poison.txt") and cause in v
                                   for k, v in errs.items()), f"{how}: reason on the job's errors: {errs}")
    want = {k: v for k, v in clean.items()
            if not v["relationships"]["1"]["node_id"].endswith("doc3-poison.txt")}
    t.check({n["id_"]: n for n in got} == want and len(got) == len(want),
            f"{how}: every other document exported exactly as in a clean run, once")


def check_poison(t, env, data):
    names = [f"doc{i}.txt" for i in range(7)] + ["doc3-poison.txt"]
    d = corpus(env, names)
    clean_job = env.coord("submit", "--batch-docs", "4", d).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    clean = {n["id_"]: n for n in env.export(clean_job)}
    # --threads 1: one batch in a CPU stage per worker, so every crash is the
    # poison batch's own: the count of deaths is exact
    job, deaths, _ = run_poison(env, d, 1)
    check_poisoned_job(t, env, job, clean, env.export(job), "--threads 1")
    t.check(deaths == 5, f"2 deliveries of the batch + 3 of the lone document killed workers ({deaths})")
    t.check("failed: " in env.coord("status", job).stdout and "doc3-poison.txt" in env.coord("status", job).stdout,
            "status lists the failed document")
    nsplit = env.cli("HLEN", f"ingest:job:{job}:split")
    t.check(nsplit == "1", f"the batch was split once ({nsplit!r})")
    # --threads 2 (the default on 2 cores): a crash is blamed on every batch
    # in a CPU stage, so a batch that failed before runs alone; nothing good
    # may die.  export --follow streams the split batch's children in its place.
    out = os.path.join(env.dir, "poison-follow.jsonl")
    job, deaths, fol = run_poison(env, d, 2, follow=out)
    with open(out) as f:
        streamed = [json.loads(line) for line in f]
    ferr = fol.stderr.read()
    t.check(fol.returncode is not None and "missing" not in ferr,
            f"follower ended, nothing missing but the poison document ({fol.returncode}: {ferr[:300]})")
    check_poisoned_job(t, env, job, clean, streamed, "--threads 2, export --follow")


def check_hang(t, env, data):
    """A document that hangs its reader (test-only INGEST_TEST_HANG_ON) ends
    dead like one that crashes it: the watchdog counts the delivery, hands
    the batch back and the worker exits 1; every other document succeeds."""
    names = [f"doc{i}.txt" for i in range(7)] + ["doc3-poison.txt"]
    d = corpus(env, names)
    clean_job = env.coord("submit", "--batch-docs", "4", d).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    clean = {n["id_"]: n for n in env.export(clean_job)}
    job, exits, _ = run_poison(env, d, 2, fault={"INGEST_TEST_HANG_ON": "poison"},
                               extra=("--stage-timeout", "1"))
    check_poisoned_job(t, env, job, clean, env.export(job), "hang", cause="(hung)")
    t.check(exits == 5, f"2 deliveries of the batch + 3 of the lone document hung workers ({exits})")
    logs = "".join(open(p.logpath).read() for p in env.procs if hasattr(p, "logpath"))
    t.check("event=stage_hung" in logs and "hung=1" in logs, "the watchdog logged the hang and the exit")


def check_graceful_uncounted(t, env, data):
    """SIGTERM with --grace 0 while batches wait on a (never answering) API:
    handed back without counting a failed delivery."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)  # accepts connections, never answers
    spec = os.path.join(env.dir, "spec.json")
    json.dump({"transformations": [{"class_name": "SentenceSplitter"},
               {"class_name": "OpenAIEmbedding", "api_base": f"http://127.0.0.1:{s.getsockname()[1]}/v1",
                "timeout": 60}]}, open(spec, "w"))
    job = env.coord("submit", "--batch-docs", "1", "--pipeline", spec, data).stdout.strip()
    w = env.start_worker("--id", "g1", "--grace", "0", env={"OPENAI_API_KEY": "x"})
    t.check(wait_for(lambda: env.cli("ZCARD", "ingest:leases") not in ("0", None), 15),
            "batches leased while waiting on the API")
    w.send_signal(signal.SIGTERM)
    t.check(env.wait_all([w], timeout=20) == [0], "SIGTERM -> exit 0")
    t.check(env.cli("HLEN", f"ingest:job:{job}:attempts") == "0", "no failed delivery counted")
    t.check(env.cli("ZCARD", "ingest:leases") == "0", "leases released")
    t.check(int(env.cli("LLEN", "ingest:queue")) == env.status(job)["batches_total"],
            "every batch back on the queue")
    s.close()


def check_duplicate_id(t, env, data):
    w1 = env.start_worker("--id", "same")
    t.check(wait_for(lambda: env.cli("EXISTS", "ingest:worker:same") == "1"), "first worker up")
    w2 = env.start_worker("--id", "same")
    try:
        code = env.wait_all([w2], timeout=20)[0]
    except Failure:
        code = None
    t.check(code == 1, f"second live worker with the same id refuses to start ({code})")
    t.check("worker id in use" in open(w2.logpath).read(), "it says why")
    t.check(w1.poll() is None, "the first one keeps running")
    job = env.coord("submit", data).stdout.strip()
    t.check(wait_for(lambda: env.status(job)["state"] == "done", 20), "and keeps working")
    w1.terminate()
    env.wait_all([w1])


def check_credentials(t, env, data):
    sock = env.sock
    wrong = env.start_worker("--redis", f"unix://wk:wrong@{sock}")
    try:
        code = env.wait_all([wrong], timeout=40)[0]
    except Failure:
        code = None
    log = open(wrong.logpath).read()
    t.check(code == 1 and "class=auth" in log and "event=fatal" in log,
            f"wrong password: exit 1 saying it is an auth error ({code})")
    t.check("wrong" not in " ".join(l for l in log.splitlines() if "event=fatal" in l).replace("WRONGPASS", ""),
            "the password is not logged")
    pwfile = os.path.join(env.dir, "pw")
    open(pwfile, "w").write("s3cret\n")
    job = env.coord("submit", "--redis", f"unix://wk@{sock}", data,
                    env={"INGEST_REDIS_PASSWORD": "s3cret"}).stdout.strip()
    a = env.start_worker("--redis", f"unix://wk@{sock}", "--exit-when-idle",
                         env={"INGEST_REDIS_PASSWORD": "s3cret"})
    b = env.start_worker("--redis", f"unix://wk@{sock}", "--exit-when-idle",
                         "--redis-password-file", pwfile)
    t.check("s3cret" not in open(f"/proc/{b.pid}/cmdline").read(), "password not on the command line")
    t.check(env.wait_all([a, b]) == [0, 0], "workers authenticate from env and from a file")
    t.check(env.status(job)["state"] == "done", "job done")


def acl_file(env, drop=None):
    """deploy/redis-acl.conf with test passwords, optionally without one command."""
    src = open(os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "redis-acl.conf")).read()
    src = src.replace("CHANGE_ME_WORKER", "wpass").replace("CHANGE_ME_COORDINATOR", "cpass")
    if drop:
        src = src.replace(" " + drop + " ", " ", 1)
    p = os.path.join(env.dir, "acl.conf")
    open(p, "w").write("".join(l + "\n" for l in src.splitlines() if l.startswith("user ")))
    return p


def restart_with_acl(env, path):
    env.redis_args = ["--aclfile", path]
    env.kill_redis()
    env.start_redis()


def check_acl(t, env, data):
    """A whole job with the documented minimal ACL users; then a worker user
    missing one permission fails clearly."""
    restart_with_acl(env, acl_file(env))
    sock = env.sock
    cenv = {"INGEST_REDIS_PASSWORD": "cpass"}
    curl = f"unix://ingest-coordinator@{sock}"
    job = env.coord("submit", "--redis", curl, "--batch-docs", "1", data, env=cenv).stdout.strip()
    ws = [env.start_worker("--redis", f"unix://ingest-worker@{sock}", "--exit-when-idle",
                           env={"INGEST_REDIS_PASSWORD": "wpass"}) for _ in range(2)]
    t.check(env.wait_all(ws) == [0, 0], "workers run with the minimal ACL")
    st = env.coord("status", "--redis", curl, "--json", job, env=cenv)
    t.check('"state":"done"' in st.stdout.replace(" ", ""), f"job done with ACL users: {st.stdout}")
    ex = env.coord("export", "--redis", curl, job, env=cenv, check=False)
    t.check(ex.returncode == 0 and len(ex.stdout.splitlines()) > 4, "export with the coordinator user")
    restart_with_acl(env, acl_file(env, drop="+zadd"))
    bad = env.start_worker("--redis", f"unix://ingest-worker@{sock}", env={"INGEST_REDIS_PASSWORD": "wpass"})
    try:
        code = env.wait_all([bad], timeout=40)[0]
    except Failure:
        code = None
    log = open(bad.logpath).read()
    t.check(code == 1 and "event=fatal" in log and "can't run this command" in log and
            "redis-acl.conf" in log,
            f"a worker user missing +zadd exits 1 naming the ACL problem ({code})")


def check_non_utf8_name(t, env, data):
    d = corpus(env, [b"caf\xe9.txt", "plain.txt"])
    job = env.coord("submit", d).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    t.check(env.status(job)["state"] == "done", "job with a Latin-1 file name done")
    r = env.coord("export", job, check=False)
    t.check(r.returncode == 0, f"export succeeds ({r.stderr.strip()})")
    names = {json.loads(l)["metadata"]["file_name"] for l in r.stdout.splitlines()}
    t.check(names == {"caf\ufffd.txt", "plain.txt"}, f"name repaired with U+FFFD: {names}")


def main():
    return run_checks((check_poison, check_hang, check_graceful_uncounted, check_duplicate_id,
                       (check_credentials, ["--user", "wk", "on", ">s3cret", "~*", "&*", "+@all"]),
                       check_acl, check_non_utf8_name), "sample")


if __name__ == "__main__":
    sys.exit(main())
