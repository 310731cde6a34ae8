#!/usr/bin/env python3
"""test_chaos_sentinel.py - Redis high availability: one master, one replica
and one sentinel on loopback ports; workers and the coordinator use a
redis+sentinel:// URL.  Mid-job, SENTINEL FAILOVER (and, for a second job,
kill -9 of the master): the workers follow the new master (reconnect,
re-register, reclaim) and each job completes with nothing lost, duplicated
or changed compared with an undisturbed run.  Acks wait for the replica
(WAIT 1), so an acknowledged batch survives the failover."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import chaoslib as cl


SPASS = "sentinel-secret"  # the sentinel's own requirepass (INGEST_SENTINEL_PASSWORD)


def rcli(port, *args, auth=None):
    a = ["-a", auth, "--no-auth-warning"] if auth else []
    r = subprocess.run(["redis-cli", "-p", str(port)] + a + list(args), capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


class Cluster:
    def __init__(self, d):
        self.d = d
        self.ports = [cl.free_port(), cl.free_port()]
        self.sport = cl.free_port()
        self.procs = {}
        for i, p in enumerate(self.ports):
            self.start(i, *(["--replicaof", "127.0.0.1", str(self.ports[0])] if i else []))
        conf = os.path.join(d, "sentinel.conf")
        open(conf, "w").write(
            f"port {self.sport}\nbind 127.0.0.1\ndir {d}\nrequirepass {SPASS}\n"
            f"sentinel monitor mymaster 127.0.0.1 {self.ports[0]} 1\n"
            "sentinel down-after-milliseconds mymaster 1000\n"
            "sentinel failover-timeout mymaster 4000\n")
        self.sentinel = subprocess.Popen(["redis-sentinel", conf, "--logfile", os.path.join(d, "sentinel.log")],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = cl.wait_for(lambda: self.synced(self.ports[1])
                         and "127.0.0.1" in (rcli(self.sport, "SENTINEL", "replicas", "mymaster", auth=SPASS) or ""), 30, 0.1)
        if not ok:
            raise cl.Failure("sentinel cluster did not come up")
        self.url = f"redis+sentinel://127.0.0.1:{self.sport}/mymaster"

    def start(self, i, *extra):
        d = os.path.join(self.d, f"r{i}")
        os.makedirs(d, exist_ok=True)
        self.procs[i] = subprocess.Popen(
            ["redis-server", "--port", str(self.ports[i]), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", d, "--logfile", os.path.join(d, "log")] + list(extra),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cl.wait_for(lambda: rcli(self.ports[i], "PING") == "PONG", 10)

    def synced(self, replica_port):
        return "master_link_status:up" in (rcli(replica_port, "INFO", "replication") or "")

    def master_port(self):
        out = (rcli(self.sport, "SENTINEL", "get-master-addr-by-name", "mymaster", auth=SPASS) or "").split()
        return int(out[1]) if len(out) == 2 else None

    def close(self):
        for p in list(self.procs.values()) + [self.sentinel]:
            if p.poll() is None:
                p.kill()
                p.wait()


def run_job(t, env, cluster, corpus, fake, fault, inject):
    uenv = {"INGEST_REDIS_URL": cluster.url, "INGEST_SENTINEL_PASSWORD": SPASS}
    job = env.coord("submit", "--batch-docs", "4", "--pipeline",
                    cl.spec(env, "s.json", fake.base), corpus, env=uenv).stdout.strip()

    def status():
        r = env.coord("status", "--json", job, env=uenv, check=False)
        if r.returncode:
            print("status:", r.stderr.strip(), flush=True)
        return __import__("json").loads(r.stdout) if r.returncode == 0 else {"state": "?", "batches_done": 0, "batches_total": 1}
    procs = [env.start_worker("--redis", cluster.url, "--heartbeat-ttl", "3",
                              env=dict(cl.WENV, INGEST_SENTINEL_PASSWORD=SPASS))
             for _ in range(2)]
    cl.wait_for(lambda: status()["batches_done"] >= 0.3 * status()["batches_total"], 60, 0.1)
    old = cluster.master_port()
    inject(old)
    t.check(cl.wait_for(lambda: cluster.master_port() not in (None, old), 30, 0.1),
            f"{fault}: sentinel promoted the replica")
    deadline = time.time() + 120
    while time.time() < deadline and status()["state"] not in ("done", "failed"):
        time.sleep(0.2)
    st = status()
    cl.stop_all(env, procs)
    t.check(st["state"] == "done", f"{fault}: job done after the failover ({st})")
    r = env.coord("export", job, env=uenv, check=False)
    got = [__import__("json").loads(l) for l in r.stdout.splitlines()]
    lost, dup, changed = cl.compare(cl_base["nodes"], got)
    logs = "".join(open(p.logpath).read() for p in procs)
    t.check("event=sentinel_master" in logs and logs.count("event=worker_started") >= 4,
            f"{fault}: workers re-resolved the master and re-registered")
    cl.row(t, fault, 1, len(cl_base["nodes"]), lost, dup, changed, cl.crashes(procs))


cl_base = {}


def main():
    a = cl.parse_args()
    t = cl.Checker()
    corpus = cl.make_corpus(tempfile.mkdtemp(prefix="ingest-sentinel-"), 100)
    env = cl.Env(a.coordinator, a.worker)
    d = tempfile.mkdtemp(prefix="ingest-sentinel-redis-")
    cluster = None
    try:
        fd = os.path.join(env.dir, "fast")
        os.makedirs(fd)
        fast = cl.Fake(fd)
        cl_base["nodes"] = cl.baseline(env, corpus, fast)
        fast.close()
        sd = os.path.join(env.dir, "slow")
        os.makedirs(sd)
        fake = cl.Fake(sd, "--latency-ms", "60")
        try:
            cluster = Cluster(d)
            r = env.coord("status", "nojob", env={"INGEST_REDIS_URL": cluster.url}, check=False)
            t.check(r.returncode != 0 and "sentinel" in r.stderr and "NOAUTH" in r.stderr,
                    f"without INGEST_SENTINEL_PASSWORD: a clear error ({r.stderr.strip()})")
            run_job(t, env, cluster, corpus, fake, "Sentinel FAILOVER mid-job",
                    lambda old: rcli(cluster.sport, "SENTINEL", "FAILOVER", "mymaster", auth=SPASS))
            # the old master is a replica now; wait until it has synced, then kill the master
            old = [p for p in cluster.ports if p != cluster.master_port()][0]
            t.check(cl.wait_for(lambda: cluster.synced(old), 30, 0.1), "old master resynced as a replica")

            def kill_master(old):
                i = cluster.ports.index(old)
                cluster.procs[i].kill()
                cluster.procs[i].wait()
            run_job(t, env, cluster, corpus, fake, "kill -9 of the master (Sentinel failover)", kill_master)
        finally:
            fake.close()
    except (cl.Failure, KeyError, ValueError) as e:
        t.check(False, f"sentinel: {e!r}")
    finally:
        if cluster:
            cluster.close()
        env.close()
        print("SENTINEL LOG", open(os.path.join(d, "sentinel.log")).read()[-3000:]) if os.environ.get("DEBUG_SENTINEL") else None
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
