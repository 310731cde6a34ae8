/* lijson.h - LlamaIndex's own pipeline JSON accepted as a pipeline spec.
 *
 * A LlamaIndex user has `[t.to_dict() for t in transformations]` (or that
 * list under "transformations"; a single to_dict() object also works).
 * lijson_translate() turns it into our canonical spec JSON (spec.h) before
 * spec_parse() sees it:
 *  - class names as to_dict() writes them: MarkdownNodeParser's
 *    "base_component", the LLMs' "openai_llm" / "azure_openai_llm";
 *  - fields that do not change the output (callback managers, tokenizer
 *    objects, reuse_client, show_progress, ...) are dropped whatever their
 *    value; fields we cannot honour are dropped at LlamaIndex's default (or
 *    null) and are an error naming them otherwise (id_func,
 *    keep_whitespaces, additional_kwargs, system_prompt, metadata_mode, ...);
 *  - secrets (api_key, ...) are dropped and counted, so they never reach
 *    Redis: workers read keys from their environment;
 *  - AzureOpenAI's "engine" becomes azure_deployment, a null api_base ours.
 * Everything else passes through, so spec_parse() still checks names,
 * types and ranges.  Our canonical JSON is left as it is.  Pure. */
#ifndef INGEST_LIJSON_H
#define INGEST_LIJSON_H

#include <jansson.h>
#include <stddef.h>

#include "spec.h"

typedef struct lijson_info {
    int secrets;           /* non-null secret fields dropped */
    char first_secret[96]; /* e.g. "transformations[2].api_key" */
} lijson_info;

/* New canonical document for `in` (not modified); NULL with err set. */
json_t *lijson_translate(const json_t *in, lijson_info *info, char *err, size_t errlen);
/* Parses JSON text, translates it and validates it with spec_parse(). */
spec_t *lijson_spec_parse(const char *json, size_t len, lijson_info *info, char *err,
                          size_t errlen);

#endif
