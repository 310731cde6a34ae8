#!/usr/bin/env python3
"""bench_flow.py - driver of bench_flow.sh (see there)."""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time


def make_corpus(seed, dst, copies):
    os.makedirs(dst, exist_ok=True)
    names = sorted(f for f in os.listdir(seed) if f.endswith(".txt"))
    for k in range(copies):
        for name in names:
            src = open(os.path.join(seed, name), encoding="utf-8").read()
            text = src if k == 0 else "\n".join(l + f" [c{k}]" for l in src.split("\n"))
            open(os.path.join(dst, f"c{k:03d}_{name}"), "w", encoding="utf-8").write(text)
    return len(names) * copies


def timed(cmd, out, **kw):
    """Runs cmd under /usr/bin/time (peak RSS in KB into out + '.time')."""
    return subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", out + ".time"] + cmd, **kw)


def peak_kb(path):
    try:
        return int(open(path + ".time").read().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def hwm_kb(pid):
    """Peak RSS of a live process (VmHWM)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cli(sock, *args):
    return subprocess.run(["redis-cli", "-s", sock] + list(args), capture_output=True,
                          text=True).stdout


def start_line(cmd, **kw):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, **kw)
    return p, json.loads(p.stdout.readline())


def run_size(a, d, size, base, pg_port):
    corpus = os.path.join(d, f"corpus{size}")
    nfiles = make_corpus(a.corpus, corpus, size)
    sock = os.path.join(d, "redis.sock")
    cli(sock, "FLUSHALL")
    vs = ""
    if a.sink == "pg":
        vs = (', "vector_store": {"class_name": "PGVectorStore", "host": "127.0.0.1", '
              f'"port": {pg_port}, "database": "postgres", "user": "postgres", '
              f'"table_name": "bench{size}", "embed_dim": 1536}}')
    spec = os.path.join(d, "spec.json")
    open(spec, "w").write(
        '{"transformations": [{"class_name": "SentenceSplitter", "chunk_size": 1024, '
        '"chunk_overlap": 20}, {"class_name": "OpenAIEmbedding", "api_base": "%s", '
        '"embed_batch_size": 100}]%s}' % (base, vs))
    env = dict(os.environ, OPENAI_API_KEY="sk-bench-not-a-real-key", INGEST_REDIS_URL="unix://" + sock)
    coord = os.path.join(a.build, "coordinator/ingest-coordinator")
    worker = os.path.join(a.build, "worker/ingest-worker")
    used0 = int(cli(sock, "INFO", "memory").split("used_memory:")[1].split()[0])
    ws = [subprocess.Popen([worker, "--redis", "unix://" + sock], env=env,
                           stderr=open(os.path.join(d, f"w{i}.log"), "w")) for i in range(a.workers)]
    t0 = time.time()
    extra = ["--stream"] if a.sink == "follow" else []
    sub = timed([coord, "submit", "--pipeline", spec] + extra + [corpus], os.path.join(d, "submit"),
                env=env, stdout=subprocess.PIPE, text=True)
    job = sub.stdout.readline().strip()
    fol = None
    if a.sink == "follow":
        fol = timed([coord, "export", job, "--follow", "-o", os.path.join(d, "out.jsonl")],
                    os.path.join(d, "follow"), env=env, stderr=subprocess.DEVNULL)
    peak = [0, 0, 0]  # used_memory, of which dataset, of which client buffers (at that peak)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                used = int(cli(sock, "INFO", "memory").split("used_memory:")[1].split()[0])
                if used > peak[0]:
                    ms = cli(sock, "MEMORY", "STATS").split("\n")
                    st = {k: ms[i + 1] for i, k in enumerate(ms[:-1]) if k in ("dataset.bytes", "clients.normal")}
                    peak[:] = [used, int(st.get("dataset.bytes", 0)), int(st.get("clients.normal", 0))]
            except (IndexError, ValueError):
                pass
            time.sleep(0.1)
    th = threading.Thread(target=sample)
    th.start()
    sub.wait()
    if fol:
        fol.wait()
    while True:
        st = json.loads(subprocess.run([coord, "status", "--json", job], env=env,
                                       capture_output=True, text=True).stdout)
        if st["state"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.1)
    t1 = time.time()
    stop.set()
    th.join()
    wpeak = max(hwm_kb(w.pid) for w in ws)
    for w in ws:
        w.terminate()
    for w in ws:
        w.wait()
    secs = t1 - t0
    shutil.rmtree(corpus, ignore_errors=True)
    return {"size": size, "sink": a.sink, "files": nfiles, "state": st["state"],
            "documents_failed": st["documents_failed"], "nodes": st["nodes"],
            "seconds": round(secs, 2), "nodes_per_s": round(st["nodes"] / secs, 1),
            "redis_used_memory_peak_mb": round(peak[0] / 2**20, 1),
            "redis_used_memory_base_mb": round(used0 / 2**20, 1),
            "at_peak_dataset_mb": round(peak[1] / 2**20, 1), "at_peak_client_buffers_mb": round(peak[2] / 2**20, 1),
            "worker_peak_rss_mb": round(wpeak / 1024, 1),
            "submit_peak_rss_mb": (peak_kb(os.path.join(d, "submit")) or 0) / 1024,
            "follow_peak_rss_mb": (peak_kb(os.path.join(d, "follow")) or 0) / 1024 if fol else None}


def main():
    ap = argparse.ArgumentParser()
    for k in ("build", "sizes", "corpus", "mock", "sink", "pg_server"):
        ap.add_argument("--" + k.replace("_", "-"), required=True)
    ap.add_argument("--workers", type=int, default=4)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ingest-bench-flow-")
    procs = []
    try:
        sock = os.path.join(d, "redis.sock")
        procs.append(subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", sock, "--dir", d,
                                       "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL))
        mock, info = start_line(["node", a.mock, "--port", "0"])
        procs.append(mock)
        base = info["url"] + "/v1"
        pg_port = None
        if a.sink == "pg":
            pg, info = start_line(["node", os.path.abspath(a.pg_server)], cwd=os.path.dirname(os.path.abspath(a.pg_server)))
            procs.append(pg)
            pg_port = info["port"]
        while not os.path.exists(sock):
            time.sleep(0.05)
        for size in [int(s) for s in a.sizes.split()]:
            print(json.dumps(run_size(a, d, size, base, pg_port)), flush=True)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
