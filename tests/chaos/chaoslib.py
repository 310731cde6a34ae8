"""chaoslib.py - shared pieces of the chaos suite (tests/chaos/).

A deterministic corpus (seeded words), a pipeline through the project's fake
OpenAI server, an undisturbed baseline run, the comparison of an export with
the baseline (lost / duplicated / changed node ids), worker-crash counting
(any exit we did not cause, any sanitizer report in a log) and one table row
per test ("CHAOS_ROW ..." on stdout, appended to $CHAOS_TABLE when set).
Pass/fail never depends on timing: faults are injected at moments chosen
from Redis state, and every wait is bounded."""
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from harness import Checker, Env, Failure, free_port, parse_args, run_checks, wait_for  # noqa: E402,F401
from test_remote_e2e import SECRET, Fake, exact  # noqa: E402,F401

WORDS = ("queue worker redis batch lease node embed split token retry backoff sentinel "
         "replica failover durable ledger invoice revenue margin quarter filing audit "
         "capital equity growth segment cost asset liability cash flow risk market").split()


def make_corpus(d, ndocs, words=420, seed=7):
    """ndocs text files of seeded sentences (about 14 nodes each at 64/8)."""
    os.makedirs(d, exist_ok=True)
    rng = random.Random(seed)
    for i in range(ndocs):
        sents = []
        for _ in range(words // 12):
            ws = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
            sents.append(" ".join(ws).capitalize() + ".")
        with open(os.path.join(d, f"doc{i:04d}.txt"), "w") as f:
            f.write(" ".join(sents) + "\n")
    return d


def spec(env, name, api_base, batch=4, conc=4):
    p = os.path.join(env.dir, name)
    json.dump({"transformations": [
        {"class_name": "SentenceSplitter", "chunk_size": 64, "chunk_overlap": 8},
        {"class_name": "OpenAIEmbedding", "api_base": api_base, "embed_batch_size": batch,
         "max_concurrency": conc, "max_retries": 10}]}, open(p, "w"))
    return p


WENV = {"OPENAI_API_KEY": SECRET}


def submit(env, corpus, spec_path, batch_docs=4):
    return env.coord("submit", "--batch-docs", str(batch_docs), "--pipeline", spec_path,
                     corpus).stdout.strip()


def baseline(env, corpus, fake):
    """The undisturbed run: export of the same corpus, 2 workers, no faults."""
    job = submit(env, corpus, spec(env, "base.json", fake.base))
    env.wait_all([env.start_worker("--exit-when-idle", env=WENV) for _ in range(2)], timeout=120)
    st = env.status(job)
    if st["state"] != "done":
        raise Failure(f"baseline run not done: {st}")
    return env.export(job)


def baseline_hash(env, corpus, batch_docs=3):
    """An undisturbed run with the default (local) pipeline."""
    job = env.coord("submit", "--batch-docs", str(batch_docs), corpus).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")], timeout=60)
    if env.status(job)["state"] != "done":
        raise Failure("baseline run not done")
    return env.export(job)


def by_id(nodes):
    return {n["id_"]: json.dumps(n, sort_keys=True) for n in nodes}


def compare(base, got):
    b, g = by_id(base), by_id(got)
    lost = len(set(b) - set(g))
    dup = len(got) - len(g)
    changed = sum(1 for k in set(b) & set(g) if b[k] != g[k])
    return lost, dup, changed


def wait_state(env, job, timeout, states=("done", "failed", "cancelled")):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            st = env.status(job)
        except Failure:
            st = {"state": "?"}
        if st["state"] in states:
            return st
        time.sleep(0.1)
    return env.status(job)


def sanitizer_reports(procs):
    n = 0
    for p in procs:
        try:
            log = open(p.logpath, errors="replace").read()
        except OSError:
            continue
        n += ("ERROR: AddressSanitizer" in log) + ("runtime error:" in log)
    return n


def crashes(procs, killed=()):
    """Workers that died of something other than our SIGKILL or exited non-zero."""
    bad = 0
    for p in procs:
        if p in killed or p.poll() is None:
            continue
        bad += p.returncode != 0
    return bad + sanitizer_reports(procs)


def stop_all(env, procs, timeout=30):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.time() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.time()))
        except Exception:
            p.kill()
            p.wait()


def row(t, fault, injected, expected, lost, dup, changed, crashed):
    line = (f"| {fault} | {injected} | {expected} | {lost} | {dup} | {changed} | {crashed} |")
    print("CHAOS_ROW " + line, flush=True)
    if os.environ.get("CHAOS_TABLE"):
        with open(os.environ["CHAOS_TABLE"], "a") as f:
            f.write(line + "\n")
    t.check(lost == 0 and dup == 0 and changed == 0,
            f"{fault}: lost {lost}, duplicated {dup}, changed {changed}")
    t.check(crashed == 0, f"{fault}: {crashed} worker crashes")


def run_with_corpus(checks, ndocs, **kw):
    """harness.run_checks over a generated corpus, removed afterwards."""
    import shutil
    import tempfile
    corpus = make_corpus(tempfile.mkdtemp(prefix="ingest-chaos-"), ndocs, **kw)
    try:
        return run_checks(checks, "", data=corpus)
    finally:
        shutil.rmtree(corpus, ignore_errors=True)
