#!/usr/bin/env python3
"""compare_pypdf.py - our PDF page text against the real pypdf's, per file.

    compare_pypdf.py [--build DIR] [--cache DIR] [--nodes] [--poppler] PDF_OR_DIR...

Runs pypdf's PdfReader(f).pages[i].extract_text() (the peer environment's
pypdf 6.9.2; run through compare_pypdf.sh, which sets it up) and our reader
(bench_reader --json, the same reader_load the workers run) on every PDF
and prints, per file, pages byte-identical / total and the first differing
page with a short diff, then the totals and both reading times.  --nodes
also splits every page with LlamaIndex's SentenceSplitter(1024, 20) and
counts node texts identical to ours split the same way.  --cache keeps
pypdf's texts (JSON per file) so a second run does not pay for pypdf again.
A file pypdf cannot read counts all its pages as different (and says so)."""
import argparse
import difflib
import json
import os
import subprocess
import sys
import time


def pypdf_pages(path, cache):
    dst = os.path.join(cache, os.path.basename(path) + ".json") if cache else None
    if dst and os.path.exists(dst):
        with open(dst) as f:
            d = json.load(f)
        return d["pages"], d.get("error"), d["seconds"]
    import pypdf
    t = time.time()
    try:
        pages, err = [p.extract_text() for p in pypdf.PdfReader(path).pages], None
    except Exception as e:  # LlamaIndex's PDFReader would fail the file
        pages, err = [], "%s: %s" % (type(e).__name__, e)
    d = {"pages": pages, "error": err, "seconds": time.time() - t}
    if dst:
        with open(dst + ".tmp", "w") as f:
            json.dump(d, f)
        os.replace(dst + ".tmp", dst)
    return pages, err, d["seconds"]


def ours_pages(bench, files, poppler):
    t = time.time()
    cmd = [bench, "--json"] + (["--poppler"] if poppler else []) + files
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    secs = time.time() - t
    res = {}
    for line in out.splitlines():
        d = json.loads(line)
        res[d["file"]] = d
    return res, secs


def short_diff(a, b, width=160):
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            lo = max(0, i1 - 40)
            return "    at char %d: pypdf %r\n    %s ours  %r" % (
                i1, a[lo:i2 + 40][:width], " " * len(str(i1)), b[max(0, j1 - 40):j2 + 40][:width])
    return ""


def splitter():
    from llama_index.core.node_parser import SentenceSplitter
    return SentenceSplitter(chunk_size=1024, chunk_overlap=20)


def node_texts(sp, texts):
    """Per page (one Document each, as PDFReader gives), its nodes' texts."""
    from llama_index.core import Document
    return [[n.text for n in sp.get_nodes_from_documents([Document(text=t)])] for t in texts]


def same_nodes(theirs, ours):
    """(identical, total): nodes compared page by page, so one page that
    splits differently does not shift the pages after it."""
    same = total = 0
    for i in range(max(len(theirs), len(ours))):
        a = theirs[i] if i < len(theirs) else []
        b = ours[i] if i < len(ours) else []
        same += sum(1 for x, y in zip(a, b) if x == y)
        total += max(len(a), len(b))
    return same, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "..", "build"))
    ap.add_argument("--cache")
    ap.add_argument("--nodes", action="store_true")
    ap.add_argument("--poppler", action="store_true", help="compare the poppler text instead")
    a = ap.parse_args()
    files = []
    for p in a.paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.lower().endswith(".pdf"))
        else:
            files.append(p)
    if a.cache:
        os.makedirs(a.cache, exist_ok=True)
    bench = os.path.join(a.build, "tests", "bench", "bench_reader")
    ours, our_secs = ours_pages(bench, files, a.poppler)
    sp = splitter() if a.nodes else None
    tot_p = tot_same = tot_n = tot_nsame = 0
    py_secs = 0.0
    for f in files:
        theirs, err, secs = pypdf_pages(f, a.cache)
        py_secs += secs
        mine = ours.get(f, {"texts": [], "error": "no output"})
        same = sum(1 for x, y in zip(theirs, mine["texts"]) if x == y)
        n = max(len(theirs), len(mine["texts"]))
        tot_p += n
        tot_same += same
        line = "%-50s pages %4d/%-4d" % (os.path.basename(f)[:50], same, n)
        if sp:
            ns, nt = same_nodes(node_texts(sp, theirs), node_texts(sp, mine["texts"]))
            tot_n += nt
            tot_nsame += ns
            line += "  nodes %4d/%-4d" % (ns, nt)
        print(line)
        if err:
            print("    pypdf raises: %s" % err)
        if mine.get("error"):
            print("    ours: error: %s" % mine["error"])
        if len(theirs) != len(mine["texts"]):
            print("    page count: pypdf %d, ours %d" % (len(theirs), len(mine["texts"])))
        for i, (x, y) in enumerate(zip(theirs, mine["texts"])):
            if x != y:
                print("  first differing page: %d\n%s" % (i + 1, short_diff(x, y)))
                break
    print("TOTAL pages identical %d/%d (%.2f%%)" % (tot_same, tot_p, 100.0 * tot_same / max(tot_p, 1)))
    if sp:
        print("TOTAL nodes identical %d/%d (%.2f%%)" % (tot_nsame, tot_n, 100.0 * tot_nsame / max(tot_n, 1)))
    print("TIME ours %.2f s, pypdf %.2f s%s, ratio %.1fx" % (
        our_secs, py_secs, " (cached)" if a.cache else "", py_secs / max(our_secs, 1e-9)))


main()
