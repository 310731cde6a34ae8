#!/usr/bin/env python3
"""check_pyfloat.py - common/base/pyfloat.c against CPython's repr(float),
the oracle json.dumps uses.  usage: check_pyfloat.py PYFLOAT_DUMP [N]"""
import json
import struct
import subprocess
import sys

dump, n = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "200000"
passed = failed = 0
for kind, fmt, seed in (("f32", "<f", "1"), ("f32", "<f", "2"), ("f64", "<d", "3")):
    out = subprocess.run([dump, kind, n, seed], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        bits, got = line.split(" ", 1)
        raw = int(bits, 16).to_bytes(4 if kind == "f32" else 8, "little")
        want = json.dumps(struct.unpack(fmt, raw)[0])
        if got == want:
            passed += 1
        else:
            failed += 1
            if failed <= 20:
                print(f"FAIL {kind} {bits}: got {got} want {want}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
