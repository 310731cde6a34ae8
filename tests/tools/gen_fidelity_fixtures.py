#!/usr/bin/env python3
"""gen_fidelity_fixtures.py OUTDIR - what the real llama-index-core 0.14.19
gives for document ids, file paths and walk order (walk.json) and for the
hashes of an empty document (empty_doc.json).  Run once with the peer's
environment (source ../shared/peers/llamaindex-py/env.sh); the files are
committed and tests/unit/test_walk.c and test_node.c check against them.

walk.json holds the tree it builds (in a fresh temporary folder T, which is
also the working directory) and, per case, SimpleDirectoryReader's arguments
and the (doc.id_, metadata["file_path"]) pairs in load order, with T written
as "{T}"; or the error it raised."""
import json
import os
import sys
import tempfile

TREE = {
    "files": ["root/a/x.txt", "root/a-b/y.txt", "root/a.txt", "root/A.TXT", "root/b.md",
              "root/README.md", "root/sub/deep/z.txt", "root/sub/.hid/h.txt", "root/.dot.txt",
              "root/noext", "root/c.tar.gz", "root/d.", "other/README.md", ".hidden/r/q.txt"],
    "links": [["link", "root"], ["root/lnk.txt", "a.txt"]],
}

CASES = [
    {"input_dir": "root", "recursive": True},
    {"input_dir": "root"},
    {"input_dir": "./root/", "recursive": True},
    {"input_dir": "{T}/root", "recursive": True},
    {"input_dir": "link", "recursive": True},
    {"input_dir": "root/../root"},
    {"input_dir": "other", "recursive": True},
    {"input_dir": ".hidden/r", "recursive": True},
    {"input_dir": "root", "recursive": True, "required_exts": [".txt", ".md"]},
    {"input_dir": "root", "recursive": True, "required_exts": [".TXT"]},
    {"input_dir": "root", "recursive": True, "required_exts": [".gz"]},
    {"input_files": ["root/b.md", "./root/a/x.txt", "link/a-b/y.txt", "{T}/root/a.txt",
                     ".hidden/r/q.txt", "root//sub/deep/z.txt", "root/../other/README.md"]},
]


def build(t):
    for f in TREE["files"]:
        p = os.path.join(t, f)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as fh:
            fh.write(f + "\n")
    for name, target in TREE["links"]:
        os.symlink(target, os.path.join(t, name))


def walk_cases(t):
    from llama_index.core import SimpleDirectoryReader
    out = []
    for case in CASES:
        kw = json.loads(json.dumps(case).replace("{T}", t))
        res = dict(args=case)
        try:
            docs = SimpleDirectoryReader(filename_as_id=True, **kw).load_data()
            res["want"] = [[d.id_.replace(t, "{T}"), d.metadata["file_path"].replace(t, "{T}")]
                           for d in docs]
        except ValueError as e:
            res["error"] = str(e).replace(t, "{T}")
        out.append(res)
    return out


def empty_doc():
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import Document
    meta = {"file_path": "/data/empty.txt", "file_name": "empty.txt", "file_type": "text/plain",
            "file_size": 0, "creation_date": "2026-12-01", "last_modified_date": "2026-12-01"}
    excl = ["file_name", "file_type", "file_size", "creation_date", "last_modified_date",
            "last_accessed_date"]
    cases = []
    for text, md in (("", meta), ("", {}), ("", {"page_label": "3", **meta}), ("body", meta)):
        d = Document(text=text, metadata=md, id_=md.get("file_path", "x"),
                     excluded_embed_metadata_keys=excl, excluded_llm_metadata_keys=excl)
        n = SentenceSplitter(chunk_size=1024, chunk_overlap=20).get_nodes_from_documents([d])
        cases.append({"text": text, "metadata": md, "doc_hash": d.hash,
                      "nodes": [{"text": x.text, "hash": x.hash,
                                 "source_hash": x.relationships["1"].hash} for x in n]})
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/fidelity"
    os.makedirs(out, exist_ok=True)
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        t = os.path.realpath(tmp)
        build(t)
        os.chdir(t)
        walk = {"tree": TREE, "cases": walk_cases(t)}
        os.chdir(here)
    with open(os.path.join(out, "walk.json"), "w") as f:
        json.dump(walk, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "empty_doc.json"), "w") as f:
        json.dump(empty_doc(), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
