#!/usr/bin/env python3
"""Differential check of reader_docx.c against docx2txt (developer tool, not
run by the tests).

    DOCX2TXT=/path/to/docx2txt.py check_docx2txt.py BUILD_DIR [N_RANDOM]

DOCX2TXT is docx2txt 0.9's module file (github ankushshah89/python-docx2txt,
docx2txt/docx2txt.py).  Compares docx2txt.process() with bench_reader --dump
on the committed .docx fixtures and N random documents (paragraphs, runs,
tabs, breaks, tables, foreign elements, comments, CDATA, whitespace, nested
elements inside w:t, headers and footers)."""
import glob
import importlib.util
import io
import os
import random
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("docx2txt", os.environ["DOCX2TXT"])
d2t = importlib.util.module_from_spec(spec)
spec.loader.exec_module(d2t)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:o="urn:other"'
TEXTS = ["Hello", " ", "  spaced  ", "&amp;", "&#9;tab", "ünï", "a<![CDATA[<x>]]>b", "",
         "line\nbreak", "\u00a0nbsp", "✓", "x<!-- c -->y"]


def rnd_body(rng, depth=0):
    out = []
    for _ in range(rng.randint(0, 4)):
        k = rng.random()
        if k < 0.3:
            out.append("<w:t>%s</w:t>" % rng.choice(TEXTS))
        elif k < 0.4:
            out.append(rng.choice(["<w:tab/>", "<w:br/>", "<w:cr/>", "<w:t/>", "<o:t>no</o:t>"]))
        elif k < 0.45:
            out.append("<w:t>%s<w:r>%s</w:r>tail</w:t>" % (rng.choice(TEXTS), rng.choice(TEXTS)))
        elif depth < 4:
            tag = rng.choice(["w:p", "w:r", "w:tbl", "w:tc", "o:x", "w:hyperlink"])
            out.append("<%s>%s</%s>" % (tag, rnd_body(rng, depth + 1), tag))
    return "".join(out)


def rnd_docx(rng):
    parts = []
    for name in rng.sample(["word/header1.xml", "word/header2.xml", "word/footer1.xml",
                            "word/headerx.xml", "word/footer.xml"], rng.randint(0, 3)):
        parts.append((name, "<w:hdr %s>%s</w:hdr>" % (W, rnd_body(rng))))
    parts.insert(rng.randint(0, len(parts)),
                 ("word/document.xml", "<?xml version='1.0' encoding='UTF-8'?>"
                  "<w:document %s><w:body>%s</w:body></w:document>" % (W, rnd_body(rng))))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, data)
    return b.getvalue()


def ours(bench, path):
    p = subprocess.run([bench, "--dump", path], capture_output=True)
    return None if p.returncode else p.stdout.decode().split("\n---\n", 1)[1][:-1]


def main():
    bench = os.path.join(sys.argv[1], "tests", "bench", "bench_reader")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    # bomb.docx: one 20 MB text node, over libxml2's 10 MB limit (documented)
    files = sorted(f for f in glob.glob(os.path.join(HERE, "*.docx")) if "bomb" not in f)
    tmp = tempfile.mkdtemp()
    rng = random.Random(7)
    for i in range(n):
        p = os.path.join(tmp, "r%04d.docx" % i)
        with open(p, "wb") as f:
            f.write(rnd_docx(rng))
        files.append(p)
    same = diff = 0
    for p in files:
        try:
            want = d2t.process(p)
        except Exception as e:
            want = e
        got = ours(bench, p)
        ok = (got is None) if isinstance(want, Exception) else got == want
        if ok:
            same += 1
            continue
        diff += 1
        if diff <= 10:
            print("MISMATCH %s\n  docx2txt: %r\n  ours:     %r" % (os.path.basename(p), want, got))
    print("docx files=%d same=%d differ=%d" % (len(files), same, diff))


main()
