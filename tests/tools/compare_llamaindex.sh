#!/usr/bin/env bash
# compare_llamaindex.sh EXPORT.jsonl DIR [--chunk-size N --chunk-overlap M]
# Runs compare_llamaindex.py against the real llama-index-core, loaded from
# source (a developer check, not a test).  Uses ../shared's peer install when
# it is there and LLAMA_SRC is not set; otherwise needs:
#   LLAMA_SRC   folder with llama-index-core/, llama-index-instrumentation/ and
#               llama-index-integrations/readers/llama-index-readers-file/
#               from run-llama/llama_index at 0.14.19 (git archive of the repo)
#   TIKTOKEN_SHIM  folder holding a `tiktoken` module (../shared's peer shim)
#   NLTK_DATA   with corpora/stopwords/english
#   EXTRA_PYTHONPATH  optional: pypdf / docx2txt sources for .pdf / .docx
#   Debian: python3-nltk python3-deprecated python3-filetype python3-fsspec
#           python3-nest-asyncio python3-tenacity python3-dataclasses-json
#           python3-sqlalchemy python3-numpy python3-aiohttp python3-tqdm
#           python3-httpx python3-yaml python3-platformdirs (pydantic 2 from the
#           image's python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peer="$here/../../../shared/peers/llamaindex-py/env.sh"
if [ -z "${LLAMA_SRC:-}" ] && [ -f "$peer" ] && [ -d /tmp/llamapy/src/llama-index-core ]; then
    # the peer's install (llama-index-core 0.14.19 + integrations + pypdf from source)
    source "$peer"
    exec python3 "$here/compare_llamaindex.py" "$@"
fi
: "${LLAMA_SRC:=/work/llama_src}"
: "${TIKTOKEN_SHIM:=$here/../../../shared/peers/llamaindex-py/shims}"
export TIKTOKEN_CL100K_FILE="$here/../../common/text/data/cl100k_base.tiktoken"
export PYTHONPATH="$LLAMA_SRC/llama-index-core:$LLAMA_SRC/llama-index-integrations/readers/llama-index-readers-file:$LLAMA_SRC/llama-index-instrumentation/src:$here/li_stubs:$TIKTOKEN_SHIM${EXTRA_PYTHONPATH:+:$EXTRA_PYTHONPATH}"
exec python3 -c "
import sys, runpy
sys.path.append('/usr/lib/python3/dist-packages')  # after the interpreter's own packages
import fakemods
sys.argv = ['compare_llamaindex.py'] + sys.argv[1:]
runpy.run_path('$here/compare_llamaindex.py', run_name='__main__')" "$@"
