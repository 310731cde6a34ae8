#!/usr/bin/env python3
"""Fills {"text"} JSON lines with "spans" (code point offsets) from nltk 3.8's
untrained PunktSentenceTokenizer().span_tokenize (Debian python3-nltk):
  /usr/bin/python3 tests/tools/punkt_ref.py < in.jsonl > out.jsonl"""
import json, sys
from nltk.tokenize.punkt import PunktSentenceTokenizer

tk = PunktSentenceTokenizer()
for line in sys.stdin:
    c = json.loads(line)
    c["spans"] = list(tk.span_tokenize(c["text"]))
    print(json.dumps(c, ensure_ascii=False))
