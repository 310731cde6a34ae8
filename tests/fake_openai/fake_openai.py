#!/usr/bin/env python3
"""fake_openai.py - the project's own OpenAI-compatible server for tests.

Python 3 stdlib only (ThreadingHTTPServer, HTTP/1.1 keep-alive), loopback.

  fake_openai.py [--port 0] [--port-file F] [--dims 64] [--latency-ms 0]
                 [--per-input-ms 0] [--faults 429,500,drop,...]
                 [--retry-after S] [--fail-rate P] [--drop-rate P] [--seed N]
                 [--reject-substring S] [--reject-base64] [--reject-dimensions]
                 [--require-key K]

The first stdout line is {"event":"listening","port":N}.

Embeddings (POST /v1/embeddings) are a pure function of the input string
and the dimension, so tests can recompute them:
    block_b = SHA256(UTF-8(text) || uint32_le(b)),  b = 0, 1, ...
    u_i     = uint32_le(bytes[4i..4i+3]) of the concatenated blocks
    x_i     = (u_i + 0.5) / 2^31 - 1          (float64)
    s       = sum of x_i^2 in index order      (float64)
    v_i     = float32(x_i / sqrt(s))
encoding_format "base64" (little-endian float32) or "float" (default).

Chat completions (POST /v1/chat/completions) answer
    " ans-" + first 12 hex of SHA256(UTF-8(last user message)) + " "
(with the spaces, so callers' strip() rules are observable).

Faults: --faults is a schedule consumed one entry per POST request in
arrival order: "ok", "429" (with retry-after --retry-after seconds and
retry-after-ms), "500", "503", "400", "drop" (close the connection without
an answer), "slow:MS".  POST /control {"faults":[...], "retry_after": S}
appends to the schedule at run time.  --fail-rate/--drop-rate add seeded
random 500s/drops.  An embeddings request with an input containing
--reject-substring gets a 400 naming it; --reject-base64 answers 400 to
encoding_format "base64"; --reject-dimensions answers 400 to any request
with "dimensions" (a request-wide error).

GET /stats: counters (requests, responses by status, inputs, max in
flight, TCP connections accepted, auth headers seen); POST /stats/reset zeroes them.
"""
import argparse
import base64
import hashlib
import json
import math
import random
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def embed(text, dims):
    data = text.encode("utf-8")
    raw = bytearray()
    b = 0
    while len(raw) < 4 * dims:
        raw += hashlib.sha256(data + struct.pack("<I", b)).digest()
        b += 1
    xs = [(struct.unpack_from("<I", raw, 4 * i)[0] + 0.5) / 2147483648.0 - 1.0 for i in range(dims)]
    s = 0.0
    for x in xs:
        s += x * x
    n = math.sqrt(s)
    return [struct.unpack("<f", struct.pack("<f", x / n))[0] for x in xs]


