#!/usr/bin/env python3
"""test_readers_e2e.py - every fixture type through the whole system: PDF
pages with labels, DOCX, CSV, Markdown, text; each hostile file becomes a
per-document error and the job still completes; MarkdownNodeParser puts the
header path in metadata."""
import json
import os
import sys
import time

from harness import Failure, run_checks

# cyclic.pdf: a page tree that contains itself; pypdf raises on it, and so
# does the default (pypdf-exact) PDF text
HOSTILE = {"badutf8.txt", "binary.txt", "bomb.docx", "bomb.pdf", "cyclic.pdf", "encrypted.pdf", "garbage.pdf",
           "hugecount.pdf", "nodoc.docx", "notzip.docx", "toomany.csv", "truncated.pdf",
           "unterminated.csv"}


def by_source(nodes, root):
    """Nodes by document id, the ids relative to root (they are root + "/" + name)."""
    out = {}
    for n in nodes:
        out.setdefault(os.path.relpath(n["relationships"]["1"]["node_id"], root), []).append(n)
    return out


def check_fixtures(t, env, readers):
    job = env.coord("submit", "--batch-docs", "3", readers).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle") for _ in range(2)], timeout=240)
    st = env.status(job)
    t.check(st["state"] == "failed", f"job completes, failed, despite hostile files: {st['state']}")
    errs = dict(zip(*[iter(env.cli_lines("HGETALL", f"ingest:job:{job}:errors"))] * 2))
    t.check(all(k.startswith(readers + "/") for k in errs), f"ids are the walked paths: {list(errs)[:2]}")
    errs = {os.path.relpath(k, readers): v for k, v in errs.items()}
    t.check(set(errs) == HOSTILE, f"exactly the hostile files failed: {sorted(errs)}")
    t.check("decompression bomb" in errs.get("bomb.pdf", "") or "died" in errs.get("bomb.pdf", "")
            or "time budget" in errs.get("bomb.pdf", ""), f"PDF bomb: {errs.get('bomb.pdf')}")
    t.check("encrypted" in errs.get("encrypted.pdf", ""), "encrypted PDF reported")
    nodes = env.export(job)
    src = by_source(nodes, readers)
    labels = [src[f"labels.pdf_part_{i}"][0]["metadata"]["page_label"] for i in range(4)]
    t.check(labels == ["i", "ii", "A-1", "A-2"], f"page labels: {labels}")
    md = src["multi.pdf_part_1"][0]["metadata"]
    t.check(list(md)[:3] == ["page_label", "file_name", "file_path"], f"PDF metadata order {list(md)}")
    t.check(md["page_label"] == "2" and md["file_type"] == "application/pdf", "PDF page 2")
    t.check(all(f"multi.pdf_part_{i}" in src for i in range(3)), "one document per PDF page")
    t.check("simple.docx_part_0" in src and "simple.csv_part_0" in src, "DOCX and CSV documents")
    t.check(src["hello.txt"][0]["metadata"]["file_type"] == "text/plain", "text document")
    t.check(src["empty.txt"][0]["text"] == "", "zero-byte file: one empty node")
    t.check(st["documents_failed"] == len(HOSTILE), "failed count on the job")


def check_markdown_parser(t, env, readers):
    spec = os.path.join(env.dir, "md.json")
    json.dump({"transformations": [{"class_name": "MarkdownNodeParser"},
                                   {"class_name": "HashEmbedding", "dim": 8}]}, open(spec, "w"))
    job = env.coord("submit", "--pipeline", spec, os.path.join(readers, "notes.md")).stdout.strip()
    env.wait_all([env.start_worker("--exit-when-idle")])
    nodes = env.export(job)
    t.check(env.status(job)["state"] == "done" and len(nodes) > 1, "markdown split into sections")
    t.check(all("header_path" in n["metadata"] for n in nodes), "header_path on every node")
    t.check(any(n["metadata"]["header_path"] != "/" for n in nodes), "nested header paths")


def check_slow_pdf_keeps_heartbeat(t, env, readers):
    """While a worker is stuck in a slow PDF (the bomb, given a large budget),
    the PDF is parsed on a pool thread and the loop keeps the heartbeat fresh
    at its normal TTL (nothing stretched), so no reaper takes the batch away
    from a live worker."""
    spec = os.path.join(env.dir, "slow.json")
    json.dump({"transformations": [{"class_name": "SentenceSplitter"},
                                   {"class_name": "HashEmbedding", "dim": 8}],
               "reader": {"time_budget_ms": 6000, "max_mem_bytes": 8 << 30}}, open(spec, "w"))
    w = env.start_worker("--id", "slow-pdf", "--heartbeat-ttl", "2", "--exit-when-idle")
    job = env.coord("submit", "--pipeline", spec, os.path.join(readers, "bomb.pdf")).stdout.strip()
    deadline = time.time() + 10
    while time.time() < deadline and env.cli("LLEN", "ingest:processing:slow-pdf") != "1":
        time.sleep(0.02)
    # a second worker whose reaper would take the batch if the first looked dead
    other = env.start_worker("--id", "reaper", "--heartbeat-ttl", "2", "--exit-when-idle")
    ttls = []
    deadline = time.time() + 8
    while time.time() < deadline and env.status(job)["state"] not in ("done", "failed"):
        ttl = env.cli("TTL", "ingest:worker:slow-pdf")
        if env.cli("LLEN", "ingest:processing:slow-pdf") == "1" and ttl:
            ttls.append(int(ttl))  # -2: the key expired
        time.sleep(0.2)
    env.wait_all([w, other], timeout=60)
    st = env.status(job)
    t.check(st["state"] == "failed", f"slow PDF job finished, its bomb failed: {st['state']}")
    t.check(ttls and min(ttls) > 0 and max(ttls) <= 2,
            f"heartbeat alive at its own 2 s TTL while parsing: {ttls[:8]}")
    t.check(env.cli("HGET", f"ingest:job:{job}:attempts", "0") == "",
            "never reaped from a live worker (no failed delivery)")


def main():
    return run_checks((check_fixtures, check_markdown_parser, check_slow_pdf_keeps_heartbeat),
                      "readers")


if __name__ == "__main__":
    sys.exit(main())
