#!/usr/bin/env python3
"""gen_pdf_fixtures.py - small PDFs for the pypdf-exact text test, written
as raw PDF syntax, and (with --expect, in the peer environment) the texts
the real pypdf 6.9.2 extracts from them.

    python3 tests/tools/gen_pdf_fixtures.py tests/data/pdf_text
    source /work/shared/peers/llamaindex-py/env.sh
    python3 tests/tools/gen_pdf_fixtures.py --expect tests/data/pdf_text

The first writes the .pdf files; the second writes expected.json:
{file: {"pages": [text, ...]} or {"raises": "<exception>"}} from pypdf.
Both outputs are committed; tests/unit/test_pdf_text.c checks our text is
byte-identical, without the peer.  Each PDF exercises one rule (see the
comment by each)."""
import json
import os
import sys
import zlib


def stream(d, data, compress=False):
    if compress:
        data = zlib.compress(data)
        d = d + b" /Filter /FlateDecode"
    return b"<< " + d + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def pdf(pages, extra=()):
    """pages: list of (page dict body without /Parent, ...); objects are
    bytes; page entries may reference extra objects as N 0 R, where extra
    objects are numbered from 3 + len(pages)."""
    objs = [None, b"<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for i, p in enumerate(pages):
        kids.append(b"%d 0 R" % (3 + i))
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + p + b" >>")
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    objs += list(extra)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for n, o in enumerate(objs[1:], 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % n + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % len(objs)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs), x)
    return bytes(out)


def one_page(content, resources, extra=(), compress=False):
    """A one-page PDF: content stream is object 4, extra objects from 5."""
    return pdf([b"/Resources " + resources + b" /Contents 4 0 R"],
               [stream(b"", content, compress)] + list(extra))


HELV = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
TIMES = b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"


