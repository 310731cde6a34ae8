#!/usr/bin/env python3
"""race.py - the seed notebook's benchmark, side by side in one run: ingest
against every LlamaIndex IngestionPipeline mode, each scenario against its
physical bound.  Driven by tests/bench/race.sh (which installs gnuplot and
builds); prints one table, writes race.csv and race.png into --out.

Scenarios (README "Performance" explains the bounds):
  a  text corpus, SentenceSplitter(1024,20) + OpenAIEmbedding(batch 100)
  b  a + TitleExtractor
  c  the PDFs, pipeline a, reading included
  d  a with the mock at --tpm/--rpm limits and the same limits in our spec, 4 workers
  e  warm re-run of a and c with the cache, and with the cache + a docstore (upserts)
  f  local HashEmbedding pipeline on the text corpus (pure CPU), with and
     without --output (the JSON export's CPU apart)

Both read the same files: the peer's required_exts ([".txt"] or [".pdf"])
is our --ext.  Ours: a private redis-server, long-running workers already registered (as in
production), then `ingest-coordinator submit --wait --output FILE`; wall time
is that command's, from start to the last node written.  LlamaIndex: the
shared peer harness (../shared/peers/llamaindex-py/run.sh), all four seed
modes; its wall time as a user sees it is document loading plus the
pipeline run (the harness times them separately; the import of
llama_index.core, ~1.3 s, is left out).  Runs are interleaved: each
repetition runs ours, then the peer, on the same inputs and the same mock.

Null client (a and c): the embedding requests ours sent, rebuilt from our
output (each node's embed string, packed per batch as submit packs files,
100 inputs a request), fired at the mock all at once and the answers read
and dropped.  The time to its last answer is the mock's own floor on this
machine (its single thread builds every answer after the latency), which the
bound leaves out; ours/null is what ours adds to that.

Nothing here is a pass/fail test: the machine is shared and noisy.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from test_remote_e2e import get_content_embed  # noqa: E402  LlamaIndex's embed string, as the tests check it
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
CORES = os.cpu_count() or 1
LI_MODES = ["seq", "par", "async", "async-par"]


# ---------------------------------------------------------------- processes
def run_child(cmd, env=None, stdout=None, stderr=None):
    """Runs cmd to completion; returns (rc, wall_s, cpu_s, max_rss_kb)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=stderr)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc
    return rc, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def proc_cpu_rss(pid):
    """(cpu seconds so far, peak RSS kB) of a live process from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        rss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    rss = int(line.split()[1])
        return cpu, rss
    except OSError:
        return 0.0, 0


def http_json(url, data=None):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


class Env:
    """The private redis-server and mock server of one race."""

    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="ingest-race-")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.procs = []
        self.redis = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--logfile", os.path.join(self.dir, "redis.log")])
        self.procs.append(self.redis)
        self.mock = None
        self.start_mock([])
        wait_for(lambda: os.path.exists(self.sock))
        self.url = "unix://" + self.sock

    def start_mock(self, extra):
        if self.mock:
            self.mock.terminate()
            self.mock.wait()
            self.procs.remove(self.mock)
        pf = os.path.join(self.dir, "mock.port")
        if os.path.exists(pf):
            os.unlink(pf)
        a = self.args
        self.mock = subprocess.Popen(
            ["node", a.mock, "--port", "0", "--port-file", pf, "--latency-ms", str(a.latency_ms),
             "--per-input-ms", str(a.per_input_ms)] + extra,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(self.mock)
        wait_for(lambda: os.path.exists(pf) and os.path.getsize(pf) > 0)
        self.port = int(open(pf).read().strip())
        self.base = f"http://127.0.0.1:{self.port}/v1"

    def stats(self, reset=False):
        u = f"http://127.0.0.1:{self.port}/stats"
        return http_json(u + "/reset", b"") if reset else http_json(u)

    def redis_cli(self, *argv):
        return subprocess.run(["redis-cli", "-s", self.sock] + list(argv), capture_output=True,
                              text=True, check=True).stdout

    def close(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(pred, timeout=30.0):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for a server")


# ---------------------------------------------------------------- ours
def spec_for(env, sc, args):
    tfs = [{"class_name": "SentenceSplitter", "chunk_size": 1024, "chunk_overlap": 20}]
    if sc == "b":
        tfs.append({"class_name": "TitleExtractor", "llm": {"api_base": env.base}})
    if sc == "f":
        tfs.append({"class_name": "HashEmbedding", "dim": 1536})
    else:
        e = {"class_name": "OpenAIEmbedding", "api_base": env.base, "embed_batch_size": 100}
        if sc == "d":
            e.update({"tpm": args.tpm, "rpm": args.rpm})
        tfs.append(e)
    path = os.path.join(env.dir, f"spec-{sc}.json")
    with open(path, "w") as f:
        json.dump({"transformations": tfs}, f)
    return path


def worker_help(args):
    return subprocess.run([args.worker, "--help"], capture_output=True, text=True).stdout + \
        subprocess.run([args.worker, "--help"], capture_output=True, text=True).stderr


def start_workers(env, args, n):
    env_vars = dict(os.environ, OPENAI_API_KEY="sk-race-not-a-real-key")
    extra = ["--threads", str(args.threads)] if "--threads" in worker_help(args) else []
    ws = []
    for i in range(n):
        log = open(os.path.join(env.dir, f"worker{i}.log"), "a")
        ws.append(subprocess.Popen([args.worker, "--redis", env.url, "--id", f"race-{i}"] + extra,
                                   env=env_vars, stderr=log, stdout=subprocess.DEVNULL))
    wait_for(lambda: all(env.redis_cli("EXISTS", f"ingest:worker:race-{i}").strip() == "1"
                         for i in range(n)))
    return ws


def stop_workers(ws):
    out = []
    for w in ws:
        out.append(proc_cpu_rss(w.pid))
    for w in ws:
        w.send_signal(signal.SIGTERM)
    for w in ws:
        try:
            w.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.kill()
    return out


def ours_once(env, sc, args, corpus, flush=True, spec=None, output=True):
    if flush:
        env.redis_cli("FLUSHALL")
    env.stats(reset=True)
    nworkers = 4 if sc == "d" else args.workers
    ws = start_workers(env, args, nworkers)
    cpu0 = [proc_cpu_rss(w.pid)[0] for w in ws]
    out = os.path.join(env.dir, f"nodes-{sc}.jsonl")
    cmd = [args.coordinator, "submit", "--redis", env.url, "--pipeline", spec or spec_for(env, sc, args),
           "--ext", ".pdf" if sc == "c" else ".txt", "--wait"] + (["--output", out] if output else []) + [corpus]
    with open(os.path.join(env.dir, "submit.log"), "a") as log:
        rc, wall, ccpu, crss = run_child(cmd, stdout=subprocess.DEVNULL, stderr=log)
    wstat = stop_workers(ws)
    st = env.stats()
    nodes = sum(1 for _ in open(out)) if os.path.exists(out) else 0
    return {
        "rc": rc, "wall_s": wall, "nodes": nodes,
        "requests": st.get("requests", {}).get("embeddings", 0),
        "chat_requests": st.get("requests", {}).get("chat_completions", 0),
        "max_in_flight": st.get("max_in_flight", 0), "sent_429": st.get("sent_429", 0),
        "prompt_tokens": st.get("embedding_prompt_tokens", 0),
        "cpu_s": ccpu + sum(c - c0 for (c, _), c0 in zip(wstat, cpu0)),
        "coord_cpu_s": ccpu,
        "worker_rss_mb": max((r for _, r in wstat), default=0) / 1024,
        "coord_rss_mb": crss / 1024,
    }


# ---------------------------------------------------------------- null client
def embed_string(n):
    """What our worker sends for a TextNode dict: get_content(EMBED), "\n" -> " "."""
    return get_content_embed(n).replace("\n", " ")


def null_requests(nodes_path, batch_docs=4, batch_bytes=4 << 20, per_request=100):
    """Ours's embedding requests: files batched as submit does, 100 inputs each."""
    files = []
    with open(nodes_path) as f:
        for line in f:
            n = json.loads(line)
            path = n["metadata"].get("file_path", "")
            if not files or files[-1][0] != path:
                files.append((path, []))
            files[-1][1].append(embed_string(n))
    batches, cur, size = [], [], 0
    for path, strings in files:
        if len(cur) == batch_docs:
            batches.append(cur)
            cur, size = [], 0
        cur.append(strings)
        size += os.path.getsize(path) if os.path.exists(path) else 0
        if size >= batch_bytes:
            batches.append(cur)
            cur, size = [], 0
    if cur:
        batches.append(cur)
    reqs = []
    for b in batches:
        inputs = [s for strings in b for s in strings]
        reqs += [inputs[i:i + per_request] for i in range(0, len(inputs), per_request)]
    return reqs


