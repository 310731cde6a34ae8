"""harness.py - shared helpers for the integration tests.

Starts a private redis-server on a unix socket in a temp dir, runs the
coordinator and workers as real processes, and talks to Redis with
redis-cli (no Python Redis client needed).  Everything started is stopped
in close(), also when a test fails."""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


class Failure(Exception):
    pass


class Env:
    def __init__(self, coordinator, worker, redis_args=()):
        self.redis_args = list(redis_args)  # e.g. AOF on; later options win
        self.coordinator = coordinator
        self.worker = worker
        self.dir = tempfile.mkdtemp(prefix="ingest-test-")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.url = "unix://" + self.sock
        self.procs = []
        self.start_redis()

    def start_redis(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.redis = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--logfile", os.path.join(self.dir, "redis.log")]
            + self.redis_args,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.sock) and self.cli("PING") == "PONG":
                break
            time.sleep(0.025)
        else:
            raise Failure("redis-server did not start")

    def kill_redis(self):
        self.redis.kill()
        self.redis.wait()

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-s", self.sock] + list(args),
                           capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    def cli_lines(self, *args):
        r = subprocess.run(["redis-cli", "-s", self.sock] + list(args), capture_output=True,
                           text=True)
        return [l for l in r.stdout.splitlines() if l != ""]

    def coord(self, *args, check=True, env=None):
        e = dict(os.environ)
        e["INGEST_REDIS_URL"] = self.url
        if env:
            e.update(env)
        r = subprocess.run([self.coordinator] + list(args), capture_output=True, text=True,
                           env=e)
        if check and r.returncode != 0:
            raise Failure(f"coordinator {args} exited {r.returncode}: {r.stderr}")
        return r

    def start_worker(self, *args, env=None, log=None):
        e = dict(os.environ)
        if env:
            e.update(env)
        logf = open(log or os.path.join(self.dir, f"worker{len(self.procs)}.log"), "w")
        p = subprocess.Popen([self.worker, "--redis", self.url] + list(args), env=e,
                             stdout=logf, stderr=logf)
        p.logpath = logf.name
        self.procs.append(p)
        return p

    def wait_all(self, procs, timeout=120):
        deadline = time.time() + timeout
        for p in procs:
            left = max(0.1, deadline - time.time())
            try:
                p.wait(timeout=left)
            except subprocess.TimeoutExpired:
                raise Failure("worker did not exit in time")
        return [p.returncode for p in procs]

    def status(self, job):
        r = self.coord("status", "--json", job)
        return json.loads(r.stdout)

    def export(self, job):
        r = self.coord("export", job)
        return [json.loads(l) for l in r.stdout.splitlines()]

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.redis.terminate()
        try:
            self.redis.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.redis.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)

    def done(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def wait_for(pred, timeout=10, step=0.02):
    """Polls pred until it is true or timeout seconds passed; its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


def free_port():
    """A loopback TCP port nobody listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def parse_args():
    """The arguments every integration test takes from meson."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--coordinator", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--data", required=True)
    return ap.parse_args()


def run_checks(checks, subdir, data=None):
    """Runs each check(t, env, data_dir) against a fresh Redis; a check that
    raises counts as a failure and the others still run.  A check may be
    given as (check, redis_args) to start its Redis with extra options;
    `data` replaces the data_dir (e.g. a generated corpus)."""
    a = parse_args()
    t = Checker()
    data = data or os.path.join(a.data, subdir)
    for fn in checks:
        fn, rargs = fn if isinstance(fn, tuple) else (fn, ())
        env = Env(a.coordinator, a.worker, rargs)
        try:
            fn(t, env, data)
        except (Failure, KeyError, OSError, ValueError) as e:
            t.check(False, f"{fn.__name__}: {e!r}")
        finally:
            env.close()
    return t.done()
