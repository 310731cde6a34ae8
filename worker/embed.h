/* embed.h - the embedding stage: OpenAI-compatible embeddings
 * (OpenAIEmbedding, OpenAILikeEmbedding, AzureOpenAIEmbedding) of a batch's
 * nodes over the call layer (oaicall.h).  Runs on the loop thread.  Same
 * contract as stage_start() in stage.h: 0 and done() exactly once (later or
 * before returning), or negative and done() never called.  See embed.c for
 * LlamaIndex's rules it follows and how bad inputs are isolated. */
#ifndef INGEST_EMBED_H
#define INGEST_EMBED_H

#include "oaicall.h"
#include "stage.h"

int embed_start(oc_ctx *oc, stage_job *job);

#endif
