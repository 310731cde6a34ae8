/* reader_csv.h - CSV text as PandasCSVReader (pandas.read_csv defaults,
 * concat_rows=True, col_joiner ", ", row_joiner "\n") makes it.
 *
 * Reproduced: "," separator, '"' quoting with "" escapes (a quote inside an
 * unquoted field is literal, text after a closing quote is kept), \n, \r\n
 * and \r line ends, blank and whitespace-only lines skipped, a leading UTF-8
 * BOM dropped, the first line taken as the header (not in the text), short
 * rows padded with NaN, implicit index columns when the first data row has
 * k fields more than the header (the first k columns, dropped from the text
 * as row.astype(str) does not include the index); pandas' default NA strings ("", "NA", "null",
 * "nan", "N/A", ...) -> "nan"; per-column dtype inference (int64, float64,
 * bool, object) and the row's common dtype (an int column in a row with a
 * float column prints as "1.0"), floats printed as Python/numpy repr.
 * Not reproduced: pandas' float parser's last-ulp differences on numbers
 * with more than 17 significant digits; columns holding integers in
 * [2^63, 2^64) (pandas' uint64 attempt has order-dependent outcomes: float,
 * uint64 or raw strings); dates are never inferred by default anyway.
 * A header-only file gives empty text (pandas: an empty frame, "" joined).
 * An overflowing integer met before any non-integer keeps the column as
 * strings (or uint64 when all fit), like read_csv's int64-first scan.
 * NA strings are pandas 2.x's (1.5 did not treat "None" as NA).
 * Checked against pandas 1.5.3 (with na_values=["None"]) on the fixtures and
 * random CSVs by tests/data/readers/check_csv_pandas.py.
 * Errors (pandas raises, SimpleDirectoryReader skips the file): empty input
 * ("No columns to parse"), a row with too many fields, EOF
 * inside a quoted field, invalid UTF-8 -> ERR_PARSE / ERR_UTF8; text over
 * the out buffer's max, or more fields than max_text_bytes / 2 could hold
 * (bounds the field table: a file of commas) -> ERR_TOOBIG.  Pure. */
#ifndef INGEST_READER_CSV_H
#define INGEST_READER_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reader.h"

int reader_csv_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                    char *errbuf, size_t errlen);

#endif
