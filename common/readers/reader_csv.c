/* reader_csv.c - PandasCSVReader's text for a CSV (see reader_csv.h).
 * Role: tokenize like pandas' C tokenizer (default dialect), infer column
 * dtypes like read_csv, print cells like Series.astype(str) on each row.
 * Ownership: the field store lives only inside reader_csv_text; memory is
 * about twice the input size.  Pure. */
#include "reader_csv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "meta.h"
#include "utf8.h"

typedef struct row {
    size_t first, n; /* indices into csv.fo */
} row;

typedef struct csv {
    buf_t st;  /* field bytes, each NUL-terminated */
    size_t *fo; /* field offsets into st */
    size_t nf, capf;
    row *rows;
    size_t nr, capr;
    size_t max_fields; /* more fields could not fit max_text_bytes anyway */
} csv;

/* C_INTNA: integers with NaNs, float64 made from the int64 values (so "-0"
 * prints 0.0, as pandas does) */
typedef enum { C_INT, C_INTNA, C_FLOAT, C_BOOL, C_STR } col_type;

static void csv_free(csv *c)
{
    buf_free(&c->st);
    free(c->fo);
    free(c->rows);
}

static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void *nv = realloc(*v, nc * sz);
    if (!nv) return ERR_NOMEM;
    *v = nv;
    *cap = nc;
    return 0;
}

static int begin_field(csv *c)
{
    if (c->nf >= c->max_fields) return ERR_TOOBIG;
    if (grow((void **)&c->fo, &c->capf, c->nf, sizeof *c->fo)) return ERR_NOMEM;
    c->fo[c->nf++] = c->st.len;
    c->rows[c->nr - 1].n++;
    return 0;
}

static int begin_row(csv *c)
{
    if (grow((void **)&c->rows, &c->capr, c->nr, sizeof *c->rows)) return ERR_NOMEM;
    c->rows[c->nr++] = (row){c->nf, 0};
    return 0;
}

static int is_eol(char ch) { return ch == '\n' || ch == '\r'; }

/* One field starting at *i; leaves *i on the ',' / line end / EOF after it. */
static int field(csv *c, const char *p, size_t len, size_t *i)
{
    int rc = begin_field(c);
    size_t k = *i;
    if (!rc && k < len && p[k] == '"') {
        for (k++;; k++) {
            if (k >= len) return ERR_PARSE;
            if (p[k] == '"') {
                if (k + 1 < len && p[k + 1] == '"') k++;
                else break;
            }
            if ((rc = buf_putc(&c->st, p[k]))) return rc;
        }
        k++;
    }
    size_t s = k;
    while (k < len && p[k] != ',' && !is_eol(p[k])) k++;
    if (!rc) rc = buf_append(&c->st, p + s, k - s);
    if (!rc) rc = buf_putc(&c->st, '\0');
    *i = k;
    return rc;
}

static int tokenize(csv *c, const char *p, size_t len)
{
    size_t i = len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
    while (i < len) {
        size_t j = i;
        while (j < len && (p[j] == ' ' || p[j] == '\t')) j++;
        if (j == len) break;
        if (is_eol(p[j])) { /* blank or whitespace-only line */
            i = p[j] == '\r' && j + 1 < len && p[j + 1] == '\n' ? j + 2 : j + 1;
            continue;
        }
        int rc = begin_row(c);
        for (;;) {
            if (!rc) rc = field(c, p, len, &i);
            if (rc) return rc;
            if (i < len && p[i] == ',') {
                i++;
                continue;
            }
            if (i < len) i = p[i] == '\r' && i + 1 < len && p[i + 1] == '\n' ? i + 2 : i + 1;
            break;
        }
    }
    return 0;
}

static int is_na(const char *s)
{
    /* pandas >= 2.0's STR_NA_VALUES (1.x lacks "None") */
    static const char *const na[] = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN",
        "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None",
        "n/a", "nan", "null"};
    for (size_t i = 0; i < sizeof na / sizeof *na; i++)
        if (!strcmp(s, na[i])) return 1;
    return 0;
}

/* 1: an integer that fits int64 (or uint64); 2: integer syntax that
 * overflows (pandas then keeps the column as strings); 0: not an integer. */
static int parse_int(const char *s, long long *v, unsigned long long *uv, int *is_u)
{
    while (isspace((unsigned char)*s)) s++;
    const char *d = s + (*s == '+' || *s == '-');
    if (!isdigit((unsigned char)*d)) return 0;
    char *end;
    errno = 0;
    *is_u = 0;
    *v = strtoll(s, &end, 10);
    if (errno == ERANGE && *s != '-') {
        errno = 0;
        *uv = strtoull(s, &end, 10);
        *is_u = 1;
    }
    int over = errno != 0;
    while (isspace((unsigned char)*end)) end++;
    if (*end) return 0;
    return over ? 2 : 1;
}

static int parse_float(const char *s, double *v)
{
    while (isspace((unsigned char)*s)) s++;
    const char *b = s + (*s == '+' || *s == '-');
    if (strpbrk(b, "xXpP")) return 0; /* no hex floats */
    if ((*b == 'n' || *b == 'N')) return 0; /* nan spellings that are not NA */
    if ((*b == 'i' || *b == 'I') && strncasecmp(b, "inf", 3)) return 0;
    char *end;
    *v = strtod(s, &end);
    if (end == s) return 0;
    while (isspace((unsigned char)*end)) end++;
    return *end == '\0';
}

static int parse_bool(const char *s, int *v)
{
    if (!strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "true")) return *v = 1, 1;
    if (!strcmp(s, "False") || !strcmp(s, "FALSE") || !strcmp(s, "false")) return *v = 0, 1;
    return 0;
}

