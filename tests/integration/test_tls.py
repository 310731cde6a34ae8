#!/usr/bin/env python3
"""test_tls.py - TLS to Redis the supported way (this build's hiredis has no
TLS): redis-server listens only on its tls-port, with a certificate the
test makes (openssl req); stunnel runs on the "worker host" as a local TLS
client that verifies that certificate; the coordinator and a worker use
redis://127.0.0.1:<stunnel port>.  A whole job runs through it.  Also:
rediss:// URLs are refused with a message pointing at stunnel."""
import json
import os
import socket
import subprocess
import sys
import time

from harness import free_port, run_checks


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def check_tls(t, env, data):
    d = env.dir
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    tls_port, local = free_port(), free_port()
    rd = os.path.join(d, "tls-redis")
    os.makedirs(rd)
    redis = subprocess.Popen(["redis-server", "--port", "0", "--bind", "127.0.0.1", "--tls-port",
                              str(tls_port), "--tls-cert-file", cert, "--tls-key-file", key,
                              "--tls-ca-cert-file", cert, "--tls-auth-clients", "no", "--save", "",
                              "--appendonly", "no", "--dir", rd, "--logfile", os.path.join(rd, "log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = os.path.join(d, "stunnel.conf")
    open(conf, "w").write(f"foreground = yes\npid =\noutput = {d}/stunnel.log\n[redis]\nclient = yes\n"
                          f"accept = 127.0.0.1:{local}\nconnect = 127.0.0.1:{tls_port}\n"
                          f"CAfile = {cert}\nverifyChain = yes\ncheckIP = 127.0.0.1\n")
    tunnel = subprocess.Popen(["stunnel", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t.check(wait_port(tls_port) and wait_port(local), "TLS Redis and stunnel listening")
        url = f"redis://127.0.0.1:{local}/0"
        uenv = {"INGEST_REDIS_URL": url}
        job = env.coord("submit", "--batch-docs", "1", data, env=uenv).stdout.strip()
        w = env.start_worker("--redis", url, "--exit-when-idle")
        t.check(env.wait_all([w], timeout=60) == [0], "worker ran through stunnel and exited 0")
        st = json.loads(env.coord("status", "--json", job, env=uenv).stdout)
        t.check(st["state"] == "done" and st["documents_done"] == st["documents_total"] > 0, f"job done over TLS: {st}")
        r = env.coord("export", job, env=uenv)
        t.check(len(r.stdout.splitlines()) == st["nodes"] > 0, "export over TLS")
        cli = subprocess.run(["redis-cli", "--tls", "--cacert", cert, "-p", str(tls_port), "DBSIZE"],
                             capture_output=True, text=True).stdout.strip()
        t.check(cli.isdigit() and int(cli) > 0, "the data is on the TLS-only server")
    finally:
        for p in (tunnel, redis):
            p.kill()
            p.wait()
    r = env.coord("status", "x", "--redis", "rediss://127.0.0.1:1/0", check=False)
    t.check(r.returncode != 0 and "stunnel" in r.stderr, f"rediss:// refused, pointing at stunnel: {r.stderr.strip()}")


def main():
    return run_checks((check_tls,), "sample")


if __name__ == "__main__":
    sys.exit(main())
