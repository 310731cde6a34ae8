#!/usr/bin/env python3
"""test_deploy.py - static checks of deploy/ (Docker and Kubernetes cannot
run on the test machines): YAML lint + parse of compose.yaml and k8s/, the
Redis key names they use are the ones README.md documents and keys.h
defines, the Dockerfile's stages/user/runtime libraries, the systemd unit's
hardening score and stop timing, and redis-ingest.conf loaded by a real
redis-server."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

from harness import Checker

ap = argparse.ArgumentParser()
ap.add_argument("--source", required=True)
ap.add_argument("--unit", required=True)
ap.add_argument("--worker", required=True)
a = ap.parse_args()
D = os.path.join(a.source, "deploy")
t = Checker()
GRACE = 30  # the --grace every manifest passes


def readme_keys():
    """Key names in README's "Redis keys" table, e.g. ingest:job:<job>:events."""
    text = open(os.path.join(a.source, "README.md")).read()
    sec = text.split("## Redis keys", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(ingest:[^`]+)`", sec, re.M))


def keys_h():
    """keys.h's key names, concatenations expanded (KEYS_PREFIX "queue");
    the prefixes and suffixes scripts complete with ids are left out."""
    text = open(os.path.join(a.source, "common", "queue", "keys.h")).read()
    out = {}
    for name, body in re.findall(r'#define (KEYS_\w+) ((?:(?:KEYS_\w+|"[^"]*") *)+)', text):
        out[name] = "".join(p[1:-1] if p.startswith('"') else out.get(p, "")
                            for p in re.findall(r'KEYS_\w+|"[^"]*"', body))
    return {k: v for k, v in out.items() if not k.endswith(("_PREFIX", "_SUFFIX"))}


def yaml_docs(path):
    return [d for d in yaml.safe_load_all(open(path)) if d is not None]


def check_yaml():
    files = [os.path.join(D, "compose.yaml")] + sorted(
        os.path.join(D, "k8s", f) for f in os.listdir(os.path.join(D, "k8s")))
    lint = shutil.which("yamllint")
    t.check(lint is not None, "yamllint installed (deploy/common.sh PACKAGES)")
    if lint:
        r = subprocess.run([lint, "-s", "-d", "{extends: default, rules: {line-length: {max: 120}, "
                            "document-start: disable}}"] + files, capture_output=True, text=True)
        t.check(r.returncode == 0, f"yamllint clean: {r.stdout}{r.stderr}")
    docs = {}
    for f in files:
        for d in yaml_docs(f):
            docs.setdefault(d.get("kind", os.path.basename(f)), []).append(d)
    return docs


def check_keys():
    """Every ingest:* name in the manifests is documented, and KEDA watches the queue."""
    documented = readme_keys()
    defined = keys_h()
    t.check(defined.get("KEYS_QUEUE") == "ingest:queue", f"keys.h queue key: {defined}")
    for k in defined.values():
        t.check(k in documented, f"keys.h {k} is in README's key table")
    for name in ("compose.yaml", "k8s/keda.yaml", "k8s/worker.yaml", "k8s/redis.yaml", "Dockerfile"):
        for k in re.findall(r"ingest:[A-Za-z_:<>]+", open(os.path.join(D, name)).read()):
            t.check(k in documented, f"{name}: key {k} documented in README")


def check_k8s(docs):
    dep = [d for d in docs.get("Deployment", []) if d["metadata"]["name"] == "ingest-worker"]
    t.check(len(dep) == 1, "worker Deployment present")
    if dep:
        spec = dep[0]["spec"]["template"]["spec"]
        c = spec["containers"][0]
        args = c["args"]
        port = int(args[args.index("--metrics-listen") + 1].rsplit(":", 1)[1])
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        probe = c["livenessProbe"]["httpGet"]
        t.check(ports.get(probe["port"]) == port and probe["path"] == "/healthz",
                f"liveness on the metrics port {port}: {probe}")
        grace = int(args[args.index("--grace") + 1])
        t.check(spec["terminationGracePeriodSeconds"] > grace,
                "terminationGracePeriodSeconds exceeds the worker's --grace")
        t.check(spec["securityContext"]["runAsNonRoot"] is True, "runs as non-root")
        refs = [e["secretRef"]["name"] for e in c.get("envFrom", []) if "secretRef" in e]
        secrets = {s["metadata"]["name"]: s for s in docs.get("Secret", [])}
        t.check(refs and all(r in secrets for r in refs), "API keys from a Secret in the manifests")
        t.check(all("OPENAI_API_KEY" not in str(e) for e in c.get("env", [])),
                "no API key inline in the Deployment")
    so = docs.get("ScaledObject", [])
    t.check(len(so) == 1, "KEDA ScaledObject present")
    if so:
        trig = so[0]["spec"]["triggers"][0]
        t.check(trig["type"] == "redis" and trig["metadata"]["listName"] == keys_h()["KEYS_QUEUE"],
                f"redis list trigger on the queue key: {trig}")
        t.check(so[0]["spec"]["scaleTargetRef"]["name"] == "ingest-worker", "scales the worker")
        t.check(so[0]["spec"]["minReplicaCount"] == 0, "scales from zero")
        auth = trig.get("authenticationRef", {}).get("name")
        t.check(auth in {x["metadata"]["name"] for x in docs.get("TriggerAuthentication", [])},
                "trigger authentication defined")
    cm = [d for d in docs.get("ConfigMap", []) if "redis-ingest.conf" in d.get("data", {})]
    t.check(len(cm) == 1, "Redis config map present")
    if cm:
        conf = cm[0]["data"]["redis-ingest.conf"]
        t.check("maxmemory-policy noeviction" in conf and "appendonly yes" in conf,
                "k8s Redis: AOF + noeviction")


def check_compose(docs):
    c = docs.get("compose.yaml", [{}])[0]
    svc = c.get("services", {})
    t.check({"redis", "worker"} <= set(svc), f"compose services: {sorted(svc)}")
    w = svc.get("worker", {})
    t.check("container_name" not in w and "ports" not in w, "worker scalable (--scale worker=N)")
    t.check(w.get("stop_signal") == "SIGTERM" and int(w.get("stop_grace_period", "0s")[:-1]) > GRACE,
            "worker stops on SIGTERM with more than --grace")
    t.check("redis-ingest.conf" in str(svc.get("redis", {}).get("volumes")),
            "compose Redis runs with redis-ingest.conf")
    t.check(w.get("environment", {}).get("OPENAI_API_KEY", "").startswith("${"),
            "API key from the host environment, not the file")


def check_dockerfile():
    text = open(os.path.join(D, "Dockerfile")).read()
    froms = re.findall(r"^FROM (\S+)(?: AS (\S+))?", text, re.M)
    t.check(len(froms) == 2 and froms[0][0].startswith("debian:12") and froms[1][0].startswith("debian:12"),
            f"two Debian 12 stages: {froms}")
    user = re.findall(r"^USER (\S+)", text, re.M)
    t.check(user and user[-1].split(":")[0] not in ("0", "root"), f"runtime user non-root: {user}")
    stages = re.split(r"^FROM ", text, flags=re.M)
    runtime = stages[-1]
    t.check("-dev" not in runtime and "gcc" not in runtime, "runtime stage has no build tools")
    pkgs = set(re.findall(r"\b(lib[a-z0-9.+-]+|poppler-utils|ca-certificates)\b", runtime))
    # every library the worker links directly comes from a runtime package (or the base image)
    base = {"libc6", "libgcc-s1", "zlib1g"}
    sanitizers = ("libasan.", "libubsan.", "libtsan.", "liblsan.")  # the -Db_sanitize test build
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]",
                        subprocess.run(["readelf", "-d", a.worker], capture_output=True, text=True).stdout)
    for so in (n for n in needed if not n.startswith(sanitizers)):
        r = subprocess.run(["dpkg", "-S", so], capture_output=True, text=True)
        owners = {l.split(":")[0] for l in r.stdout.splitlines()
                  if l.rstrip().endswith("/" + so) and "-dev" not in l.split(":")[0]}
        t.check(owners & (pkgs | base), f"{so} ({sorted(owners)}) in the runtime stage")
    t.check("STOPSIGNAL SIGTERM" in text, "STOPSIGNAL SIGTERM")


def check_systemd():
    unit = open(a.unit).read()
    t.check("KillSignal=SIGTERM" in unit, "KillSignal=SIGTERM")
    stop = int(re.search(r"^TimeoutStopSec=(\d+)", unit, re.M).group(1))
    grace = int(re.search(r"--grace (\d+)", unit).group(1))
    t.check(grace < stop <= grace + 30, f"TimeoutStopSec {stop} covers --grace {grace}")
    t.check("EnvironmentFile=" in unit, "environment file for the URL and keys")
    sa = shutil.which("systemd-analyze")
    if not sa:
        print("SKIP: systemd-analyze not installed: hardening score not measured")
        return
    d = tempfile.mkdtemp()
    try:
        p = os.path.join(d, "ingest-worker@.service")
        shutil.copy(a.unit, p)
        r = subprocess.run([sa, "security", "--offline=true", p], capture_output=True, text=True)
        m = re.search(r"exposure level for \S+: (\d+\.\d+)", r.stdout + r.stderr)
        t.check(m is not None, f"systemd-analyze security ran: {r.stdout[-300:]}{r.stderr[-300:]}")
        if m:
            print(f"systemd-analyze security: {m.group(1)}")
            t.check(float(m.group(1)) <= 2.0, f"exposure {m.group(1)} well below 8.3")
    finally:
        shutil.rmtree(d)


def check_redis_conf():
    """redis-server accepts the snippet and it takes effect."""
    d = tempfile.mkdtemp()
    sock = os.path.join(d, "r.sock")
    p = subprocess.Popen(["redis-server", os.path.join(D, "redis-ingest.conf"), "--port", "0",
                          "--unixsocket", sock, "--dir", d], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.025)

        def get(k):
            r = subprocess.run(["redis-cli", "-s", sock, "CONFIG", "GET", k], capture_output=True, text=True)
            return r.stdout.split()[1:] or [None]
        t.check(get("appendonly")[0] == "yes", "redis-ingest.conf: appendonly yes")
        t.check(get("maxmemory-policy")[0] == "noeviction", "redis-ingest.conf: noeviction")
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


docs = check_yaml()
check_keys()
check_k8s(docs)
check_compose(docs)
check_dockerfile()
check_systemd()
check_redis_conf()
sys.exit(t.done())
