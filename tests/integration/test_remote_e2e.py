#!/usr/bin/env python3
"""test_remote_e2e.py - remote stages through the whole system: coordinator,
real Redis, two real workers, the project's fake OpenAI server.

Checks: every exported node's embedding equals the fake server's vector for
exactly LlamaIndex's embed string (get_content(EMBED), "\\n" -> " ");
TitleExtractor's document_title per document and the node text template;
retries (429/500/drop) succeed; a permanently rejected input fails its
document and the rest completes; the rpm limit holds across two workers
through the shared Redis bucket; the API key appears neither in the worker
logs nor anywhere in Redis; submit --wait --output writes the bytes
`export -o` writes when the first batch is acknowledged last, with more
batches behind it than the export renders ahead (FOLLOW_AHEAD)."""
import argparse
import json
import os
import struct
import subprocess
import sys
import time
import urllib.request

from harness import Checker, Env, Failure

SECRET = "sk-e2e-SECRET-7d2f0b19c4"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fake_openai"))
import fake_openai  # noqa: E402

TITLE_NODE = ("Context: {context_str}. Give a title that summarizes all of the unique entities, "
              "titles or themes found in the context. Title: ")
TITLE_COMBINE = ("{context_str}. Based on the above candidate titles and content, what is the "
                 "comprehensive title for this document? Title: ")
NODE_TEXT_TMPL = "[Excerpt from document]\n{metadata_str}\nExcerpt:\n-----\n{content}\n-----\n"


class Fake:
    def __init__(self, d, *extra):
        pf = os.path.join(d, "fake.port")
        self.p = subprocess.Popen([sys.executable, fake_openai.__file__, "--port", "0",
                                   "--port-file", pf, "--dims", "32"] + list(extra),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(pf):
                break
            time.sleep(0.025)
        self.port = int(open(pf).read())
        self.base = f"http://127.0.0.1:{self.port}/v1"

    def call(self, path, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                     data=json.dumps(body).encode() if body is not None else None)
        return json.loads(urllib.request.urlopen(req).read())

    def close(self):
        self.p.terminate()
        self.p.wait()


def py_str(v):
    if v is True:
        return "True"
    if v is False:
        return "False"
    if v is None:
        return "None"
    return str(v)


def get_content_embed(n):
    md = [(k, v) for k, v in n["metadata"].items() if k not in n["excluded_embed_metadata_keys"]]
    ms = n["metadata_separator"].join(
        n["metadata_template"].format(key=k, value=py_str(v)) for k, v in md)
    if not ms.strip():
        return n["text"]
    return n["text_template"].format(metadata_str=ms.strip(), content=n["text"]).strip()


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def exact(n, dims=32):
    want = fake_openai.embed(get_content_embed(n).replace("\n", " "), dims)
    got = n["embedding"]
    return got is not None and len(got) == dims and all(f32(a) == b for a, b in zip(got, want))


def write_spec(env, name, tfs):
    p = os.path.join(env.dir, name)
    json.dump({"transformations": tfs}, open(p, "w"))
    return p


def run(env, data, spec, nworkers=2):
    job = env.coord("submit", "--recursive", "--batch-docs", "1", "--pipeline", spec,
                    data).stdout.strip()
    ws = [env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET})
          for _ in range(nworkers)]
    codes = env.wait_all(ws, timeout=120)
    return job, codes, ws


def redis_values(env):
    """Every key and every value in Redis, as text."""
    out = []
    for k in env.cli_lines("--scan"):
        out.append(k)
        t = env.cli("TYPE", k)
        cmd = {"string": ["GET"], "hash": ["HGETALL"], "list": ["LRANGE", k, "0", "-1"],
               "set": ["SMEMBERS"], "zset": ["ZRANGE", k, "0", "-1"]}.get(t)
        if cmd:
            args = cmd if len(cmd) > 1 else cmd + [k]
            r = subprocess.run(["redis-cli", "-s", env.sock] + args, capture_output=True)
            out.append(r.stdout.decode("utf-8", "replace"))
    return "\n".join(out)


def check_embeddings(t, env, data, fake):
    fake.call("/control", {"faults": ["429", "500", "drop"], "retry_after": 0.05})
    spec = write_spec(env, "embed.json", [
        {"class_name": "SentenceSplitter", "chunk_size": 128, "chunk_overlap": 10},
        {"class_name": "OpenAIEmbedding", "api_base": fake.base, "embed_batch_size": 8,
         "rpm": 100000, "tpm": 100000000}])
    job, codes, ws = run(env, data, spec)
    t.check(codes == [0, 0], f"workers exit 0 ({codes})")
    st = env.status(job)
    t.check(st["state"] == "done" and st["documents_failed"] == 0, f"job done: {st}")
    nodes = env.export(job)
    t.check(len(nodes) > 10, f"nodes exported ({len(nodes)})")
    bad = [n["id_"] for n in nodes if not exact(n)]
    t.check(not bad, f"every embedding is the vector of its embed string (bad: {bad[:3]})")
    s = fake.call("/stats")
    t.check(s["responses"].get("429") == 1 and s["dropped"] == 1, f"faults served: {s['responses']}")
    t.check(s["auth"].get("Bearer " + SECRET, 0) >= 3, "key sent as Bearer")
    t.check(env.cli_lines("--scan", "--pattern", "ingest:ratelimit:*") != [],
            "rate-limit bucket kept in Redis")
    return ws


