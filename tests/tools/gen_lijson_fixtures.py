#!/usr/bin/env python3
"""gen_lijson_fixtures.py - writes what the real llama-index-core 0.14.19
writes with `to_dict()` for every transformation class the pipeline spec
supports, into tests/data/lijson/ (run once; the files are committed and
tests/unit/test_lijson.c loads each one).

    source ../shared/peers/llamaindex-py/env.sh
    LI_EXTRA=dir1:dir2 python3 tests/tools/gen_lijson_fixtures.py tests/data/lijson

LI_EXTRA: source folders of llama-index-{llms,embeddings}-{azure-openai,
openai-like} (from a git archive of run-llama/llama_index at 0.14.19), for the
Azure and OpenAILike classes; without it those fixtures are skipped.  The
Azure modules import azure.identity / azure.core only for Entra ID tokens,
which to_dict() never touches: when the azure SDK is absent they get empty
stand-ins.  api_key is the placeholder "sk-fixture-not-a-key"."""
import importlib
import json
import os
import sys
import types

KEY = "sk-fixture-not-a-key"


def azure_standins():
    try:
        import azure.identity  # noqa: F401
        return
    except ImportError:
        pass
    for name in ("azure", "azure.identity", "azure.core", "azure.core.exceptions"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["azure.identity"].DefaultAzureCredential = object
    sys.modules["azure.identity"].get_bearer_token_provider = lambda *a, **k: None
    sys.modules["azure.core.exceptions"].ClientAuthenticationError = Exception


def optional(mod, cls):
    try:
        return getattr(importlib.import_module(mod), cls)
    except ImportError as e:
        print(f"skipping {cls}: {e}", file=sys.stderr)
        return None


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/lijson"
    sys.path[:0] = [p for p in os.environ.get("LI_EXTRA", "").split(":") if p]
    azure_standins()
    from llama_index.core.extractors import (KeywordExtractor, QuestionsAnsweredExtractor,
                                             SummaryExtractor, TitleExtractor)
    from llama_index.core.node_parser import (MarkdownNodeParser, SentenceSplitter,
                                              SentenceWindowNodeParser, TokenTextSplitter)
    from llama_index.embeddings.openai import OpenAIEmbedding
    from llama_index.llms.openai import OpenAI

    llm = OpenAI(model="gpt-4o-mini", api_key=KEY)
    objs = {
        "sentence_splitter": SentenceSplitter(chunk_size=1024, chunk_overlap=20),
        "sentence_splitter_256": SentenceSplitter(chunk_size=256, chunk_overlap=64,
                                                  paragraph_separator="\n\n",
                                                  include_prev_next_rel=False),
        "token_text_splitter": TokenTextSplitter(),
        "token_text_splitter_keep_ws": TokenTextSplitter(keep_whitespaces=True),
        "sentence_window": SentenceWindowNodeParser(),
        "sentence_window_5": SentenceWindowNodeParser(window_size=5, window_metadata_key="w"),
        "markdown": MarkdownNodeParser(),
        "openai_embedding": OpenAIEmbedding(api_key=KEY),
        "openai_embedding_3small": OpenAIEmbedding(model="text-embedding-3-small",
                                                   dimensions=256, embed_batch_size=50,
                                                   api_key=KEY, timeout=30.0),
        "title": TitleExtractor(llm=llm),
        "title_3": TitleExtractor(nodes=3, llm=OpenAI(model="gpt-4o", temperature=0.0,
                                                      max_tokens=64, api_key=KEY)),
        "questions": QuestionsAnsweredExtractor(llm=llm),
        "summary": SummaryExtractor(llm=llm, summaries=["prev", "self"]),
        "keyword": KeywordExtractor(llm=llm, keywords=8),
        "title_system_prompt": TitleExtractor(llm=OpenAI(model="gpt-4o-mini", api_key=KEY,
                                                         system_prompt="Be brief.")),
    }
    AzLLM = optional("llama_index.llms.azure_openai", "AzureOpenAI")
    AzEmb = optional("llama_index.embeddings.azure_openai", "AzureOpenAIEmbedding")
    LikeLLM = optional("llama_index.llms.openai_like", "OpenAILike")
    LikeEmb = optional("llama_index.embeddings.openai_like", "OpenAILikeEmbedding")
    if AzLLM:
        objs["title_azure"] = TitleExtractor(llm=AzLLM(
            engine="gpt4o-dep", model="gpt-4o", azure_endpoint="https://x.openai.azure.com",
            api_key=KEY, api_version="2024-02-01"))
    if AzEmb:
        objs["azure_embedding"] = AzEmb(
            model="text-embedding-3-small", deployment_name="emb-dep", api_key=KEY,
            azure_endpoint="https://x.openai.azure.com", api_version="2023-05-15")
    if LikeLLM:
        objs["keyword_openai_like"] = KeywordExtractor(llm=LikeLLM(
            model="llama3", api_base="http://127.0.0.1:1/v1", api_key=KEY, is_chat_model=True))
    if LikeEmb:
        objs["openai_like_embedding"] = LikeEmb(model_name="bge-small",
                                                api_base="http://127.0.0.1:1/v1", api_key=KEY)
    os.makedirs(out, exist_ok=True)
    for name, o in objs.items():
        with open(os.path.join(out, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(o.to_dict(), f, indent=1)
            f.write("\n")
    pipe = [objs["sentence_splitter"].to_dict(), objs["title"].to_dict(),
            objs["openai_embedding"].to_dict()]
    with open(os.path.join(out, "pipeline_list.json"), "w", encoding="utf-8") as f:
        json.dump(pipe, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "pipeline_object.json"), "w", encoding="utf-8") as f:
        json.dump({"transformations": [objs["markdown"].to_dict(),
                                       objs["openai_embedding_3small"].to_dict()]}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(objs) + 2} fixtures to {out}")


if __name__ == "__main__":
    main()
