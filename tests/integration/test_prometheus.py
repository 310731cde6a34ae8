#!/usr/bin/env python3
"""test_prometheus.py - the worker's /metrics scraped by the real Prometheus
(Debian's `prometheus`): the test starts Prometheus with a scrape config for
a worker on loopback (scrape_interval 1s), runs an embedding job against the
fake OpenAI server (with a 429 and a 500 scheduled), and asks Prometheus's
HTTP API (/api/v1/query) that the counters rose as the job says; `promtool
check metrics` lints a scrape.  Also: /healthz, 404, the request-size cap,
JSON logs whose API retry lines name worker, job and batch, and the API key
in neither the logs nor the metrics.  With INGEST_OPS_SAMPLES=DIR the scrape
and the query results are saved there (the README/closing-note samples)."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from harness import Checker, Env, Failure, free_port, parse_args, wait_for
from test_remote_e2e import SECRET, Fake, write_spec


def http(url, data=None):
    try:
        r = urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10)
        return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def raw(port, payload):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(payload)
    out = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
    s.close()
    return out.decode("utf-8", "replace")


class Prom:
    def __init__(self, d, target):
        self.port = free_port()
        cfg = os.path.join(d, "prometheus.yml")
        open(cfg, "w").write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                             "scrape_configs:\n  - job_name: ingest\n    static_configs:\n"
                             f"      - targets: ['{target}']\n")
        self.log = open(os.path.join(d, "prometheus.log"), "w")
        self.p = subprocess.Popen(["prometheus", f"--config.file={cfg}",
                                   f"--storage.tsdb.path={os.path.join(d, 'tsdb')}",
                                   f"--web.listen-address=127.0.0.1:{self.port}"],
                                  stdout=self.log, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"

    def ready(self):
        try:
            return http(self.base + "/-/ready")[0] == 200
        except OSError:
            return False

    def query(self, q):
        st, body = http(self.base + "/api/v1/query?" + urllib.parse.urlencode({"query": q}))
        return json.loads(body) if st == 200 else {"status": "error", "http": st}

    def value(self, q):
        r = self.query(q).get("data", {}).get("result", [])
        return float(r[0]["value"][1]) if r else None

    def close(self):
        self.p.terminate()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def main():
    a = parse_args()
    t = Checker()
    if not shutil.which("prometheus") or not shutil.which("promtool"):
        t.check(False, "prometheus and promtool installed (deploy/common.sh PACKAGES)")
        return t.done()
    env = Env(a.coordinator, a.worker)
    fake = prom = None
    try:
        fake = Fake(env.dir, "--faults", "429,500")
        w = env.start_worker("--id", "prom-1", "--metrics-listen", "127.0.0.1:0", "--log-format", "json",
                             env={"OPENAI_API_KEY": SECRET})
        port = []

        def listening():
            for l in open(w.logpath).read().splitlines():
                if '"event":"metrics_listening"' in l:
                    port.append(json.loads(l)["port"])
                    return True
            return False
        if not wait_for(listening, 15):
            raise Failure("worker did not log metrics_listening")
        mport = port[0]
        run(t, env, a, w, fake, mport)
        prom = Prom(env.dir, f"127.0.0.1:{mport}")
        t.check(wait_for(prom.ready, 60), "Prometheus ready")
        t.check(wait_for(lambda: prom.value('up{job="ingest"}') == 1.0, 30), "Prometheus scrapes the worker")
        before = prom.value('ingest_batches_total{outcome="done"}')
        job = env.coord("submit", "--batch-docs", "1", "--pipeline", spec(env, fake), a.data + "/sample").stdout.strip()
        t.check(wait_for(lambda: env.status(job)["state"] == "done", 60), "job done")
        st = env.status(job)
        want = before + st["batches_done"] if before is not None else None
        qdone = 'ingest_batches_total{outcome="done"}'
        t.check(wait_for(lambda: prom.value(qdone) == want, 30),
                f"Prometheus: batches done rose by {st['batches_done']} ({before} -> {prom.value(qdone)})")
        checks = {
            'sum(ingest_nodes_total)': lambda v: v >= st["nodes"],
            'sum(ingest_api_requests_total{endpoint="embeddings"})': lambda v: v >= st["embedding_requests"],
            'ingest_api_requests_total{endpoint="embeddings",status="2xx"}': lambda v: v >= 1,
            'ingest_api_throttled_total{endpoint="embeddings"}': lambda v: v >= 1,
            'ingest_api_retries_total{endpoint="embeddings"}': lambda v: v >= 2,
            'ingest_api_requests_total{endpoint="embeddings",status="5xx"}': lambda v: v >= 1,
            'ingest_api_request_duration_seconds_count{endpoint="embeddings"}': lambda v: v >= 3,
            'ingest_documents_total{outcome="ok"}': lambda v: v >= st["documents_done"],
            'ingest_cpu_stage_seconds_total{stage="read"}': lambda v: v > 0,
            'ingest_api_tokens_total{endpoint="embeddings"}': lambda v: v > 0,
        }
        results = {}
        for q, ok in checks.items():
            v = prom.value(q)
            results[q] = v
            t.check(v is not None and ok(v), f"Prometheus: {q} = {v}")
        samples = os.environ.get("INGEST_OPS_SAMPLES")
        if samples:
            q = 'ingest_batches_total{outcome="done"}'
            with open(os.path.join(samples, "ops-prom.txt"), "w") as f:
                f.write(f"# GET /api/v1/query?query={q}\n{json.dumps(prom.query(q))}\n")
                f.write("# further values read through /api/v1/query after the job:\n")
                for k, v in results.items():
                    f.write(f"{k} = {v}\n")
            open(os.path.join(samples, "ops-metrics.txt"), "w").write(
                http(f"http://127.0.0.1:{mport}/metrics")[1])
        w.terminate()
        env.wait_all([w], timeout=30)
        log = open(w.logpath).read()
        t.check(SECRET not in log, "API key not in the JSON logs")
        lines = [json.loads(l) for l in log.splitlines() if l.startswith("{")]
        t.check(len(lines) == len(log.splitlines()), "every log line is JSON")
        retry = [l for l in lines if l["event"] in ("remote_retry", "remote_throttle")]
        t.check(retry and all(l.get("worker") == "prom-1" and l.get("job") and l.get("ref", "").startswith(
            l.get("job", "?") + ":") for l in retry), f"API retry lines name worker, job and batch: {retry[:2]}")
        bl = [l for l in lines if l["event"] in ("batch_done", "stage_end")]
        t.check(bl and all(l.get("worker") and l.get("job") and l.get("ref") for l in bl),
                "batch lines name worker, job and batch")
    except Failure as e:
        t.check(False, str(e))
    finally:
        if prom:
            prom.close()
        if fake:
            fake.close()
        env.close()
    return t.done()


def spec(env, fake):
    return write_spec(env, "prom.json", [
        {"class_name": "SentenceSplitter", "chunk_size": 128, "chunk_overlap": 0},
        {"class_name": "OpenAIEmbedding", "api_base": fake.base, "embed_batch_size": 8, "max_retries": 4}])


def run(t, env, a, w, fake, mport):
    """The endpoint itself: metrics text, promtool, health, errors, the cap."""
    st, body = http(f"http://127.0.0.1:{mport}/metrics")
    t.check(st == 200 and "ingest_batches_total" in body and 'version="' in body, "GET /metrics")
    t.check(SECRET not in body, "API key not in the metrics")
    r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True)
    t.check(r.returncode == 0, f"promtool check metrics: {r.stdout}{r.stderr}")
    t.check(http(f"http://127.0.0.1:{mport}/healthz") == (200, "ok\n"), "GET /healthz")
    t.check(http(f"http://127.0.0.1:{mport}/nope")[0] == 404, "404 elsewhere")
    t.check(http(f"http://127.0.0.1:{mport}/metrics", data=b"x")[0] == 405, "405 for POST")
    head = b"GET /metrics HTTP/1.0\r\nX: "
    big = raw(mport, head + b"a" * (8192 - len(head)))  # the cap, and no end of the head yet
    t.check(big.startswith("HTTP/1.0 431"), f"oversized request refused: {big[:40]!r}")
    t.check(raw(mport, b"GET /healthz HTTP/1.0\r\n\r\n").endswith("ok\n"), "one response, then close")


if __name__ == "__main__":
    sys.exit(main())