def check_llamaindex_pipeline(t, env, data, fake, lijson):
    """The JSON LlamaIndex's to_dict() writes (tests/data/lijson/pipeline_list.json:
    SentenceSplitter, TitleExtractor with an OpenAI LLM, OpenAIEmbedding, each with
    its api_key) works as --pipeline once api_base points at the fake; the keys
    never reach Redis; the embeddings print as Python prints them."""
    tfs = json.load(open(os.path.join(lijson, "pipeline_list.json")))
    tfs[1]["llm"]["api_base"] = tfs[2]["api_base"] = fake.base
    spec = os.path.join(env.dir, "li.json")
    json.dump(tfs, open(spec, "w"))
    r = env.coord("submit", "--recursive", "--batch-docs", "2", "--pipeline", spec, data)
    t.check("2 secret field(s)" in r.stderr and "environment" in r.stderr,
            f"says once that keys come from the workers' environment: {r.stderr!r}")
    job = r.stdout.strip()
    ws = [env.start_worker("--exit-when-idle", env={"OPENAI_API_KEY": SECRET})]
    env.wait_all(ws, timeout=120)
    st = env.status(job)
    t.check(st["state"] == "done" and st["documents_failed"] == 0, f"LlamaIndex spec job: {st}")
    t.check("sk-fixture-not-a-key" not in redis_values(env), "to_dict() api_key not in Redis")
    lines = env.coord("export", job).stdout.splitlines()
    nodes = [json.loads(l) for l in lines]
    t.check(nodes and all("document_title" in n["metadata"] for n in nodes), "titles extracted")
    bad = [n["id_"] for n in nodes if not exact(n)]
    t.check(not bad, f"embeddings exact (bad: {bad[:3]})")
    py = [json.dumps(n["embedding"], separators=(",", ":")) for n in nodes]
    t.check(all(f'"embedding":{p},' in l for p, l in zip(py, lines)),
            "embedding floats printed as Python's json.dumps prints them")
    t.check(all(x == f32(x) for n in nodes for x in n["embedding"]),
            "each float is a float32's float64 expansion")
    return ws


def check_title_and_failure(t, env, data, fake):
    spec = write_spec(env, "title.json", [
        {"class_name": "SentenceSplitter", "chunk_size": 128, "chunk_overlap": 10},
        {"class_name": "TitleExtractor", "nodes": 3, "llm": {"api_base": fake.base}},
        {"class_name": "OpenAIEmbedding", "api_base": fake.base, "embed_batch_size": 50}])
    job, codes, ws = run(env, data, spec)
    t.check(codes == [0, 0], f"workers exit 0 ({codes})")
    st = env.status(job)
    t.check(st["state"] == "failed", f"a document failed on an API error -> job failed: {st}")
    t.check(st["documents_failed"] == 1, f"one document failed (poisoned): {st}")
    errs = env.cli_lines("HGETALL", f"ingest:job:{job}:errors")
    t.check(any("poison.txt" in e for e in errs) and any("HTTP 400" in e for e in errs),
            f"failure recorded with the API's message: {errs}")
    nodes = env.export(job)
    by_doc = {}
    for n in nodes:
        by_doc.setdefault(n["relationships"]["1"]["node_id"], []).append(n)
    t.check(not any(d.endswith("/poison.txt") for d in by_doc) and len(by_doc) >= 4,
            f"other documents complete: {list(by_doc)}")
    for doc, ns in by_doc.items():
        cands = [fake_openai.chat_answer(TITLE_NODE.replace("{context_str}", n["text"]))
                 for n in ns[:3]]
        title = fake_openai.chat_answer(TITLE_COMBINE.replace("{context_str}", ", ".join(cands)))
        t.check(all(n["metadata"].get("document_title") == title for n in ns),
                f"{doc}: document_title on every node")
        t.check(all(n["text_template"] == NODE_TEXT_TMPL for n in ns), f"{doc}: text_template")
    bad = [n["id_"] for n in nodes if not exact(n)]
    t.check(not bad, f"embeddings after TitleExtractor match (bad: {bad[:3]})")
    return ws


