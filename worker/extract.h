/* extract.h - LlamaIndex's LLM metadata extractors (TitleExtractor,
 * KeywordExtractor, QuestionsAnsweredExtractor, SummaryExtractor) as a
 * remote stage over the shared call layer.  Same contract as
 * stage_start() in stage.h: 0 and done() exactly once later (or before
 * returning), or negative and done() never called. */
#ifndef INGEST_EXTRACT_H
#define INGEST_EXTRACT_H

#include "oaicall.h"
#include "stage.h"

/* The prompt templates of llama-index-core 0.14.19. */
extern const char EXTRACT_TITLE_NODE_TMPL[];
extern const char EXTRACT_TITLE_COMBINE_TMPL[];
extern const char EXTRACT_KEYWORD_TMPL[];
extern const char EXTRACT_QUESTION_TMPL[];
extern const char EXTRACT_SUMMARY_TMPL[];
/* BaseExtractor.node_text_template, set on every node afterwards. */
extern const char EXTRACT_NODE_TEXT_TMPL[];

int extract_start(oc_ctx *oc, stage_job *job);

#endif
