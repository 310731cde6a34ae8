/* mdparse.h - LlamaIndex's MarkdownNodeParser (llama-index-core 0.14.19,
 * node_parser/file/markdown.py) as a node parser: Documents -> TextNodes.
 *
 * Per document: split the text on "\n"; a line whose lstrip() starts with
 * "```" toggles a code block (headers inside are text); outside code blocks
 * a line matching ^(#+)\s(.*) closes the current section (emitted, stripped,
 * if not blank) and starts a new one "<#*level> <title>\n", after popping
 * headers of equal or deeper level from the header stack.  A section's
 * "header_path" metadata is sep + the titles of its *parent* headers joined
 * by sep + sep, or just sep (header_path_separator, default "/").
 * Then, as NodeParser does: TextNodes carry the document's excluded keys and
 * templates and a SOURCE link; start/end char indices by str.find from the
 * previous node's start + 1 (-1 when the text was rewritten, e.g. a tab after
 * the #'s); metadata = {**doc.metadata, header_path} when include_metadata;
 * PREVIOUS/NEXT links when include_prev_next_rel (NEXT taken before the next
 * node's merge, like LlamaIndex).  Node ids: nodeparse_node_id(doc id, i),
 * i = section index in the document (LlamaIndex uses random uuid4s).
 * Pure; only ERR_NOMEM is fatal, nothing else fails. */
#ifndef INGEST_MDPARSE_H
#define INGEST_MDPARSE_H

#include <stddef.h>

#include "node.h"
#include "nodeparse.h"
#include "spec.h"

/* Appends nodes for docs[0..n) to out; returns 0 or ERR_NOMEM.  tf is a
 * validated "MarkdownNodeParser" spec entry; on_error may be NULL. */
int mdparse_run(const spec_tf *tf, node_t *const *docs, size_t n, node_list *out,
                nodeparse_err_fn *on_error, void *ud);

/* The same with explicit parameters (sep NUL-terminated). */
int mdparse_doc(const node_t *doc, const char *sep, int include_md, int prev_next, node_list *out);

#endif