def null_client(env, reqs):
    """Seconds from firing every request at once to the last answer read."""
    bodies = [json.dumps({"model": "text-embedding-ada-002", "input": q,
                          "encoding_format": "base64"}).encode() for q in reqs]
    done, go, conns = [0.0] * len(bodies), threading.Event(), []
    for _ in bodies:
        c = http.client.HTTPConnection("127.0.0.1", env.port, timeout=120)
        c.connect()
        conns.append(c)

    def one(i):
        go.wait()
        conns[i].request("POST", "/v1/embeddings", body=bodies[i],
                         headers={"Content-Type": "application/json", "Authorization": "Bearer sk-race"})
        conns[i].getresponse().read()
        done[i] = time.monotonic()

    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for t in ts:
        t.start()
    t0 = time.monotonic()
    go.set()
    for t in ts:
        t.join()
    for c in conns:
        c.close()
    return max(done) - t0 if done else 0.0


# ---------------------------------------------------------------- LlamaIndex
def peer_available(args):
    return (not args.no_peer and os.path.exists(args.peer)
            and os.path.isdir(os.environ.get("LLAMAPY", "/tmp/llamapy")))


def peer_once(env, sc, args, corpus, modes):
    cmd = ["bash", args.peer, "--pdf" if sc == "c" else "--input", corpus, "--mode", ",".join(modes),
           "--base-url", env.base, "--api-key", "sk-race-not-a-real-key"]
    if sc == "b":
        cmd.append("--title")
    if sc == "f":
        return {}  # LlamaIndex has no HashEmbedding: scenario f is ours only
    p = subprocess.run(cmd, capture_output=True, text=True)
    load_s, res = 0.0, {}
    for line in p.stdout.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("event") == "loaded":
            load_s = ev["load_s"]
        elif ev.get("event") == "run":
            res[ev["mode"]] = {"wall_s": load_s + ev["wall_s"], "pipeline_s": ev["wall_s"],
                               "nodes": ev.get("nodes"),
                               "requests": ev.get("embedding_requests"),
                               "max_in_flight": ev.get("max_in_flight")}
    if not res:
        sys.stderr.write(f"# peer failed on {sc}: {p.stderr[-2000:]}\n")
    return res


