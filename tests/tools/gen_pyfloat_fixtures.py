#!/usr/bin/env python3
"""gen_pyfloat_fixtures.py [N32 N64 SEED] > tests/data/pyfloat/cases.txt

Writes "<16 hex digits of the double's bits> <repr(x)> <json.dumps(x)>" per
line, as CPython prints them: every float32 and float64 power of two,
float32 neighbours of decimal landmarks, N32 random float32 values widened to
float64 (what embeddings are) and N64 random float64 values.  Run with larger
N for a one-off deeper check: test_pyfloat takes the file as its argument."""
import json
import math
import random
import struct
import sys


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def main():
    n32, n64, seed = (int(a) for a in (sys.argv[1:] + ["2000", "1000", "14"][len(sys.argv) - 1:]))
    rnd = random.Random(seed)
    vals = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5,
            0.0001234, 123456789.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
            float("nan"), float("inf"), float("-inf"), f32(0.1), f32(-0.3), f32(1e-5)]
    vals += [math.ldexp(1.0, e) for e in range(-1074, 1024)]
    vals += [-math.ldexp(1.0, e) for e in range(-149, 128)]
    for k in range(-45, 38):
        for s in (1.0, 2.5, 9.999):
            vals.append(f32(s * 10.0 ** k))
    for _ in range(n32):
        bits = rnd.getrandbits(32)
        x = struct.unpack("<f", struct.pack("<I", bits))[0]
        if math.isfinite(x):
            vals.append(x)
    for _ in range(n32):  # embedding-like values
        vals.append(f32(rnd.gauss(0.0, 0.05)))
    for _ in range(n64):
        x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        if math.isfinite(x):
            vals.append(x)
    out = sys.stdout
    for x in vals:
        out.write("%016x %r %s\n" % (struct.unpack("<Q", struct.pack("<d", x))[0], x,
                                       json.dumps(x)))


if __name__ == "__main__":
    main()