def check_cluster_rate_limit(t, env, data, fake):
    """Two workers share one Redis window: rpm 6 lets 6 requests through in
    total (two local limiters would let 12), the next one only a minute later."""
    fake.call("/stats/reset", {})
    spec = write_spec(env, "rpm.json", [
        {"class_name": "SentenceSplitter", "chunk_size": 64, "chunk_overlap": 0},
        {"class_name": "OpenAIEmbedding", "api_base": fake.base, "embed_batch_size": 2,
         "rpm": 6, "model_name": "text-embedding-3-small"}])  # a model with a fresh window
    env.coord("submit", "--recursive", "--batch-docs", "1", "--pipeline", spec, data)
    ws = [env.start_worker(env={"OPENAI_API_KEY": SECRET}) for _ in range(2)]
    deadline = time.time() + 20
    while time.time() < deadline and fake.call("/stats")["requests"].get("/embeddings", 0) < 6:
        time.sleep(0.05)
    time.sleep(1.5)
    n = fake.call("/stats")["requests"].get("/embeddings", 0)
    t.check(n == 6, f"cluster-wide rpm 6 across two workers: {n} requests")
    keys = [k for k in env.cli_lines("--scan", "--pattern", "ingest:ratelimit:*")
            if not k.endswith(":log")]
    windows = [int(env.cli("HGET", k, "r") or 0) for k in keys]
    t.check(6 in windows, f"the shared window holds the 6 grants: {windows}")
    busy = [w for w in ws if w.poll() is None]
    t.check(len(busy) == 2, "both workers still waiting for the limit")
    for w in ws:
        w.kill()
        w.wait()
    return ws


def check_output_out_of_order(t, env, fake):
    """The first embeddings request is held 3 s, so its batch is acknowledged after
    the 44 behind it: the live export parks what it renders ahead (up to
    FOLLOW_AHEAD = 32 batches, then waits) and still writes them in order."""
    docs = os.path.join(env.dir, "many")
    os.makedirs(docs)
    for i in range(45):
        open(os.path.join(docs, f"d{i:02d}.txt"), "w").write(f"Document number {i}. It says {i * i}.\n")
    spec = write_spec(env, "ooo.json", [
        {"class_name": "SentenceSplitter", "chunk_size": 128, "chunk_overlap": 10},
        {"class_name": "OpenAIEmbedding", "api_base": fake.base, "embed_batch_size": 8}])
    fake.call("/control", {"faults": ["slow:3000"]})
    out, again = os.path.join(env.dir, "ooo.jsonl"), os.path.join(env.dir, "ooo-after.jsonl")
    e = dict(os.environ, INGEST_REDIS_URL=env.url)
    p = subprocess.Popen([env.coordinator, "submit", "--wait", "--output", out, "--batch-docs", "1",
                          "--pipeline", spec, docs],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    w = env.start_worker("--exit-when-idle", "--concurrency", "16", env={"OPENAI_API_KEY": SECRET})
    codes = env.wait_all([w], timeout=120)
    so, se = p.communicate(timeout=120)
    job = so.strip()
    t.check(codes == [0] and p.returncode == 0, f"worker and submit --wait exit 0: {codes} {p.returncode} {se[-300:]}")
    st = env.status(job)
    t.check(st["batches_total"] == 45 and st["nodes"] == 45, f"45 batches, 45 nodes: {st}")
    acks = [l for l in open(w.logpath) if "event=batch_done" in l]
    t.check(acks and "batch=0 " not in acks[0], f"batch 0 was not acknowledged first: {acks[:1]}")
    env.coord("export", job, "-o", again)
    live, after = open(out, "rb").read(), open(again, "rb").read()
    t.check(live == after and live.count(b"\n") == 45,
            f"--output byte-identical to export -o ({len(live)} vs {len(after)} bytes)")
    return [w]


def check_no_secret(t, env, workers):
    for w in workers:
        log = open(w.logpath, encoding="utf-8", errors="replace").read()
        t.check(SECRET not in log, f"key not in worker log {w.logpath}")
    t.check(SECRET not in redis_values(env), "key nowhere in Redis")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--coordinator", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    t = Checker()
    env = Env(a.coordinator, a.worker)
    fake = None
    try:
        data = os.path.join(env.dir, "docs")
        os.makedirs(data)
        src = os.path.join(a.data, "sample")
        for root, _, files in os.walk(src):
            for f in files:
                p = os.path.join(root, f)
                open(os.path.join(data, f), "wb").write(open(p, "rb").read())
        fake = Fake(env.dir, "--reject-substring", "POISON")
        ws = check_embeddings(t, env, data, fake)
        ws += check_llamaindex_pipeline(t, env, data, fake, os.path.join(a.data, "lijson"))
        open(os.path.join(data, "poison.txt"), "w").write("This document holds POISON.\n")
        ws += check_title_and_failure(t, env, data, fake)
        ws += check_output_out_of_order(t, env, fake)
        ws += check_cluster_rate_limit(t, env, data, fake)  # leaves its job unfinished: last
        check_no_secret(t, env, ws)
    except Failure as e:
        t.check(False, str(e))
    finally:
        if fake:
            fake.close()
        env.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