# ---------------------------------------------------------------- bounds
def cpu_reference(args, sc, corpus):
    """Measured CPU seconds of the reference tool for the scenario's CPU part."""
    if sc == "c":
        total = 0.0
        for f in sorted(os.listdir(corpus)):
            if f.lower().endswith(".pdf"):
                _, _, cpu, _ = run_child(["pdftotext", "-raw", os.path.join(corpus, f), "/dev/null"],
                                         stderr=subprocess.DEVNULL)
                total += cpu
        return total
    files = [os.path.join(corpus, f) for f in sorted(os.listdir(corpus)) if f.endswith(".txt")]
    hashing = ["--hash-embed", "1536"] if sc == "f" else []  # (f): splitting + hashing alone
    _, _, cpu, _ = run_child([args.coordinator, "split", "--chunk-size", "1024", "--chunk-overlap",
                              "20"] + hashing + files, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    return cpu


def api_bound(args, sc, r):
    """Longest chain of dependent requests at the mock's latency model."""
    one = (args.latency_ms + args.per_input_ms * min(100, max(r["nodes"], 1))) / 1000.0
    if sc == "b":  # TitleExtractor: node prompts, then the combine prompt, then the embedding
        return 2 * args.latency_ms / 1000.0 + one
    if sc == "d" and args.tpm:  # rolling 60 s window, starting empty
        windows = math.ceil(r["prompt_tokens"] / args.tpm) if r["prompt_tokens"] else 1
        return 60.0 * (windows - 1) + one
    if sc in ("e", "f"):
        return 0.0
    return one


# ---------------------------------------------------------------- report
def med(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs):
    return f"{min(xs):.2f}-{max(xs):.2f}" if xs else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--scenarios", default="a,b,c,d,e,f")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of ours (and the peer on text)")
    ap.add_argument("--peer-repeat-pdf", type=int, default=1, help="peer repetitions on PDFs (~6 min each)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=CORES)
    ap.add_argument("--tpm", type=int, default=1000000)
    ap.add_argument("--rpm", type=int, default=3000)
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--per-input-ms", type=int, default=10)
    ap.add_argument("--text", default=os.path.join(SHARED, "corpus/financebench-seed/text"))
    ap.add_argument("--pdf", default=os.path.join(SHARED, "corpus/financebench-seed/pdf"))
    ap.add_argument("--mock", default=os.path.join(SHARED, "tools/mock-openai/server.mjs"))
    ap.add_argument("--peer", default=os.path.join(SHARED, "peers/llamaindex-py/run.sh"))
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "race-out"))
    args = ap.parse_args()
    args.coordinator = os.path.join(args.build, "coordinator/ingest-coordinator")
    args.worker = os.path.join(args.build, "worker/ingest-worker")
    for f in (args.coordinator, args.worker, args.mock):
        if not os.path.exists(f):
            sys.exit(f"race: missing {f}")
    os.makedirs(args.out, exist_ok=True)
    peer = peer_available(args)
    if not peer:
        sys.stderr.write("# LlamaIndex peer not installed (or --no-peer): ours only\n")
    env = Env(args)
    rows = []
    try:
        for sc in args.scenarios.split(","):
            rows.append(run_scenario(env, sc, args, peer))
            print_row(rows[-1], file=sys.stderr)
    finally:
        env.close()
    report(rows, args)


