#!/usr/bin/env python3
"""test_multihost.py - workers on separate "hosts": two network namespaces
made here (ip netns, a veth pair each, addresses 10.200.x.y that only this
test uses), Redis on the host side of both links.  Shows that workers on
different hosts share one job; that when one host's link is cut mid-job its
batches are requeued once its heartbeat expires and finished by the other
host, nothing lost or recorded twice; and that no worker needs the
submitter's files (they are deleted before any worker starts).  Each
namespace runs its own fake OpenAI server on its own loopback (same port),
so the embedding calls never leave the "host".  Exits 77 (skip) with a
message where namespaces cannot be made (not root, no CAP_NET_ADMIN)."""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from harness import Checker, free_port, parse_args

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "..", "fake_openai", "fake_openai.py")
SKIP = 77


def sh(*cmd, check=True):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


class Hosts:
    """Two namespaces, each linked to the root namespace by a veth pair."""

    def __init__(self):
        tag = os.getpid() % 100000
        self.ns = [f"ingmh{tag}{c}" for c in "ab"]
        self.veth = [f"imh{tag}{c}" for c in "ab"]
        base = 10 + (os.getpid() % 100) * 2
        self.net = [f"10.200.{base + i}" for i in range(2)]
        self.made = []

    def up(self):
        for i, ns in enumerate(self.ns):
            sh("ip", "netns", "add", ns)
            self.made.append(ns)
            sh("ip", "link", "add", self.veth[i], "type", "veth", "peer", "name", self.veth[i] + "n")
            sh("ip", "link", "set", self.veth[i] + "n", "netns", ns)
            sh("ip", "addr", "add", f"{self.net[i]}.1/24", "dev", self.veth[i])
            sh("ip", "link", "set", self.veth[i], "up")
            sh("ip", "-n", ns, "addr", "add", f"{self.net[i]}.2/24", "dev", self.veth[i] + "n")
            sh("ip", "-n", ns, "link", "set", self.veth[i] + "n", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")

    def cut(self, i):
        sh("ip", "link", "set", self.veth[i], "down")

    def down(self):
        for i, ns in enumerate(self.made):
            sh("ip", "link", "del", self.veth[i], check=False)
            sh("ip", "netns", "del", ns, check=False)


def can_make_namespaces():
    probe = f"ingmhprobe{os.getpid()}"
    r = sh("ip", "netns", "add", probe, check=False)
    if r.returncode:
        return r.stderr.strip() or "ip netns add failed"
    sh("ip", "netns", "del", probe, check=False)
    return None


def main():
    a = parse_args()
    if not shutil.which("ip"):
        print("SKIP: the ip command (iproute2) is not installed")
        return SKIP
    why = can_make_namespaces()
    if why:
        print(f"SKIP: network namespaces are not permitted here ({why})")
        return SKIP
    t = Checker()
    h = Hosts()
    d = tempfile.mkdtemp(prefix="ingest-mh-")
    procs = []
    try:
        h.up()
        run(t, a, h, d, procs)
    except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError) as e:
        t.check(False, f"multi-host run: {e!r}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        h.down()
        shutil.rmtree(d, ignore_errors=True)
    return t.done()


def run(t, a, h, d, procs):
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                              f"{h.net[0]}.1", f"{h.net[1]}.1", "--protected-mode", "no",
                              "--dir", d, "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(redis)

    def cli(*args):
        r = subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, text=True)
        return r.stdout.strip()
    for _ in range(200):
        if cli("PING") == "PONG":
            break
        time.sleep(0.025)
    api_port = free_port()
    for ns in h.ns:  # one fake API per host, on that host's loopback
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, FAKE, "--port",
                                       str(api_port), "--latency-ms", "700", "--dims", "16"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    docs = os.path.join(d, "docs")
    os.makedirs(docs)
    rnd = random.Random(7)
    words = ["redis", "queue", "worker", "batch", "node", "split", "embed", "host", "link", "job"]
    for i in range(12):
        with open(os.path.join(docs, f"doc{i:02d}.txt"), "w") as f:
            f.write(" ".join(rnd.choice(words) for _ in range(400 + 40 * i)) + ".\n")
    spec = os.path.join(d, "spec.json")
    json.dump({"transformations": [
        {"class_name": "SentenceSplitter", "chunk_size": 128, "chunk_overlap": 10},
        {"class_name": "OpenAIEmbedding", "api_base": f"http://127.0.0.1:{api_port}/v1",
         "embed_batch_size": 4, "max_retries": 2}]}, open(spec, "w"))
    env = dict(os.environ, INGEST_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    r = subprocess.run([a.coordinator, "submit", "--batch-docs", "1", "--pipeline", spec, docs],
                       capture_output=True, text=True, env=env)
    if r.returncode:
        raise RuntimeError(f"submit: {r.stderr}")
    job = r.stdout.strip()
    shutil.rmtree(docs)  # the workers never see the submitter's files
    time.sleep(0.5)  # let the fake APIs bind
    workers = []
    for i, ns in enumerate(h.ns):
        for k in range(2):
            wid = f"mh-{'ab'[i]}{k}"
            log = open(os.path.join(d, wid + ".log"), "w")
            # its own network namespace and its own hostname: another machine
            w = subprocess.Popen(
                ["ip", "netns", "exec", ns, "unshare", "--uts", "sh", "-c",
                 f"hostname host-{'ab'[i]} && exec \"$0\" \"$@\"", a.worker,
                 "--redis", f"redis://{h.net[i]}.1:{port}/0", "--id", wid, "--heartbeat-ttl", "3",
                 "--concurrency", "1", "--grace", "2"],
                stdout=log, stderr=log, env=dict(os.environ, OPENAI_API_KEY="sk-mh-test"))
            procs.append(w)
            workers.append(w)

    def hb(wid, field):
        return int(cli("HGET", f"ingest:worker:{wid}", field) or 0)

    def held(host):
        return sum(int(cli("LLEN", f"ingest:processing:mh-{host}{k}") or 0) for k in range(2))

    def state():
        return cli("HGET", f"ingest:job:{job}", "state")
    # host a has finished a batch and holds another: cut its link
    deadline = time.time() + 60
    while time.time() < deadline and not (hb("mh-a0", "batches") + hb("mh-a1", "batches") >= 1 and
                                          held("a") >= 1):
        time.sleep(0.05)
    hosts = {cli("HGET", f"ingest:worker:mh-{x}", "host") for x in ("a0", "a1", "b0", "b1")}
    t.check(hosts == {"host-a", "host-b"}, f"workers report two hosts: {hosts}")
    t.check(held("a") >= 1 and state() == "running", f"host a holds batches mid-job ({held('a')}, {state()})")
    done_a = hb("mh-a0", "batches") + hb("mh-a1", "batches")
    h.cut(0)
    cut_at = time.time()
    deadline = time.time() + 90
    while time.time() < deadline and state() not in ("done", "failed"):
        time.sleep(0.1)
    t.check(state() == "done", f"job done after host a's link was cut ({state()}, "
            f"{time.time() - cut_at:.1f} s)")
    st = json.loads(subprocess.run([a.coordinator, "status", "--json", job], capture_output=True,
                                   text=True, env=env).stdout)
    t.check(st["documents_done"] == 12 and st["documents_failed"] == 0 and st["batches_done"] == 12,
            f"all 12 documents, once: {st}")
    t.check(done_a >= 1 and hb("mh-b0", "batches") + hb("mh-b1", "batches") >= 1,
            "batches done on both hosts")
    ev = subprocess.run(["redis-cli", "-p", str(port), "XRANGE", f"ingest:job:{job}:events", "-", "+"],
                        capture_output=True, text=True).stdout
    t.check("worker_lost" in ev, "worker_lost event for the cut host")
    ws = json.loads(subprocess.run([a.coordinator, "workers", "--json"], capture_output=True, text=True,
                                   env=env).stdout)
    dead = {w["id"] for w in ws if w["state"] == "dead" and w["requeued"] >= 1}
    t.check(dead & {"mh-a0", "mh-a1"}, f"workers lists host a's worker as died with requeued batches: {ws}")
    # host a comes back: its late acks change nothing
    sh("ip", "link", "set", h.veth[0], "up")
    time.sleep(1.0)
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(timeout=40)
        except subprocess.TimeoutExpired:
            w.kill()
    st2 = json.loads(subprocess.run([a.coordinator, "status", "--json", job], capture_output=True,
                                    text=True, env=env).stdout)
    t.check(st2["batches_done"] == 12 and st2["nodes"] == st["nodes"], f"nothing recorded twice: {st2}")
    out = subprocess.run([a.coordinator, "export", job], capture_output=True, text=True, env=env).stdout
    nodes = [json.loads(l) for l in out.splitlines()]
    ids = [n["id_"] for n in nodes]
    srcs = {os.path.basename(n["relationships"]["1"]["node_id"]) for n in nodes}
    t.check(len(nodes) == st["nodes"] and len(set(ids)) == len(ids), "export: every node once")
    t.check(srcs == {f"doc{i:02d}.txt" for i in range(12)}, f"export: every document ({len(srcs)})")
    t.check(all(n["embedding"] and len(n["embedding"]) == 16 for n in nodes), "every node embedded")


if __name__ == "__main__":
    sys.exit(main())
