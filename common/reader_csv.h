/* reader_csv.h - CSV text as PandasCSVReader (pandas.read_csv defaults,
 * concat_rows=True, col_joiner ", ", row_joiner "\n") makes it.
 *
 * Reproduced: "," separator, '"' quoting with "" escapes (a quote inside an
 * unquoted field is literal, text after a closing quote is kept), \n, \r\n
 * and \r line ends, blank and whitespace-only lines skipped, a leading UTF-8
 * BOM dropped, the first line taken as the header (not in the text), short
 * rows padded with NaN, an implicit index column when the first data row has
 * one field more than the header (dropped from the text, as row.astype(str)
 * does not include the index); pandas' default NA strings ("", "NA", "null",
 * "nan", "N/A", ...) -> "nan"; per-column dtype inference (int64, float64,
 * bool, object) and the row's common dtype (an int column in a row with a
 * float column prints as "1.0"), floats printed as Python/numpy repr.
 * Not reproduced: separator sniffing options, pandas' own float parser's
 * last-ulp differences, uint64/overflow subtleties, dates (never inferred by
 * default anyway).
 * Errors (pandas raises, SimpleDirectoryReader skips the file): empty input
 * ("No columns to parse"), no data rows, a row with too many fields, EOF
 * inside a quoted field, invalid UTF-8 -> ERR_PARSE / ERR_UTF8; text over
 * the out buffer's max -> ERR_TOOBIG.  Pure. */
#ifndef INGEST_READER_CSV_H
#define INGEST_READER_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reader.h"

int reader_csv_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                    char *errbuf, size_t errlen);

#endif
