#!/usr/bin/env python3
"""check_pgvector_rows.py PORT EXPORT.jsonl [TABLE] - rebuilds every row of
public.data_<TABLE> (default "check") the way LlamaIndex's PGVectorStore
reads it back (_db_rows_to_query_result: llama-index-core's
metadata_dict_to_node(metadata_) then set_content(text)) and compares each
with the same node of a plain export of the same documents (to_dict(), hash,
get_content(EMBED); embeddings aside).  Needs the peer llama-index-core
(source ../shared/peers/llamaindex-py/env.sh) and psql; by hand, not in CI."""
import json, subprocess, sys
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
port, export = sys.argv[1], sys.argv[2]
table = sys.argv[3] if len(sys.argv) > 3 else "check"
rows = json.loads(subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-AtX", "-c",
    "SELECT json_agg(json_build_object('node_id', node_id, 'text', text, 'metadata', metadata_)) FROM data_" + table],
    capture_output=True, text=True, check=True).stdout)
want = {}
for line in open(export):
    n = TextNode.from_dict(json.loads(line)); n.embedding = None
    want[n.node_id] = n
same = 0
for r in rows:
    node = metadata_dict_to_node(r["metadata"]); node.set_content(str(r["text"]))
    w = want[r["node_id"]]
    ok = node.to_dict() == w.to_dict() and node.hash == w.hash and node.get_content("embed") == w.get_content("embed")
    same += ok
print(f"{same} of {len(rows)} rows rebuild the exported node exactly (to_dict, hash, embed content); {len(want)} exported")
