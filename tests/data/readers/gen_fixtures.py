#!/usr/bin/env python3
"""Writes the reader test fixtures in this directory (run from anywhere).

Everything is made by hand with the Python standard library (no PDF or
Office tools needed): tiny PDFs with the standard Helvetica font, DOCX zips,
CSV/HTML/text files and hostile variants.  The output is deterministic, so
re-running it leaves git clean.  Deeply nested HTML is made by the tests."""
import os
import zlib
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def stream(body, filters=()):
    """A stream object body; filters are applied as FlateDecode layers."""
    data = body if isinstance(body, bytes) else body.encode("latin-1")
    for _ in filters:
        data = zlib.compress(data, 9)
    filt = ""
    if filters:
        filt = "/Filter [" + " ".join("/FlateDecode" for _ in filters) + "] "
    return b"<< " + filt.encode() + b"/Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def pdf(objs, trailer=""):
    """objs[i] is the body of object i+1; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, body in enumerate(objs, 1):
        offs.append(len(out))
        body = body if isinstance(body, bytes) else body.encode("latin-1")
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, trailer.encode(), xref)
    return bytes(out)


def text_pdf(pages, catalog_extra="", drawing=None):
    """One page per string; each line of a string is one text line."""
    n = len(pages)
    font = 3
    first_page = 4
    kids = " ".join("%d 0 R" % (first_page + 2 * i) for i in range(n))
    objs = [
        "<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
        "<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, text in enumerate(pages):
        if drawing is not None:
            content = drawing
        else:
            ops = ["BT /F1 12 Tf 72 720 Td 14 TL"]
            for line in text.split("\n"):
                esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append("(%s) Tj T*" % esc)
            ops.append("ET")
            content = "\n".join(ops)
        objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    "/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                    % (font, first_page + 2 * i + 1))
        objs.append(stream(content.encode("latin-1")))
    return pdf(objs)


def rc4(key, data):
    S = list(range(256))
    j = 0
    for i in range(256):
        j = (j + S[i] + key[i % len(key)]) % 256
        S[i], S[j] = S[j], S[i]
    out = bytearray()
    i = j = 0
    for b in data:
        i = (i + 1) % 256
        j = (j + S[i]) % 256
        S[i], S[j] = S[j], S[i]
        out.append(b ^ S[(S[i] + S[j]) % 256])
    return bytes(out)


def rc4_pdf(text, owner=b"owner"):
    """A one-page PDF encrypted with the standard security handler (R2,
    40-bit RC4), empty user password: readers must open it without one."""
    import hashlib
    import struct
    pad = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
    file_id = bytes(range(16))
    o = rc4(hashlib.md5((owner + pad)[:32]).digest()[:5], pad)
    p = -44
    key = hashlib.md5(pad + o + struct.pack("<i", p) + file_id).digest()[:5]
    u = rc4(key, pad)

    def obj_key(num):
        return hashlib.md5(key + struct.pack("<I", num)[:3] + b"\0\0").digest()[:10]

    content = ("BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text).encode("latin-1")
    enc = rc4(obj_key(5), content)
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(enc) + enc + b"\nendstream",
        "<< /Filter /Standard /V 1 /R 2 /P %d /O <%s> /U <%s> >>" % (p, o.hex(), u.hex()),
    ]
    return pdf(objs, trailer="/Encrypt 6 0 R /ID [<%s> <%s>]" % (file_id.hex(), file_id.hex()))


def pdfs():
    write("rc4-empty-password.pdf", rc4_pdf("Readable although encrypted."))
    write("simple.pdf", text_pdf(["Hello PDF world.\nSecond line caf\xe9."]))
    multi = text_pdf(["Page one alpha.", "Page two beta.", "Page three gamma."])
    write("multi.pdf", multi)
    # i, ii, then: /PageLabels number tree
    write("labels.pdf", text_pdf(
        ["Front matter one.", "Front matter two.", "Body one.", "Body two."],
        catalog_extra="/PageLabels << /Nums [0 << /S /r >> 2 << /S /D /P (A-) >>] >>"))
    write("notext.pdf", text_pdf([""], drawing="0 0 1 rg 100 100 200 200 re f"))
    write("truncated.pdf", multi[: len(multi) // 2])
    write("garbage.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 8)
    # pages tree whose Kids point back at itself, and a Length that refers
    # to its own object
    write("cyclic.pdf", pdf([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 /Parent 2 0 R >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream",
    ]))
    # a DAG of pages trees: 10^6 leaves from a 600-byte file
    levels = 6
    objs = ["<< /Type /Catalog /Pages 2 0 R >>"]
    for lv in range(levels):
        me = 2 + lv
        child = me + 1
        count = 10 ** (levels - lv)
        objs.append("<< /Type /Pages /Kids [%s] /Count %d >>" % (
            " ".join(["%d 0 R" % child] * 10), count))
    objs.append("<< /Type /Page /MediaBox [0 0 612 792] /Contents %d 0 R >>" % (len(objs) + 2))
    objs.append(stream("BT /F1 12 Tf 72 720 Td (x) Tj ET"))
    write("hugecount.pdf", pdf(objs))
    # decompression bomb: 12 M non-overlapping 5 pt glyphs (poppler ignores
    # tiny ones) on a 200-inch page, ~14 MB of operators behind two Flate
    # layers in a ~2 KB file; text extraction needs gigabytes
    line = (b"(" + b"A" * 50 + b") Tj ") * 87 + b"T* "
    body = b"BT /F1 5 Tf 5 TL 5 14390 Td " + line * 2800 + b"ET"
    write("bomb.pdf", pdf([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] "
        "/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        stream(body, filters=(1, 2)),
    ]))
    # standard security handler whose /U does not match the empty password
    enc = ("<< /Filter /Standard /V 1 /R 2 /P -4 /O <%s> /U <%s> >>"
           % ("11" * 32, "22" * 32))
    e = text_pdf(["Secret text."])
    body, _, tail = e.rpartition(b"trailer\n")
    objs_n = int(tail.split(b"/Size ")[1].split()[0])
    # append the Encrypt dict as a new object and rewrite the xref
    import re
    bodies = re.findall(rb"\d+ 0 obj\n(.*?)\nendobj\n", body, re.S)
    bodies.append(enc.encode())
    assert len(bodies) == objs_n
    write("encrypted.pdf", pdf(bodies, trailer="/Encrypt %d 0 R /ID [<%s> <%s>]"
                               % (len(bodies), "ab" * 16, "ab" * 16)))


def docx_zip(parts):
    import io
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return b.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
      'package/2006/content-types"/>')


def docxs():
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document %s><w:body>'
           '<w:p><w:r><w:t>First paragraph &amp; more.</w:t></w:r></w:p>'
           '<w:p><w:r><w:t xml:space="preserve">Tab </w:t><w:tab/><w:t>after</w:t>'
           '<w:br/><w:t>broken line</w:t></w:r></w:p>'
           '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Cell A</w:t></w:r></w:p></w:tc>'
           '<w:tc><w:p><w:r><w:t>Cell B</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
           '<w:p><w:r><w:t>Ünïcödé ✓</w:t></w:r></w:p>'
           '</w:body></w:document>') % W
    hdr = '<w:hdr %s><w:p><w:r><w:t>Header text</w:t></w:r></w:p></w:hdr>' % W
    ftr = '<w:ftr %s><w:p><w:r><w:t>Footer text</w:t></w:r></w:p></w:ftr>' % W
    write("simple.docx", docx_zip([("[Content_Types].xml", CT), ("word/header1.xml", hdr),
                                   ("word/document.xml", doc), ("word/footer1.xml", ftr),
                                   ("word/_rels/header1.xml.rels", "<x/>")]))
    write("nodoc.docx", docx_zip([("[Content_Types].xml", CT), ("word/other.xml", "<x/>")]))
    # 20 MB of spaces inside one w:t: ~20 KB on disk
    bomb = ('<w:document %s><w:body><w:p><w:r><w:t>' % W) + " " * 20_000_000 + \
        "</w:t></w:r></w:p></w:body></w:document>"
    write("bomb.docx", docx_zip([("word/document.xml", bomb)]))
    write("notzip.docx", b"PK\x03\x04 this is not really a zip file" * 10)


def texts():
    write("hello.txt", "Hello, world.\nSecond line with ünïcode.\n")
    write("empty.txt", b"")
    write("binary.txt", bytes(range(256)) * 4)
    write("badutf8.txt", b"valid start \xff\xfe then bad\n")
    write("notes.md", "# Title\n\nIntro text.\n\n## Part A\n\nA body.\n\n```\n# not a header\n```\n"
          "\n### Deep\n\nDeep body.\n\n## Part B\n\nB body.\n")
    write("data.json", '{"name": "ingest", "items": [1, 2, 3]}\n')
    write("page.html", "<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style>"
          "<script>var x = '<p>no</p>';</script></head><body><h1>Heading &amp; more</h1>"
          "<p>First   paragraph\nwraps.</p><div>Block <b>bold</b> text<br>next line</div>"
          "<ul><li>one</li><li>two</li></ul><p>caf&eacute; &#x2713;</p>"
          "<noscript>hidden</noscript><pre>keep  this\n  indented</pre></body></html>")


def csvs():
    write("simple.csv", "name,count,price,flag\nwidget,3,1.5,true\n\"gadget, large\",10,2,"
          "False\n\n\"multi\nline\",,0.25,TRUE\n")
    write("ints.csv", "a,b\n1,2\n3,4\n")
    write("mixed.csv", "a,b\n1,2.5\n3,4\n")
    write("strs.csv", "\ufeffid,note\n1,\"say \"\"hi\"\"\"\n2,NA\n")
    write("headeronly.csv", "a,b,c\n")
    write("toomany.csv", "a,b\n1,2\n3,4,5,6\n")
    write("unterminated.csv", "a,b\n1,\"open\n")


if __name__ == "__main__":
    pdfs()
    docxs()
    texts()
    csvs()