def run_scenario(env, sc, args, peer):
    corpus = args.pdf if sc == "c" else args.text
    if sc == "d":
        env.start_mock(["--tpm", str(args.tpm), "--rpm", str(args.rpm)])
    ours, li = [], {m: [] for m in LI_MODES}
    reps = 1 if sc == "d" else args.repeat
    peer_reps = args.peer_repeat_pdf if sc == "c" else reps
    if sc == "e":
        return run_warm(env, args)
    nulls, null_reqs = [], None
    for i in range(reps):
        ours.append(ours_once(env, sc, args, corpus))
        if sc in ("a", "c"):
            null_reqs = null_reqs or null_requests(os.path.join(env.dir, f"nodes-{sc}.jsonl"))
            nulls.append(null_client(env, null_reqs))
        if peer and i < peer_reps and sc != "d":
            for m, r in peer_once(env, sc, args, corpus, LI_MODES).items():
                li[m].append(r)
    if sc == "f":  # the same job without --output: reading, splitting, hashing, msgpack, Redis
        bare = [ours_once(env, sc, args, corpus, output=False) for _ in range(reps)]
    if sc == "d":
        env.start_mock([])
    last = ours[-1]
    cpu_ref = cpu_reference(args, sc, corpus)
    bound = cpu_ref / CORES + api_bound(args, sc, last)
    walls = [r["wall_s"] for r in ours]
    row = {"scenario": sc, "ours_s": med(walls), "ours_spread": spread(walls), "bound_s": bound,
           "cpu_ref_s": cpu_ref, "nodes": last["nodes"], "requests": last["requests"],
           "chat_requests": last["chat_requests"], "max_in_flight": last["max_in_flight"],
           "cpu_s": med([r["cpu_s"] for r in ours]), "coord_cpu_s": med([r["coord_cpu_s"] for r in ours]),
           "worker_rss_mb": max(r["worker_rss_mb"] for r in ours),
           "coord_rss_mb": max(r["coord_rss_mb"] for r in ours), "sent_429": last["sent_429"],
           "failed_runs": sum(1 for r in ours if r["rc"] != 0),
           "null_s": med(nulls), "null_spread": spread(nulls), "null_requests": len(null_reqs or [])}
    if sc == "f":
        row["pipeline_cpu_s"] = med([r["cpu_s"] for r in bare])
    if sc == "d":
        row["tpm_used"] = last["prompt_tokens"] / (last["wall_s"] / 60.0) / args.tpm if args.tpm else 0
        row["pct_429"] = 100.0 * last["sent_429"] / max(1, last["requests"])
    for m in LI_MODES:
        row["li_" + m] = med([r["wall_s"] for r in li[m]]) if li[m] else float("nan")
        row["li_" + m + "_spread"] = spread([r["wall_s"] for r in li[m]])
        row["li_" + m + "_nodes"] = li[m][-1]["nodes"] if li[m] else None
    return row


