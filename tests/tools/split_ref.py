"""Reference splitter for the fixtures in tests/data/split/ (not a test; needs
the LlamaIndex sources and a tiktoken, which users do not have).

Runs the REAL llama-index-core 0.14.19 SentenceSplitter / TokenTextSplitter
method bodies, extracted at run time with `ast` from the source files (nothing
is copied here), with nltk's real PunktSentenceTokenizer and tiktoken
cl100k_base.  Reads JSON lines {"text", "kind": "sentence"|"token",
"chunk_size", "chunk_overlap", optional "metadata_str", "separator",
"paragraph_separator", "secondary_regex" (0/1), "backup_separators",
"keep_whitespaces"} and writes each back with "chunks": [...] or "error".

  LI_SRC=/work/llama_src/llama-index-core/llama_index/core/node_parser/ \
  TIKTOKEN_CL100K_FILE=common/text/data/cl100k_base.tiktoken \
  PYTHONPATH=/work/shared/peers/llamaindex-py/shims:/usr/lib/python3/dist-packages \
  python3 tests/tools/split_ref.py < in.jsonl > out.jsonl
(python3 = CPython 3.11 with the `regex` module, for the tiktoken shim.)"""
import contextlib, os, ast, json, sys, re, logging
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple
from contextlib import contextmanager
sys.setrecursionlimit(3000)
from nltk.tokenize.punkt import PunktSentenceTokenizer
import tiktoken
enc = tiktoken.get_encoding("cl100k_base")
tokenizer = lambda s: enc.encode(s, allowed_special="all")
LI = os.environ.get("LI_SRC", "/work/llama_src/llama-index-core/llama_index/core/node_parser/")

class globals_helper:
    punkt_tokenizer = PunktSentenceTokenizer()

class _Ev:
    def on_end(self, payload=None): pass
class CB:
    @contextmanager
    def event(self, *a, **k):
        yield _Ev()
class CBEventType: CHUNKING = 1
class EventPayload: CHUNKS = 1

ns = dict(TextSplitter=object, Any=Any, Callable=Callable, List=List, Optional=Optional, Tuple=Tuple,
          globals_helper=globals_helper, CBEventType=CBEventType, EventPayload=EventPayload,
          logging=logging, _logger=logging.getLogger("x"), dataclass=dataclass)

def funcs(path, cls=None, names=None):
    tree = ast.parse(open(path).read())
    out = []
    for node in tree.body:
        if cls is None and isinstance(node, ast.FunctionDef):
            out.append(node)
        if cls and isinstance(node, ast.ClassDef) and node.name == cls:
            out += [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name in names]
        if isinstance(node, ast.ClassDef) and node.name == "_Split":
            out.append(node)
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in (
                "CHUNKING_REGEX", "DEFAULT_METADATA_FORMAT_LEN"):
            out.append(node)
    return out

def load(nodes, g):
    for n in nodes:
        n.decorator_list = [d for d in getattr(n, "decorator_list", []) if not (isinstance(d, ast.Name) and d.id in ("classmethod",))]
    mod = ast.Module(body=nodes, type_ignores=[])
    exec(compile(ast.fix_missing_locations(mod), "li", "exec"), g)

load(funcs(LI + "text/utils.py"), ns)
load(funcs(LI + "text/sentence.py", "SentenceSplitter",
           {"split_text_metadata_aware", "_split_text", "_split", "_merge", "_postprocess_chunks", "_token_size", "_get_splits_by_fns"}), ns)
SS = type("SS", (), {k: ns[k] for k in ["split_text_metadata_aware", "_split_text", "_split", "_merge", "_postprocess_chunks", "_token_size", "_get_splits_by_fns"]})
tns = dict(ns)
load(funcs(LI + "text/token.py", "TokenTextSplitter",
           {"split_text_metadata_aware", "_split_text", "_split", "_merge"}), tns)
TS = type("TS", (), {k: tns[k] for k in ["split_text_metadata_aware", "_split_text", "_split", "_merge"]})

def sentence(cs, co, sep=" ", para="\n\n\n", regex=ns["CHUNKING_REGEX"]):
    s = SS(); s.chunk_size, s.chunk_overlap, s.separator, s.paragraph_separator = cs, co, sep, para
    s.callback_manager = CB(); s._tokenizer = tokenizer
    s._split_fns = [ns["split_by_sep"](para), ns["split_by_sentence_tokenizer"]()]
    s._sub_sentence_split_fns = ([ns["split_by_regex"](regex)] if regex else []) + [ns["split_by_sep"](sep), ns["split_by_char"]()]
    return s

def token(cs, co, sep=" ", backup=["\n"], keep=False):
    s = TS(); s.chunk_size, s.chunk_overlap, s.separator, s.keep_whitespaces = cs, co, sep, keep
    s.callback_manager = CB(); s._tokenizer = tokenizer
    s._split_fns = [tns["split_by_sep"](x) for x in [sep] + (backup or [])] + [tns["split_by_char"]()]
    return s

for line in sys.stdin:
    c = json.loads(line)
    if c.get("kind", "sentence") == "sentence":
        sp = sentence(c["chunk_size"], c["chunk_overlap"], c.get("separator", " "), c.get("paragraph_separator", "\n\n\n"),
                      ns["CHUNKING_REGEX"] if c.get("secondary_regex", 1) else None)
    else:
        sp = token(c["chunk_size"], c["chunk_overlap"], c.get("separator", " "), c.get("backup_separators", ["\n"]), c.get("keep_whitespaces", False))
    try:
      with contextlib.redirect_stdout(sys.stderr):
        r = {"chunks": sp.split_text_metadata_aware(c["text"], c.get("metadata_str", ""))}
    except (ValueError, RecursionError) as e:
        r = {"error": type(e).__name__ + ": " + str(e)[:80]}
    c.pop("chunks", None), c.pop("error", None)
    c.update(r)
    print(json.dumps(c, ensure_ascii=False))