def tounicode(body):
    return stream(b"", b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                  b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body +
                  b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")


def objstm(objs):
    """An object stream body holding objs [(num, bytes)]."""
    offs, body = [], b""
    for num, o in objs:
        offs.append(b"%d %d" % (num, len(body)))
        body += o + b"\n"
    head = b" ".join(offs) + b"\n"
    return b"<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n" % (
        len(objs), len(head), len(head + body)) + head + body + b"\nendstream"


def xref_stream(num, entries, size, prev=None):
    """An xref stream object: entries {objnum: (type, f2, f3)}, /W [1 4 2]."""
    nums = sorted(entries)
    data = b"".join(bytes([entries[n][0]]) + entries[n][1].to_bytes(4, "big") +
                    entries[n][2].to_bytes(2, "big") for n in nums)
    index = b" ".join(b"%d 1" % n for n in nums)
    d = b"/Type /XRef /W [1 4 2] /Index [%s] /Size %d /Root 1 0 R" % (index, size)
    if prev is not None:
        d += b" /Prev %d" % prev
    return b"%d 0 obj\n<< " % num + d + b" /Length %d >>\nstream\n" % len(data) + data + \
        b"\nendstream\nendobj\n"


def stale_objstm():
    """pypdf's stale object-stream read: page 3 and the page tree 2 start in
    object stream 5; an update puts a new page 3 (new contents 8) in object
    stream 9.  Resolving 2 from stream 5 caches the old 3 too, so pypdf
    shows the old text, qpdf alone would show the new."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    out = bytearray(b"%PDF-1.7\n")
    off = {}

    def put(num, body):
        off[num] = len(out)
        out.extend(b"%d 0 obj\n" % num + body + b"\nendobj\n")
    put(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    put(4, stream(b"", b"BT /F1 12 Tf 72 700 Td (old revision) Tj ET"))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %s >> >> /Contents %d 0 R >>"
    put(5, objstm([(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"), (3, page % (font, 4))]))
    x1 = len(out)
    out += xref_stream(6, {0: (0, 0, 65535), 1: (1, off[1], 0), 2: (2, 5, 0), 3: (2, 5, 1),
                           4: (1, off[4], 0), 5: (1, off[5], 0), 6: (1, x1, 0)}, 7)
    out += b"startxref\n%d\n%%%%EOF\n" % x1
    put(8, stream(b"", b"BT /F1 12 Tf 72 700 Td (new revision) Tj ET"))
    put(9, objstm([(3, page % (font, 8))]))
    x2 = len(out)
    out += xref_stream(10, {3: (2, 9, 0), 8: (1, off[8], 0), 9: (1, off[9], 0), 10: (1, x2, 0)},
                       11, prev=x1)
    out += b"startxref\n%d\n%%%%EOF\n" % x2
    return bytes(out)


def fixtures():
    f = {}
    # positioning: Td/TD/T*/'/" and TL, gaps that make spaces, lines that make newlines
    f["positioning.pdf"] = one_page(
        b"BT /F1 12 Tf 72 700 Td (Hello) Tj 40 0 Td (World) Tj 0 -14 Td (Next line) Tj\n"
        b"14 TL T* (After T*) Tj (quote) ' 1 0.5 (dquote) \" 0 -20 TD (TD line) Tj T* (TL from TD) Tj\n"
        b"ET BT /F1 12 Tf 72 500 Td (Glued)Tj (Word) Tj 3 0 Td (small gap) Tj ET",
        b"<< /Font << /F1 " + HELV + b" >> >>", compress=True)
    # TJ: offsets at least 95% of half a space insert one space, smaller ones do not
    f["tj_spacing.pdf"] = one_page(
        b"BT /F1 10 Tf 72 700 Td [(A) -120 (B) -200 (C) 300 (D) -50 (E) -400 ( ) -400 (F)] TJ\n"
        b"0 -20 Td [(kerned) -10 (text)] TJ ET",
        b"<< /Font << /F1 " + HELV + b" >> >>")
    # Tm: absolute jumps, a new line when the y move exceeds 80% of the font height
    f["tm_jumps.pdf"] = one_page(
        b"BT /F1 12 Tf 1 0 0 1 72 700 Tm (left) Tj 1 0 0 1 300 700 Tm (right) Tj\n"
        b"1 0 0 1 72 695 Tm (close below) Tj 1 0 0 1 72 650 Tm (far below) Tj\n"
        b"2 0 0 2 72 600 Tm (scaled) Tj 2 0 0 2 150 600 Tm (same line) Tj ET",
        b"<< /Font << /F1 " + TIMES + b" >> >>")
    # rotated text (90 and 270 degrees) and a cm that scales
    f["rotation.pdf"] = one_page(
        b"BT /F1 12 Tf 0 1 -1 0 100 100 Tm (Up) Tj 0 0 Td (wards) Tj 0 20 Td (more) Tj ET\n"
        b"BT /F1 12 Tf 0 -1 1 0 300 700 Tm (Down) Tj 0 30 Td (far) Tj ET\n"
        b"q 2 0 0 2 0 0 cm BT /F1 10 Tf 30 300 Td (In cm) Tj 0 -10 Td (below) Tj ET Q\n"
        b"BT /F1 12 Tf -1 0 0 -1 500 500 Tm (Upside) Tj 0 -15 Td (down) Tj ET",
        b"<< /Font << /F1 " + HELV + b" >> >>")
    # /Differences: glyph names, a ligature, an unknown name kept as "/name"
    diff_font = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Custom /FirstChar 65 /LastChar 70 "
                 b"/Widths [600 600 600 600 600 600] /Encoding << /Type /Encoding "
                 b"/BaseEncoding /WinAnsiEncoding /Differences [65 /Alpha /fi /g123 /eacute 70 "
                 b"/uni20AC] >> >>")
    f["differences.pdf"] = one_page(
        b"BT /F1 12 Tf 72 700 Td (ABCDEF) Tj 0 -20 Td (abc \\101\\102) Tj ET",
        b"<< /Font << /F1 " + diff_font + b" >> >>")
    # Type0 / Identity-H with a ToUnicode CMap (bfchar, bfrange with and
    # without arrays, a multi-line array) and /W widths
    cmap = tounicode(b"3 beginbfchar\n<0001> <0048>\n<0002> <0069>\n<0003> <0020>\nendbfchar\n"
                     b"2 beginbfrange\n<0010> <0015> <0061>\n<0020> <0022> [<0058>\n<0059> "
                     b"<005A>]\nendbfrange\n1 beginbfchar\n<0030> <00660069>\nendbfchar")
    f["tounicode_cid.pdf"] = one_page(
        b"BT /F1 11 Tf 72 700 Td <000100020003> Tj <001000110012> Tj [<0013> -300 <0014>] TJ\n"
        b"0 -15 Td <002000210022> Tj <0030> Tj ET",
        b"<< /Font << /F1 6 0 R >> >>",
        [cmap, b"<< /Type /Font /Subtype /Type0 /BaseFont /CIDF /Encoding /Identity-H "
               b"/DescendantFonts [7 0 R] /ToUnicode 5 0 R >>",
         b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /CIDF /CIDSystemInfo << /Registry "
         b"(Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /W [1 [700 300] 3 [250] 16 20 "
         b"500] >>"])
    # simple font with a ToUnicode that overrides its encoding for some codes
    f["tounicode_simple.pdf"] = one_page(
        b"BT /F1 12 Tf 72 700 Td (ABC) Tj (xyz) Tj ET",
        b"<< /Font << /F1 6 0 R >> >>",
        [tounicode(b"2 beginbfchar\n<41> <03B1>\n<42> <00E9>\nendbfchar"),
         b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /FirstChar 65 /LastChar 67 "
         b"/Widths [667 667 722] /Encoding /WinAnsiEncoding /ToUnicode 5 0 R >>"])
    # form XObjects: own resources, a newline before each Do, images too
    form = stream(b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Matrix [1 0 0 1 50 50] "
                  b"/Resources << /Font << /F2 " + TIMES + b" >> >>",
                  b"BT /F2 10 Tf 0 0 Td (inside the form) Tj 0 -12 Td (form line 2) Tj ET")
    noresform = stream(b"/Type /XObject /Subtype /Form /BBox [0 0 10 10]",
                       b"BT /F1 10 Tf (lost: no resources) Tj ET")
    img = stream(b"/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
                 b"/BitsPerComponent 8", b"\x80")
    f["xobject.pdf"] = one_page(
        b"BT /F1 12 Tf 72 700 Td (before) Tj ET /Fm1 Do BT /F1 12 Tf 72 600 Td (after) Tj ET\n"
        b"/Im1 Do BT /F1 12 Tf 72 500 Td (after image) Tj ET /Fm2 Do /Missing Do",
        b"<< /Font << /F1 " + HELV + b" >> /XObject << /Fm1 5 0 R /Im1 6 0 R /Fm2 7 0 R >> >>",
        [form, img, noresform])
    # strings: escapes, octal, nested parentheses, hex with odd digits,
    # comments, an inline image, a NUL byte shown through WinAnsi
    f["strings.pdf"] = one_page(
        b"% a comment\nBT /F1 12 Tf 72 700 Td (a\\(b\\)c \\(nested (parens)\\) \\101\\60\\0619) Tj\n"
        b"0 -14 Td (tab\\there\\\\ back \\q odd) Tj 0 -14 Td <48656C6C6F2> Tj ET\n"
        b"BI /W 2 /H 2 /CS /G /BPC 8 ID \x01\x02\x03\x04 EI\n"
        b"BT /F1 12 Tf 72 600 Td (nul\\000byte) Tj ET",
        b"<< /Font << /F1 " + HELV + b" >> >>")
    # right-to-left: Hebrew via ToUnicode (pypdf reverses runs and drops
    # the text before a direction change)
    f["rtl.pdf"] = one_page(
        b"BT /F1 12 Tf 72 700 Td (ABC) Tj ( 12) Tj 0 -20 Td (xyAB) Tj ET",
        b"<< /Font << /F1 6 0 R >> >>",
        [tounicode(b"3 beginbfchar\n<41> <05D0>\n<42> <05D1>\n<43> <05D2>\nendbfchar"),
         b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /Encoding /WinAnsiEncoding "
         b"/ToUnicode 5 0 R >>"])
    # several pages: empty content, no content, no resources, a Symbol font,
    # an unknown font name, q/Q restoring the font
    sym = b"<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>"
    f["pages.pdf"] = pdf(
        [b"/Resources << /Font << /F1 " + HELV + b" >> >> /Contents 7 0 R",
         b"/Resources << >>",
         b"/Contents 8 0 R",
         b"/Resources << /Font << /F1 " + HELV + b" /S " + sym + b" >> >> /Contents 9 0 R"],
        [stream(b"", b""), stream(b"", b"BT /F1 9 Tf (no resources) Tj ET"),
         stream(b"", b"BT /S 12 Tf 72 700 Td (abg) Tj ET q BT /F1 12 Tf 72 680 Td (helv) Tj ET Q "
                     b"BT /Nope 12 Tf 72 660 Td (unknown) Tj ET BT 72 640 Td (after) Tj ET")])
    # an embedded Type 1 program's clear-text encoding (no ToUnicode)
    t1 = (b"%!PS-AdobeFont-1.0: Fake\n/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\n"
          b"dup 65 /Z put\ndup 66 /uni0416 put\ndup 67 /notaglyph put\nreadonly def\n"
          b"currentfile eexec\n\x00\x01binary")
    f["type1_embedded.pdf"] = one_page(
        b"BT /F1 12 Tf 72 700 Td (ABCD) Tj ET",
        b"<< /Font << /F1 6 0 R >> >>",
        [stream(b"/Length1 %d /Length2 0 /Length3 0" % len(t1), t1),
         b"<< /Type /Font /Subtype /Type1 /BaseFont /Fake /FontDescriptor 7 0 R >>",
         b"<< /Type /FontDescriptor /FontName /Fake /Flags 32 /FontFile 5 0 R >>"])
    # an incremental update that pypdf reads stale (its object-stream cache)
    f["stale_objstm.pdf"] = stale_objstm()
    # pypdf raises on a stray ')' in a content stream
    f["raises.pdf"] = one_page(b"BT /F1 12 Tf (ok) Tj ) ET", b"<< /Font << /F1 " + HELV + b" >> >>")
    return f


def main():
    if sys.argv[1] == "--expect":
        import pypdf
        d = sys.argv[2]
        exp = {}
        for name in sorted(os.listdir(d)):
            if not name.endswith(".pdf"):
                continue
            try:
                exp[name] = {"pages": [p.extract_text() for p in pypdf.PdfReader(os.path.join(d, name)).pages]}
            except Exception as e:
                exp[name] = {"raises": type(e).__name__}
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump({"pypdf": pypdf.__version__, "files": exp}, f, indent=1, ensure_ascii=True)
            f.write("\n")
        return
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, data in fixtures().items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
