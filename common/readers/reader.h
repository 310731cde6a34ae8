/* reader.h - file readers: shipped file bytes -> LlamaIndex Documents.
 *
 * Mirrors SimpleDirectoryReader (llama-index-core 0.14.19) with
 * filename_as_id=True: document ids, the file metadata dict in its key order
 * (file_path, file_name, file_type, file_size, creation_date,
 * last_modified_date; last_accessed_date is None for local files, as
 * fsspec gives no atime, so it is dropped like every None) and the keys
 * excluded from the EMBED and LLM strings (all but file_path).
 *
 * Dispatch follows SimpleDirectoryReader's DEFAULT extractor map, by the
 * lower-cased extension:
 *   .pdf   PDFReader: one Document per page, id "<id>_part_<i>", metadata
 *          {page_label, file_name, <file metadata>}, text as pypdf's
 *          extract_text() (reader_pdf.c: labels poppler, text pdf_text.c);
 *   .docx  DocxReader (docx2txt): one Document "<id>_part_0", metadata
 *          {file_name, <file metadata>} (reader_docx.c);
 *   .csv   PandasCSVReader: one Document "<id>_part_0", rows joined by "\n",
 *          cells by ", ", header row dropped, metadata = file metadata
 *          (reader_csv.c);
 *   other extensions of the default map (.pptx, images, audio, .epub, .mbox,
 *          .ipynb, .xls(x), .hwp): ERR_UNSUPPORTED;
 *   everything else (.txt, .md, .json, .html, ...): the plain branch, one
 *          Document whose id is the file id and text the file's bytes.
 * Opt-in: html_text=1 reads .html/.htm as visible text (reader_html.c), one
 * Document "<id>_part_0" with the file metadata - not LlamaIndex's default.
 *
 * Failure (binary, invalid UTF-8, limits, parse errors, encrypted PDF)
 * returns a negative code with a one-line message in errbuf and appends
 * nothing: callers record it as a per-document error.  A hostile PDF cannot
 * crash or hang the caller: it is parsed in a forked child under address
 * space, CPU and wall-clock limits (pdf_isolate=1, the default).  Apart from
 * that child, no I/O beyond the given bytes. */
#ifndef INGEST_READER_H
#define INGEST_READER_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "wire.h"

typedef struct reader_opts {
    int64_t max_file_bytes;  /* larger files are rejected (default 256 MiB) */
    int64_t max_text_bytes;  /* extracted text cap per file (default 64 MiB) */
    int64_t time_budget_ms;  /* per-file parse budget, PDF child (default 60000) */
    int64_t max_mem_bytes;   /* extra address space the PDF child may map (default 1 GiB) */
    int64_t max_pages;       /* PDF page cap (default 100000) */
    int64_t max_unzip_bytes; /* decompressed bytes read from one DOCX part (default 256 MiB) */
    int64_t max_expansion;   /* PDF/DOCX: extracted text at most this many times the file
                                size (at least 1 MiB) - a decompression bomb is an error
                                (default 100; real filings are below 1) */
    int html_text;           /* 1: .html/.htm as visible text; 0 (default): plain branch */
    int pdf_isolate;         /* 1 (default): parse PDFs in a forked, limited child */
    int pdf_text;            /* READER_PDF_PYPDF (default): pypdf 6.9.2's extract_text(),
                                byte for byte (pdf_text.c, libqpdf); READER_PDF_POPPLER:
                                poppler's text (pdftotext -raw, or reading order below) */
    int pdf_reading_order;   /* 1: poppler's text in reading order (poppler_page_get_text),
                                implies READER_PDF_POPPLER; 0 (default): pdftotext -raw */
} reader_opts;

enum { READER_PDF_PYPDF = 0, READER_PDF_POPPLER = 1 };

void reader_opts_default(reader_opts *o);
struct spec;
/* Defaults overridden by the spec's "reader" object: keys max_file_bytes,
 * max_text_bytes, time_budget_ms, max_mem_bytes, max_pages, max_unzip_bytes, max_expansion
 * (integers; values < 1 keep the default), html_text, pdf_isolate,
 * pdf_reading_order (booleans or 0/1) and pdf_text ("pypdf" or "poppler";
 * spec_parse rejects other values). */
void reader_opts_from_spec(const struct spec *s, reader_opts *o);
/* Appends the file's Documents to docs. */
int reader_load(const wire_doc *f, const reader_opts *o, node_list *docs, char *errbuf,
                size_t errlen);
/* 1 if files with this extension (".txt", case-insensitive) give Documents:
 * everything except the default-map types we do not parse (.pptx, images...). */
int reader_supported_ext(const char *ext);
/* Initialises the libraries behind the readers (libxml2) once; call it
 * before reading from several threads at once. */
void reader_global_init(void);
/* SimpleDirectoryReader's file metadata dict for f, in its key order. */
int reader_file_metadata(const wire_doc *f, md_t *md);
/* Adds the six keys SimpleDirectoryReader excludes from EMBED and LLM strings. */
int reader_exclude_defaults(node_t *doc);

#endif