def docstore_spec(env, sc, args):
    """Scenario sc's spec plus a docstore collection (strategy upserts)."""
    path = spec_for(env, sc, args)
    with open(path) as f:
        spec = json.load(f)
    spec["docstore"] = {"collection": f"race-{sc}", "strategy": "upserts"}
    path = path.replace(".json", "-docstore.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def run_warm(env, args):
    """e: warm re-runs of a (text) and c (PDFs), nothing flushed: with the
    transformation cache only ("cache") and with a docstore collection too
    ("ds", strategy upserts), each against its own cold run; the two kinds of
    warm run are interleaved."""
    out = {"scenario": "e", "bound_s": 0.0}
    for tag, sc, corpus in (("text", "a", args.text), ("pdf", "c", args.pdf)):
        specs = {"cache": None, "ds": docstore_spec(env, sc, args)}
        cold = {k: ours_once(env, sc, args, corpus, flush=True, spec=sp) for k, sp in specs.items()}
        warm = {k: [] for k in specs}
        for _ in range(args.repeat):
            for k, sp in specs.items():
                warm[k].append(ours_once(env, sc, args, corpus, flush=False, spec=sp))
        for k in specs:
            p, w = f"{tag}_{k}_", [r["wall_s"] for r in warm[k]]
            out[p + "cold_s"] = cold[k]["wall_s"]
            out[p + "cold_requests"] = cold[k]["requests"]
            out[p + "warm_s"] = med(w)
            out[p + "warm_spread"] = spread(w)
            out[p + "warm_requests"] = warm[k][-1]["requests"]
            out[p + "warm_ratio"] = med(w) / cold[k]["wall_s"] if cold[k]["wall_s"] else float("nan")
            out[p + "nodes"] = warm[k][-1]["nodes"]
            out[p + "failed_runs"] = sum(1 for r in warm[k] + [cold[k]] if r["rc"] != 0)
    out["ours_s"] = out["text_ds_warm_s"]
    return out


def fmt(v, d=2):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.{d}f}" if isinstance(v, float) else str(v)


def print_row(r, file=sys.stdout):
    print("# " + json.dumps(r, default=str), file=file, flush=True)


