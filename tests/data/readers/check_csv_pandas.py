#!/usr/bin/env python3
"""Differential check of reader_csv.c against real pandas (developer tool,
not run by the tests: needs python3-pandas).

    check_csv_pandas.py BUILD_DIR [N_RANDOM]

Runs PandasCSVReader's load_data logic (pd.read_csv defaults, rows joined by
"\\n", cells by ", " via row.astype(str)) on the committed CSV fixtures and on
N random CSVs, and compares with bench_reader --dump.  Integers in
[2^63, 2^64) are left out of the random cells: a documented difference.  Files pandas rejects
must be rejected by us too.  Prints mismatches and a summary line."""
import glob
import os
import random
import subprocess
import sys
import tempfile

sys.path.append("/usr/lib/python3/dist-packages")
import pandas as pd  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def pandas_text(path):
    try:
        df = pd.read_csv(path, na_values=["None"])  # pandas 2 defaults
        rows = df.apply(lambda row: ", ".join(row.astype(str).tolist()), axis=1).tolist()
        return "\n".join(rows)
    except Exception as e:  # SimpleDirectoryReader skips the file
        return e


def ours(bench, path):
    p = subprocess.run([bench, "--dump", path], capture_output=True)
    if p.returncode:
        return None
    out = p.stdout.decode()
    return out.split("\n---\n", 1)[1][:-1]


CELLS = ["1", "2", "-3", "007", "1.5", "2.0", "1e3", "-inf", "", "NA", "nan", "null", "true",
         "False", "TRUE", "x", "a b", '"q,uoted"', '"with ""quote"""', " 4 ", "1.0e-5",
         "123456789012345678901", "None", '"multi\nline"', "0.1", "1e16", "abc",
         "-0", "+5", "0x10", "Inf", "INF",
         "infinity", "1.", ".5", "1e", " ", "#N/A", "n/a", "1,5", 'a"b', '"a"b', "  "]


def random_csv(rng):
    ncol = rng.randint(1, 4)
    lines = [",".join("c%d" % i for i in range(ncol))]
    for _ in range(rng.randint(1, 5)):
        pool = rng.sample(CELLS, 6)
        lines.append(",".join(rng.choice(pool) for _ in range(ncol)))
    return "\n".join(lines) + rng.choice(["\n", "", "\r\n"])


def main():
    bench = os.path.join(sys.argv[1], "tests", "bench", "bench_reader")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    files = sorted(glob.glob(os.path.join(HERE, "*.csv")))
    tmp = tempfile.mkdtemp()
    rng = random.Random(42)
    for i in range(n):
        p = os.path.join(tmp, "r%04d.csv" % i)
        with open(p, "w", newline="") as f:
            f.write(random_csv(rng))
        files.append(p)
    same = diff = 0
    for p in files:
        want, got = pandas_text(p), ours(bench, p)
        ok = (got is None) if isinstance(want, Exception) else (got == want)
        if ok:
            same += 1
            continue
        diff += 1
        if diff <= 15:
            print("MISMATCH %s\n  input:  %r\n  pandas: %r\n  ours:   %r" % (
                os.path.basename(p), open(p).read(), want, got))
    print("csv files=%d same=%d differ=%d" % (len(files), same, diff))


main()