def chat_answer(prompt):
    return " ans-" + hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:12] + " "


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.faults = [f for f in (args.faults or "").split(",") if f]
        self.retry_after = args.retry_after
        self.rng = random.Random(args.seed)
        self.reset()

    def reset(self):
        self.stats = {"requests": {}, "responses": {}, "embedding_inputs": 0,
                      "embedding_requests_ok": 0, "chat_ok": 0, "in_flight": 0,
                      "max_in_flight": 0, "dropped": 0, "connections": 0, "auth": {}, "encoding_format": {},
                      "batch_sizes": {}}

    def count(self, group, key, n=1):
        with self.lock:
            d = self.stats[group]
            d[key] = d.get(key, 0) + n

    def next_fault(self):
        with self.lock:
            if self.faults:
                return self.faults.pop(0)
            r = self.rng.random()
            if r < self.args.drop_rate:
                return "drop"
            if r < self.args.drop_rate + self.args.fail_rate:
                return "500"
            return "ok"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"

    def log_message(self, fmt, *a):  # quiet
        pass

    def setup(self):
        super().setup()
        with self.server.state.lock:
            self.server.state.stats["connections"] += 1

    def reply(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.server.state.count("responses", str(status))

    def error(self, status, msg, typ="invalid_request_error", code=None, headers=None):
        self.reply(status, {"error": {"message": msg, "type": typ, "param": None, "code": code}},
                   headers)

    def do_GET(self):
        st = self.server.state
        if self.path in ("/stats", "/v1/stats"):
            with st.lock:
                snap = json.loads(json.dumps(st.stats))
            self.reply(200, snap)
        elif self.path in ("/health", "/v1/models"):
            self.reply(200, {"ok": True})
        else:
            self.error(404, "not found")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        st = self.server.state
        raw = self.read_body()
        path = self.path.split("?")[0]
        if path.startswith("/v1/"):
            path = path[3:]
        if path == "/stats/reset":
            with st.lock:
                st.reset()
            return self.reply(200, {"ok": True})
        if path == "/control":
            c = json.loads(raw or b"{}")
            with st.lock:
                st.faults += c.get("faults", [])
                if "retry_after" in c:
                    st.retry_after = c["retry_after"]
            return self.reply(200, {"ok": True})
        if path not in ("/embeddings", "/chat/completions") and not path.endswith(
                ("/embeddings", "/chat/completions")):
            return self.error(404, "unknown path " + path)
        st.count("requests", path)
        auth = self.headers.get("Authorization") or ("api-key " + self.headers["api-key"]
                                                     if self.headers.get("api-key") else "none")
        st.count("auth", auth)
        with st.lock:
            st.stats["in_flight"] += 1
            st.stats["max_in_flight"] = max(st.stats["max_in_flight"], st.stats["in_flight"])
        try:
            self.serve(st, path, raw, auth)
        finally:
            with st.lock:
                st.stats["in_flight"] -= 1

    def serve(self, st, path, raw, auth):
        a = st.args
        if a.require_key and auth not in ("Bearer " + a.require_key, "api-key " + a.require_key):
            return self.error(401, "Incorrect API key provided", code="invalid_api_key")
        try:
            req = json.loads(raw)
        except ValueError:
            return self.error(400, "We could not parse the JSON body of your request.")
        fault = st.next_fault()
        latency = a.latency_ms
        is_embed = path.endswith("/embeddings")
        inputs = req.get("input") if is_embed else None
        if is_embed:
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not inputs or not all(
                    isinstance(x, str) and x for x in inputs):
                return self.error(400, "'$.input' is invalid.")
            latency += a.per_input_ms * len(inputs)
        if fault.startswith("slow:"):
            latency += int(fault[5:])
        if fault == "drop":
            time.sleep(latency / 2000.0)
            st.count("responses", "drop")
            with st.lock:
                st.stats["dropped"] += 1
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        time.sleep(latency / 1000.0)
        if fault == "429":
            ra = st.retry_after
            return self.error(429, "Rate limit reached for requests", typ="requests",
                              code="rate_limit_exceeded",
                              headers={"retry-after": str(max(1, math.ceil(ra))),
                                       "retry-after-ms": str(int(ra * 1000))})
        if fault in ("500", "503"):
            return self.error(int(fault), "The server had an error while processing your request.",
                              typ="server_error")
        if fault == "400":
            return self.error(400, "scheduled bad request")
        if is_embed:
            return self.embeddings(st, req, inputs)
        return self.chat(st, req)

    def embeddings(self, st, req, inputs):
        a = st.args
        fmt = req.get("encoding_format", "float")
        st.count("encoding_format", fmt)
        if a.reject_base64 and fmt == "base64":
            return self.error(400, "encoding_format 'base64' is not supported by this server")
        if a.reject_dimensions and "dimensions" in req:
            return self.error(400, "This model does not support specifying dimensions.")
        if a.reject_substring:
            for i, x in enumerate(inputs):
                if a.reject_substring in x:
                    return self.error(400, "input %d contains a rejected token sequence" % i)
        dims = req.get("dimensions") or a.dims
        data = []
        for i, x in enumerate(inputs):
            v = embed(x, dims)
            e = base64.b64encode(struct.pack("<%df" % dims, *v)).decode() if fmt == "base64" else v
            data.append({"object": "embedding", "index": i, "embedding": e})
        data.reverse()  # clients must place by index
        tokens = sum((len(x) + 3) // 4 for x in inputs)
        with st.lock:
            st.stats["embedding_inputs"] += len(inputs)
            st.stats["embedding_requests_ok"] += 1
            bs = st.stats["batch_sizes"]
            bs[str(len(inputs))] = bs.get(str(len(inputs)), 0) + 1
        self.reply(200, {"object": "list", "data": data, "model": req.get("model"),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    def chat(self, st, req):
        msgs = req.get("messages") or []
        users = [m.get("content", "") for m in msgs if m.get("role") == "user"]
        prompt = users[-1] if users else ""
        with st.lock:
            st.stats["chat_ok"] += 1
        t = (len(prompt) + 3) // 4
        self.reply(200, {"id": "chatcmpl-fake", "object": "chat.completion",
                         "model": req.get("model"),
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant",
                                                  "content": chat_answer(prompt)}}],
                         "usage": {"prompt_tokens": t, "completion_tokens": 5,
                                   "total_tokens": t + 5}})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--dims", type=int, default=64)
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--per-input-ms", type=float, default=0)
    p.add_argument("--faults", default="")
    p.add_argument("--retry-after", type=float, default=0.2)
    p.add_argument("--fail-rate", type=float, default=0)
    p.add_argument("--drop-rate", type=float, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reject-substring")
    p.add_argument("--reject-base64", action="store_true")
    p.add_argument("--reject-dimensions", action="store_true")
    p.add_argument("--require-key")
    args = p.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = State(args)
    port = srv.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    print(json.dumps({"event": "listening", "port": port}), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