/* Cell (r, col) of the data, or NULL for NaN padding. */
static const char *cell(const csv *c, size_t r, size_t col, size_t skip)
{
    const row *rw = &c->rows[r];
    return col + skip < rw->n ? c->st.p + c->fo[rw->first + col + skip] : NULL;
}

/* read_csv's dtype for a column: int64 is tried first and its scan stops at
 * the first value that is not an int64; if that value is an overflowing
 * integer, the column becomes uint64 (if everything fits) or stays strings,
 * otherwise float64, then bool, then strings are tried.  NA values never stop
 * a scan but turn an integer column into float64. */
static col_type infer(const csv *c, size_t col, size_t skip)
{
    int can_int = 1, can_float = 1, can_bool = 1, has_na = 0, nonna = 0, overflow = 0;
    for (size_t r = 1; r < c->nr; r++) {
        const char *s = cell(c, r, col, skip);
        if (!s || is_na(s)) {
            has_na = 1;
            continue;
        }
        nonna++;
        long long iv;
        unsigned long long uv;
        double fv;
        int b, u;
        int ik = parse_int(s, &iv, &uv, &u);
        if (can_int && !overflow && (ik == 2 || (ik == 1 && u))) overflow = 1;
        else if (can_int && !overflow && ik != 1) can_int = 0;
        if (overflow && ik != 1) can_int = 0; /* uint64 needs every value to fit */
        if (can_float && !parse_float(s, &fv)) can_float = 0;
        if (can_bool && !parse_bool(s, &b)) can_bool = 0;
    }
    if (!nonna) return C_FLOAT;
    if (overflow) return can_int && !has_na ? C_INT : C_STR;
    if (can_int) return has_na ? C_INTNA : C_INT;
    if (can_float) return C_FLOAT;
    if (can_bool) return C_BOOL; /* with NaNs pandas keeps object: True/False/nan print the same */
    return C_STR;
}

static int put_cell(buf_t *out, const char *s, col_type t, int as_float)
{
    if (!s || is_na(s)) return buf_puts(out, "nan");
    long long iv;
    unsigned long long uv;
    double fv;
    int b, u;
    switch (t) {
    case C_INT:
    case C_INTNA:
        parse_int(s, &iv, &uv, &u);
        if (as_float || t == C_INTNA) return md_py_repr_float(u ? (double)uv : (double)iv, out);
        return u ? buf_printf(out, "%llu", uv) : buf_printf(out, "%lld", iv);
    case C_FLOAT:
        parse_float(s, &fv);
        return md_py_repr_float(fv, out);
    case C_BOOL:
        parse_bool(s, &b);
        return buf_puts(out, b ? "True" : "False");
    case C_STR: break;
    }
    return buf_puts(out, s);
}

static int render(const csv *c, size_t ncol, size_t skip, buf_t *out)
{
    col_type *t = malloc(ncol * sizeof *t);
    if (!t) return ERR_NOMEM;
    int any_str = 0, any_float = 0, any_bool = 0;
    for (size_t k = 0; k < ncol; k++) {
        t[k] = infer(c, k, skip);
        any_str |= t[k] == C_STR;
        any_float |= t[k] == C_FLOAT || t[k] == C_INTNA;
        any_bool |= t[k] == C_BOOL;
    }
    /* the row Series' dtype: float64 when numeric columns mix int and float */
    int as_float = any_float && !any_str && !any_bool;
    int rc = 0;
    for (size_t r = 1; !rc && r < c->nr; r++) {
        if (r > 1) rc = buf_putc(out, '\n');
        for (size_t k = 0; !rc && k < ncol; k++) {
            if (k) rc = buf_puts(out, ", ");
            if (!rc) rc = put_cell(out, cell(c, r, k, skip), t[k], as_float);
        }
    }
    free(t);
    return rc;
}

int reader_csv_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                    char *eb, size_t el)
{
    size_t bad;
    if (!utf8_valid((const char *)data, len, &bad)) {
        snprintf(eb, el, "CSV is not valid UTF-8 (byte %zu)", bad);
        return ERR_UTF8;
    }
    if (len && memchr(data, 0, len)) {
        snprintf(eb, el, "binary content (NUL byte) in a CSV file");
        return ERR_PARSE;
    }
    csv c = {0};
    buf_init(&c.st, 0);
    /* every data cell costs at least 2 bytes of text (", " or "\n") */
    c.max_fields = (size_t)(o->max_text_bytes / 2) + 4096;
    int rc = tokenize(&c, len ? (const char *)data : "", len);
    if (rc == ERR_PARSE) snprintf(eb, el, "CSV: EOF inside a quoted field");
    else if (rc == ERR_TOOBIG) snprintf(eb, el, "CSV: too many fields for the text limit");
    else if (!rc && c.nr == 0) snprintf(eb, el, "CSV: no columns to parse from file"), rc = ERR_PARSE;
    size_t ncol = rc ? 0 : c.rows[0].n, skip = 0;
    /* extra fields in the first data row: that many leading index columns */
    if (!rc && c.nr > 1 && c.rows[1].n > ncol) skip = c.rows[1].n - ncol;
    for (size_t r = 1; !rc && r < c.nr; r++)
        if (c.rows[r].n > ncol + skip) {
            snprintf(eb, el, "CSV: expected %zu fields in data row %zu, saw %zu", ncol + skip,
                     r, c.rows[r].n);
            rc = ERR_PARSE;
        }
    size_t start = out->len;
    if (!rc && (rc = render(&c, ncol, skip, out))) {
        out->len = start;
        if (out->p) out->p[start] = '\0';
        snprintf(eb, el, "CSV text: %s", err_str(rc));
    }
    csv_free(&c);
    return rc;
}
