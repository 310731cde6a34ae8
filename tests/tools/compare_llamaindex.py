#!/usr/bin/env python3
"""compare_llamaindex.py - checks an `ingest-coordinator export` against what
the real llama-index-core produces for the same files (a developer tool, not
a test: it needs LlamaIndex's sources, which users do not have).

    python3 tests/tools/compare_llamaindex.py EXPORT.jsonl DIR [--chunk-size N --chunk-overlap M]

DIR is the directory that was submitted (with --recursive), spelled the same
way and run from the same working directory (document ids are paths as
given).  LlamaIndex reads it with SimpleDirectoryReader(recursive=True,
filename_as_id=True) and splits with SentenceSplitter; then, document by
document (matched by document id), it compares the walk order, node texts,
char indices, metadata (values and key order), excluded keys, templates, the
SOURCE/PREVIOUS/NEXT hashes, get_content(EMBED) and get_content(LLM) of our
nodes loaded with TextNode.from_dict, and that to_dict() gives our JSON back.
Node ids differ by design (ours are deterministic) and are not compared;
the embedding, when the export has one, must be float32 values printed as
Python prints floats (json.dumps of the parsed list gives the line's text).

Environment: PYTHONPATH with llama-index-core and llama-index-instrumentation
sources, a tiktoken (the peer's shim works), NLTK_DATA with stopwords."""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("dir")
    ap.add_argument("--chunk-size", type=int, default=1024)
    ap.add_argument("--chunk-overlap", type=int, default=20)
    ap.add_argument("--quiet", action="store_true", help="only the summary line")
    a = ap.parse_args()
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode, TextNode

    lines = open(a.export, encoding="utf-8").read().splitlines()
    ours = [json.loads(l) for l in lines]
    docs = SimpleDirectoryReader(a.dir, recursive=True, filename_as_id=True).load_data()
    splitter = SentenceSplitter(chunk_size=a.chunk_size, chunk_overlap=a.chunk_overlap)
    bad = checked = 0
    by_doc = {}  # document id -> our nodes
    for n in ours:
        by_doc.setdefault(n["relationships"]["1"]["node_id"], []).append(n)
    order = list(dict.fromkeys(n["relationships"]["1"]["node_id"] for n in ours))
    theirs_order = [d.id_ for d in docs if d.id_ in by_doc]
    if order != theirs_order:
        print("DIFF walk order: ours " + str(order[:4]) + " vs " + str(theirs_order[:4]))
        bad += 1
    for line, n in zip(lines, ours):
        if n["embedding"] is not None and \
                '"embedding":' + json.dumps(n["embedding"], separators=(",", ":")) + "," not in line:
            print(f"DIFF {n['id_']}: embedding not printed as Python prints it")
            bad += 1
            break
    for doc in docs:
        theirs = splitter.get_nodes_from_documents([doc])
        mine = by_doc.get(doc.id_, [])
        problems = []
        if len(mine) != len(theirs):
            problems.append(f"{len(mine)} nodes vs {len(theirs)}")
        for i, (m, t) in enumerate(zip(mine, theirs)):
            mn = TextNode.from_dict(m)
            if mn.to_dict() != m:
                problems.append(f"node {i}: to_dict() does not give our JSON back")
            pairs = [("text", mn.text, t.text),
                     ("start_char_idx", mn.start_char_idx, t.start_char_idx),
                     ("end_char_idx", mn.end_char_idx, t.end_char_idx),
                     ("metadata", list(mn.metadata.items()), list(t.metadata.items())),
                     ("excluded_embed", mn.excluded_embed_metadata_keys, t.excluded_embed_metadata_keys),
                     ("excluded_llm", mn.excluded_llm_metadata_keys, t.excluded_llm_metadata_keys),
                     ("embed_content", mn.get_content(MetadataMode.EMBED), t.get_content(MetadataMode.EMBED)),
                     ("llm_content", mn.get_content(MetadataMode.LLM), t.get_content(MetadataMode.LLM)),
                     ("hash", mn.hash, t.hash)]
            for rel in ("1", "2", "3"):
                mr = m["relationships"].get(rel)
                tr = t.to_dict()["relationships"].get(rel)
                pairs.append((f"rel{rel}.hash", mr and mr["hash"], tr and tr["hash"]))
                pairs.append((f"rel{rel}.metadata", mr and mr["metadata"], tr and tr["metadata"]))
            for what, x, y in pairs:
                if x != y:
                    problems.append(f"node {i} {what}: ours {str(x)[:120]!r} vs {str(y)[:120]!r}")
        checked += 1
        if problems:
            bad += 1
            if not a.quiet:
                print(f"DIFF {doc.id_}: " + "; ".join(problems[:4]))
    print(f"{checked - bad} of {checked} documents identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
