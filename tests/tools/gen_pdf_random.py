#!/usr/bin/env python3
"""gen_pdf_random.py - random content streams for a differential check of
the pypdf-exact PDF text against the real pypdf (developer tool).

    python3 tests/tools/gen_pdf_random.py DIR SEED COUNT
    tests/tools/compare_pypdf.sh DIR        # expect 100 % identical

Each PDF has one page drawing a random sequence of text operators (Tf with
simple, CID and missing fonts, Td/TD/Tm/T*/TL, Tj/TJ/'/", cm, q/Q, form and
image XObjects) with random operands, and 15 % of the time malformed ones
(missing operands, bad tokens, inline images) where pypdf raises or reads
0: both sides must then raise on the same files."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_pdf_fixtures import HELV, TIMES, one_page, stream, tounicode  # noqa: E402

R = random.Random(int(sys.argv[2]))
def num():
    c = R.random()
    if c < 0.3: return str(R.randint(-50, 50))
    if c < 0.6: return "%.2f" % R.uniform(-30, 30)
    if c < 0.7: return str(R.choice([0, 1, -1, 12, 0.5]))
    return "%.3f" % R.uniform(-800, 800)
def s():
    w = R.choice(["Hello", "a", "", " ", "foo bar", "x\\(y", "12.5", "Qz", "\\101B"])
    return "(" + w + ")"
def hexs():
    return "<" + "".join(R.choice(["0001", "0002", "0003", "0010", "0011", "0020", "0030"]) for _ in range(R.randint(0, 3))) + ">"
WEIRD = ["Td", "1 Td", "Tm", "1 2 3 Tm", "Tf", "/F1 Tf", "/F1 (x) Tf", "(a) Td", "/Name Tj", "[/Nm (a) 5] TJ",
         "(abc) TJ", "/Nm TJ", "5 TJ", "cm", "1 2 cm", "(s) 1 2 3 4 5 cm", "Tz", "(x) Tz", "TL", "(x) TL",
         "1 ( \\" , "1,5 2 Td", "1.2.3 4 Td", "- 3 Td", "<< /A 1 >> BDC", "[1 [2 3]] TJ", "true Tj", "null Tj",
         "1 (a) \"", "(a) \"", "0 0 \"", "%comment\n", "BI /W 1 /H 1 /CS /G /BPC 8 ID \x01 EI", "<4G> Tj", "{", ")",
         "[(a) -300 (b) -2000 (c)] TJ", "0 Tf", "/F1 -12 Tf", "/F2 0 Tf"]
def op():
    c = R.randrange(16)
    font = R.choice(["/F1", "/F2", "/F3", "/Nope"])
    return R.choice([
        "BT", "ET", "BT", "ET",
        "%s %s Tf" % (font, R.choice(["12", "9", "1", "24", "0.5", "10.5"])),
        "%s %s Td" % (num(), num()), "%s %s TD" % (num(), num()),
        "%s %s %s %s %s %s Tm" % (R.choice(["1", "0", "-1", "2", "0.5"]), R.choice(["0", "1", "-1"]), R.choice(["0", "1", "-1"]), R.choice(["1", "0", "-1", "2"]), num(), num()),
        "T*", "%s TL" % num(), "%s Tj" % s(), "%s Tj" % hexs(), "%s '" % s(),
        "[%s] TJ" % " ".join(R.choice([s(), hexs(), num(), num()]) for _ in range(R.randint(1, 6))),
        "q", "Q", "%s %s %s %s %s %s cm" % (R.choice(["1", "2", "0.5", "0", "-1"]), R.choice(["0", "1"]), R.choice(["0", "1", "-1"]), R.choice(["1", "2", "0.5"]), num(), num()),
        "/Fm1 Do", "/Im1 Do", "%s Tc %s Tw 100 Tz" % (num(), num()),
    ] + (WEIRD if R.random() < 0.15 else []))
cmap = tounicode(b"3 beginbfchar\n<0001> <0048>\n<0002> <0069>\n<0003> <0020>\nendbfchar\n"
                 b"2 beginbfrange\n<0010> <0015> <0061>\n<0020> <0022> [<0058> <0059> <005A>]\nendbfrange\n1 beginbfchar\n<0030> <05D0>\nendbfchar")
form = stream(b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /Font << /F2 " + TIMES + b" >> >>",
              b"BT /F2 10 Tf 0 0 Td (in form) Tj 0 -12 Td (line2) Tj ET")
img = stream(b"/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", b"\x80")
for i in range(int(sys.argv[3])):
    content = "\n".join(op() for _ in range(R.randint(5, 60))).encode()
    pdfb = one_page(content, b"<< /Font << /F1 " + HELV + b" /F2 " + TIMES + b" /F3 6 0 R >> /XObject << /Fm1 8 0 R /Im1 9 0 R >> >>",
        [cmap, b"<< /Type /Font /Subtype /Type0 /BaseFont /CIDF /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 5 0 R >>",
         b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /CIDF /DW 1000 /W [1 [700 300] 3 [250] 16 20 500] >>", form, img])
    open(os.path.join(sys.argv[1], "r%04d.pdf" % i), "wb").write(pdfb)
