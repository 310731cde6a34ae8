#!/usr/bin/env python3
"""How close the PDF reader (poppler) is to PDFReader (pypdf) - developer
tool, not a test.

    PYPDF_SRC=/path/to/pypdf-6.9.2 compare_pypdf.py BUILD_DIR [PDF_DIR]

PYPDF_SRC holds the pypdf package (e.g. `git archive 6.9.2 pypdf | tar -x`
from py-pdf/pypdf; pure Python).  For every page: page label equal, text
equal, text equal up to whitespace (str.split()), and a word-level
difflib similarity on every 10th page."""
import difflib
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.environ.get("PYPDF_SRC", "."))
import pypdf  # noqa: E402


def ours(bench, path):
    out = subprocess.run([bench, "--dump", path], capture_output=True).stdout.decode()
    pages = []
    for part in re.split(r"(?m)^=== id=.*\n", out)[1:]:
        head, _, text = part.partition("\n---\n")
        pages.append((re.search(r"(?m)^page_label: (.*)$", head).group(1), text[:-1]))
    return pages


def main():
    bench = os.path.join(sys.argv[1], "tests", "bench", "bench_reader")
    pdf_dir = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/corpus/financebench-seed/pdf"
    n = labels = exact = words = sampled = 0
    sim = 0.0
    for f in sorted(glob.glob(os.path.join(pdf_dir, "*.pdf"))):
        r = pypdf.PdfReader(f)
        theirs = [(r.page_labels[i], p.extract_text()) for i, p in enumerate(r.pages)]
        mine = ours(bench, f)
        if len(mine) != len(theirs):
            print("page count differs: %s ours=%d pypdf=%d" % (f, len(mine), len(theirs)))
            continue
        for (l1, t1), (l2, t2) in zip(mine, theirs):
            n += 1
            labels += l1 == l2
            exact += t1 == t2
            words += t1.split() == t2.split()
            if n % 10 == 0:
                sampled += 1
                sim += difflib.SequenceMatcher(None, t1.split(), t2.split(),
                                               autojunk=False).ratio()
    print("pages=%d labels_equal=%d text_equal=%d words_equal=%d word_similarity=%.3f"
          % (n, labels, exact, words, sim / max(sampled, 1)))


main()