def report(rows, args):
    hdr = ["scen", "ours s", "spread", "bound s", "ours/bound", "nodes", "req", "inflight", "cpu s",
           "wRSS MB", "cRSS MB"] + [f"LI {m}" for m in LI_MODES] + ["LI-best/ours"]
    lines = []
    for r in rows:
        if r["scenario"] == "e":
            continue
        best = min((r.get("li_" + m, float("nan")) for m in LI_MODES
                    if not math.isnan(r.get("li_" + m, float("nan")))), default=float("nan"))
        lines.append([r["scenario"], fmt(r["ours_s"]), r["ours_spread"], fmt(r["bound_s"]),
                      fmt(r["ours_s"] / r["bound_s"] if r["bound_s"] else float("nan")),
                      fmt(r["nodes"]), fmt(r["requests"]), fmt(r["max_in_flight"]), fmt(r["cpu_s"]),
                      fmt(r["worker_rss_mb"], 0), fmt(r["coord_rss_mb"], 0)] +
                     [fmt(r.get("li_" + m)) for m in LI_MODES] +
                     [fmt(best / r["ours_s"] if r["ours_s"] else float("nan"), 1)])
    w = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(hdr)]
    print("  ".join(h.rjust(w[i]) for i, h in enumerate(hdr)))
    for l in lines:
        print("  ".join(c.rjust(w[i]) for i, c in enumerate(l)))
    for r in rows:
        if r["scenario"] == "d":
            print(f"d: {100 * r['tpm_used']:.1f}% of the {args.tpm} tokens/min limit used, "
                  f"{r['pct_429']:.2f}% of requests answered 429")
        if r["scenario"] == "e":
            for t in ("text", "pdf"):
                for k, what in (("cache", "cache only"), ("ds", "cache + docstore")):
                    p = f"{t}_{k}_"
                    print(f"e ({t}, {what}): cold {fmt(r[p + 'cold_s'])} s, warm {fmt(r[p + 'warm_s'])} s "
                          f"({r[p + 'warm_spread']}), warm/cold {fmt(r[p + 'warm_ratio'], 3)}, "
                          f"{r[p + 'warm_requests']} embedding requests, {r[p + 'nodes']} nodes")
        if r.get("null_requests"):
            print(f"{r['scenario']}: null client ({r['null_requests']} requests at once, answers dropped): "
                  f"last answer {fmt(r['null_s'])} s ({r['null_spread']}) = {fmt(r['null_s'] / r['bound_s'])}x "
                  f"the bound; ours/null {fmt(r['ours_s'] / r['null_s'] if r['null_s'] else float('nan'))}")
        if r["scenario"] == "f":
            ref = r["cpu_ref_s"] or float("nan")
            print(f"f: splitting + hashing alone {fmt(r['cpu_ref_s'])} CPU-s; the pipeline (reading, "
                  f"splitting, hashing, msgpack, Redis; submit --wait) {fmt(r['pipeline_cpu_s'])} s "
                  f"({fmt(r['pipeline_cpu_s'] / ref)}x); with the JSON export (--output) "
                  f"{fmt(r['cpu_s'])} s, coordinator {fmt(r['coord_cpu_s'])} s ({fmt(r['cpu_s'] / ref)}x)")
    keys = sorted({k for r in rows for k in r})
    with open(os.path.join(args.out, "race.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=keys)
        wr.writeheader()
        for r in rows:
            wr.writerow(r)
    plot(rows, args)


def plot(rows, args):
    rows = [r for r in rows if r["scenario"] != "e"]
    if not rows or not shutil.which("gnuplot"):
        return
    dat = os.path.join(args.out, "race.dat")
    with open(dat, "w") as f:
        f.write("scenario ours bound " + " ".join(LI_MODES) + "\n")
        for r in rows:
            vals = [r["ours_s"], r["bound_s"]] + [r.get("li_" + m, float("nan")) for m in LI_MODES]
            f.write(r["scenario"] + " " + " ".join("NaN" if math.isnan(v) else f"{v:.4f}" for v in vals) + "\n")
    png = os.path.join(args.out, "race.png")
    titles = ["ingest", "bound", "LI run()", "LI run(num_workers=4)", "LI arun()", "LI arun(num_workers=4)"]
    cols = [i for i, k in enumerate(["ours_s", "bound_s"] + ["li_" + m for m in LI_MODES])
            if any(not math.isnan(r.get(k, float("nan"))) and r.get(k, 0) > 0 for r in rows)]
    series = ", ".join(("'%s' using %d%s title '%s'" % (dat if n == 0 else "", c + 2,
                        ":xtic(1)" if n == 0 else "", titles[c])) for n, c in enumerate(cols))
    gp = f"""set terminal pngcairo size 1000,560 noenhanced font ',10'
set output '{png}'
set title 'ingest vs LlamaIndex 0.14.19 IngestionPipeline ({time.strftime('%Y-%m-%d')}, {CORES} cores, mock {args.latency_ms} ms + {args.per_input_ms} ms/input)'
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [0.01:*]
set ylabel 'wall time, s (log scale)'
set key outside right
set grid ytics
plot {series}
"""
    subprocess.run(["gnuplot"], input=gp, text=True, check=False)


if __name__ == "__main__":
    main()
