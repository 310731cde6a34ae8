#!/usr/bin/env python3
"""Writes the INPUTS of tests/data/split/{split,punkt}_cases.jsonl (hand-made
edge cases + seeded random short texts); the expected outputs are then filled
in by the real implementations:

  python3 tests/tools/gen_split_fixtures.py split [CORPUS_DIR] | <env> python3 tests/tools/split_ref.py \\
      > tests/data/split/split_cases.jsonl
  python3 tests/tools/gen_split_fixtures.py punkt | /usr/bin/python3 tests/tools/punkt_ref.py \\
      > tests/data/split/punkt_cases.jsonl
(see split_ref.py for <env>).  CORPUS_DIR (optional) adds short fragments of
real filings."""
import glob, json, random, sys

random.seed(20260325)
ATOMS = ["A", "b", "Zz", "the", "U.S.", "Inc.", "5", "3.", "1,2", "-", "--", "..", "...", ". . .", ".", "?", "!",
         "!!", ",", ";", ":", "(", ")", "\"", "'", "]", "[", "{", "}", "*", "@", "&", "#", "`", " ", " ", " ", "  ",
         "\n", "\n\n", "\t", "\xa0", "\u3000", "é", "É", "ß", "İ", "ǅ", "٣", "²", "_", "Ⓐ", "ª", "x.", "J.", "j.",
         "_.", "é.", "٣.", "-5.", ".5.", "##number##.", "\r", "\x1c", "\x85", "\u2028", "word", "Word", "WORD", "42",
         "1.", "a.b.", "?)", ".)", ".\"", "!'", "—", "…", "。", "\ufffd"]
WORDS = ["Revenue", "increased", "by", "12%", "in", "fiscal", "2023.", "The", "Company", "Inc.", "U.S.", "No.", "J.",
         "Smith", "said:", "\"We", "grew.\"", "(see", "Note", "3.)", "net", "sales", "were", "$1,234.5", "million;",
         "however,", "costs", "rose", "日本語の文。", "テスト？", "はい！", "😀", "<|endoftext|>", "e.g.", "i.e.,", "--", "..."]
SEPS = [" ", " ", " ", " ", "\n", "\n\n", "\n\n\n", "\n\n\n\n", "  ", "\t", "\xa0"]


def prose(n):
    return "".join(random.choice(WORDS) + random.choice(SEPS) for _ in range(n))


def split_inputs(corpus):
    hand = [
        {"text": "", "kind": "sentence", "chunk_size": 10, "chunk_overlap": 2},
        {"text": "", "kind": "token", "chunk_size": 10, "chunk_overlap": 2},
        {"text": " \n\t\xa0 ", "kind": "sentence", "chunk_size": 10, "chunk_overlap": 2},
        {"text": " \n\t\xa0 ", "kind": "token", "chunk_size": 10, "chunk_overlap": 2},
        {"text": "One short sentence.", "kind": "sentence", "chunk_size": 1024, "chunk_overlap": 200},
        {"text": "Metadata too long.", "kind": "sentence", "chunk_size": 8, "chunk_overlap": 0,
         "metadata_str": "file_path: /a/very/long/path/that/has/many/tokens/in/it.txt"},
        {"text": "Metadata too long.", "kind": "token", "chunk_size": 9, "chunk_overlap": 0,
         "metadata_str": "file_path: /x/y.txt"},
        {"text": "😀🤖 emoji", "kind": "sentence", "chunk_size": 1, "chunk_overlap": 0},
        {"text": "第一句。第二句？第三句！第四句，第五句；end.", "kind": "sentence", "chunk_size": 4, "chunk_overlap": 1},
        {"text": "Para one.\n\n\nPara two is here.\n\n\n\nPara three, longer: a b c d e f g.", "kind": "sentence",
         "chunk_size": 6, "chunk_overlap": 2},
        {"text": "alpha beta\ngamma delta\nepsilon zeta eta theta", "kind": "token", "chunk_size": 4,
         "chunk_overlap": 1, "backup_separators": ["\n"]},
        {"text": "  spaced   out   words   here  ", "kind": "token", "chunk_size": 3, "chunk_overlap": 1,
         "keep_whitespaces": True},
        {"text": "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", "kind": "sentence", "chunk_size": 3, "chunk_overlap": 0,
         "secondary_regex": 0},
        {"text": "Mr. Smith went to Washington. He arrived at 3 p.m. on Monday! Did he? Yes.", "kind": "sentence",
         "chunk_size": 8, "chunk_overlap": 3},
    ]
    out = list(hand)
    docs = [open(f, encoding="utf-8").read() for f in sorted(glob.glob(corpus + "/*.txt"))] if corpus else []
    for i in range(70):
        r = random.random()
        if docs and r < 0.35:
            d = random.choice(docs)
            o = random.randrange(0, len(d) - 2000)
            t = d[o:o + random.randint(100, 1500)]
        elif r < 0.7:
            t = prose(random.randint(5, 120))
        else:
            t = "".join(random.choice(ATOMS) for _ in range(random.randint(5, 150)))
        kind = "token" if i % 3 == 2 else "sentence"
        cs = random.choice([2, 4, 8, 16, 32, 64, 128])
        c = {"text": t, "kind": kind, "chunk_size": cs, "chunk_overlap": random.randint(0, cs)}
        if random.random() < 0.25:
            c["metadata_str"] = "file_path: " + "/d" * random.randint(0, 6)
        out.append(c)
    return out


def punkt_inputs():
    hand = ["", "   ", "Hello.", "Hello. World.", "U.S. Steel rose. It fell.", "Dr. J. Smith arrived. He left.",
            "He said \"Stop.\" Then left.", "(Sent one.) Sent two.", "Ends with ellipsis... Next one.",
            "Number 3. and more. 4. Then", "Wait!!! What?! Really?)  Yes.", "a. b. C. d.", "Line one.\nLine two.",
            "Para.\n\nNew para.", "x. . . y. Z.", "End.--Dash. Start", "É. Ünter. é. ü.", "٣. next. ². Next.",
            "A.\u00a0B. C.\u3000D.", "Mid.'Quote' end.", "Bracket.] next. Brace.} next.", "It costs $5.00. Cheap."]
    out = [{"text": t} for t in hand]
    for _ in range(150):
        out.append({"text": "".join(random.choice(ATOMS) + (" " if random.random() < 0.4 else "")
                                    for _ in range(random.randint(1, 30)))})
    return out


if __name__ == "__main__":
    cases = split_inputs(sys.argv[2] if len(sys.argv) > 2 else None) if sys.argv[1] == "split" else punkt_inputs()
    for c in cases:
        print(json.dumps(c, ensure_ascii=False))
