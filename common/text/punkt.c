/* punkt.c - untrained nltk Punkt sentence boundaries (see punkt.h).
 *
 * With empty PunktParameters, nltk's pipeline reduces to:
 *  1. candidates: every '.', '?' or '!' followed by a "non-word" character
 *     or by whitespace and a further token (period_context_re);
 *  2. for each candidate, a context string (the word before, as
 *     _match_potential_end_contexts computes it, the mark, and what follows)
 *     is word-tokenised (_word_tokenize_fmt, line by line) and annotated:
 *     first pass - '.', '?', '!' tokens and period-final tokens not ending in
 *     ".." are breaks; second pass - a period-final initial ("A.") or number
 *     ("3.", "1.5.") followed by a lower-case word or one of ;:,.!? is not a
 *     break, nor is an initial followed by an upper-case word.  The candidate
 *     is a sentence end if any token but the last is a break;
 *  3. _realign_boundaries moves closing quotes/brackets back to the
 *     previous sentence.
 * Offsets are bytes; all character tests decode UTF-8 (pyuni.h).  Linear in
 * the text except for contexts, which are a word or two.  Owns nothing but
 * the output array; fails only on allocation. */
#include "punkt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyuni.h"

/* ---------- character sets (all ASCII) ---------- */

enum { C_END = 1, C_NONWORD = 2, C_NOSTART = 4, C_CLOSING = 8, C_PUNCT = 16 };

/* Class bits of an ASCII byte: C_END '.?!'; C_NONWORD _re_non_word_chars
 * ()";}]*:@'({[ plus !?); C_NOSTART: cannot start a word token
 * (_re_word_start's complement); C_CLOSING: re_boundary_realignment's
 * closing marks; C_PUNCT: PunktSentenceTokenizer.PUNCTUATION. */
#define NW C_NONWORD
#define NS C_NOSTART
static const unsigned char cls_tab[128] = {
    ['.'] = C_END | C_PUNCT, ['?'] = C_END | NW | C_PUNCT, ['!'] = C_END | NW | C_PUNCT,
    [')'] = NW | NS | C_CLOSING, ['"'] = NW | NS | C_CLOSING, ['}'] = NW | NS | C_CLOSING,
    [']'] = NW | NS | C_CLOSING, ['\''] = NW | C_CLOSING, [';'] = NW | NS | C_PUNCT,
    [':'] = NW | NS | C_PUNCT, ['*'] = NW | NS, ['@'] = NW | NS, ['('] = NW | NS, ['{'] = NW | NS,
    ['['] = NW | NS, ['`'] = NS, ['&'] = NS, ['#'] = NS, ['-'] = NS, [','] = NS | C_PUNCT,
};
#undef NW
#undef NS

static unsigned char cls(char c) { return (unsigned char)c < 128 ? cls_tab[(unsigned char)c] : 0; }

static int is_sent_end(char c) { return c == '.' || c == '?' || c == '!'; }
static int is_nonword(char c) { return cls(c) & C_NONWORD; }
static int no_word_start(char c) { return cls(c) & C_NOSTART; }
static int is_closing(char c) { return cls(c) & C_CLOSING; }
/* string.whitespace, which _get_last_whitespace_index uses (ASCII only) */
static int is_ascii_ws(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int space_at(const char *s, size_t i, size_t end, size_t *w)
{
    return (pyuni_flags_at(s, end, i, w) & PYUNI_SPACE) != 0;
}

/* ---------- word tokenizer (one line: s[.., le), no '\n') ---------- */

/* Length of a multi-character punctuation match at q ("--", "..", ". . ."), or 0. */
static size_t multichar_slow(const char *s, size_t q, size_t le)
{
    if (q + 1 < le && (s[q] == '-' || s[q] == '.') && s[q + 1] == s[q]) {
        size_t e = q + 2;
        while (e < le && s[e] == s[q]) e++;
        return e - q;
    }
    /* (?:\.\s){2,}\.  - greedy pairs, then backtrack one pair if needed */
    size_t p = q, prev = q, k = 0, w;
    while (p + 1 < le && s[p] == '.' && space_at(s, p + 1, le, &w)) {
        prev = p;
        p += 1 + w;
        k++;
    }
    if (k >= 2 && p < le && s[p] == '.') return p + 1 - q;
    if (k >= 3) return prev + 1 - q;
    return 0;
}

/* multichar_slow, inline for the usual case: every match starts with '-' or '.'. */
static inline size_t multichar_at(const char *s, size_t q, size_t le)
{
    return s[q] == '-' || s[q] == '.' ? multichar_slow(s, q, le) : 0;
}

/* The lookahead that ends a word token at q. */
static int word_ends_at(const char *s, size_t q, size_t le)
{
    size_t w;
    if (q >= le || space_at(s, q, le, &w) || is_nonword(s[q]) || multichar_at(s, q, le)) return 1;
    if (s[q] != ',') return 0;
    q++;
    return q >= le || space_at(s, q, le, &w) || is_nonword(s[q]) || multichar_at(s, q, le);
}

/* Next token at or after *pos in the line; 0 when there is none. */
static int next_token(const char *s, size_t *pos, size_t le, size_t *ts, size_t *te)
{
    size_t i = *pos, w;
    while (i < le && space_at(s, i, le, &w)) i += w;
    if (i >= le) return 0;
    size_t m = multichar_at(s, i, le), e;
    if (m) {
        e = i + m;
    } else {
        pyuni_flags_at(s, le, i, &w);
        e = i + w;
        if (!no_word_start(s[i]))
            while (!word_ends_at(s, e, le)) {
                pyuni_flags_at(s, le, e, &w);
                e += w;
            }
    }
    *ts = i;
    *te = e;
    *pos = e;
    return 1;
}

/* ---------- token annotation ---------- */

/* _RE_NUMERIC on the whole token: -?[.,]?\d[\d,.-]*\.?  (or the literal type). */
static int is_numeric(const char *s, size_t b, size_t e)
{
    if (e - b == 11 && !strncasecmp(s + b, "##number##.", 11)) return 1;
    size_t i = b, w;
    if (i < e && s[i] == '-') i++;
    if (i < e && (s[i] == '.' || s[i] == ',')) i++;
    if (i >= e || !(pyuni_flags_at(s, e, i, &w) & PYUNI_DECIMAL)) return 0;
    for (i += w; i < e; i += w) {
        w = 1;
        if (s[i] == ',' || s[i] == '.' || s[i] == '-') continue;
        if (!(pyuni_flags_at(s, e, i, &w) & PYUNI_DECIMAL)) return 0;
    }
    return 1;
}

/* _RE_INITIAL: [^\W\d]\.$ */
static int is_initial(const char *s, size_t b, size_t e)
{
    size_t w;
    unsigned f = pyuni_flags_at(s, e, b, &w);
    return b + w + 1 == e && s[e - 1] == '.' && (f & PYUNI_WORD) && !(f & PYUNI_DECIMAL);
}

/* Final sentbreak annotation of token [b,e) given the next token [nb,ne). */
static int is_break(const char *s, size_t b, size_t e, size_t nb, size_t ne)
{
    size_t n = e - b;
    if (n == 1 && is_sent_end(s[b])) return 1; /* second pass keeps '?' '!' '.' */
    if (s[e - 1] != '.' || (n >= 2 && s[e - 2] == '.')) return 0;
    /* period-final, not an ellipsis: a break unless an initial or a number
     * is followed by evidence against a sentence start */
    int initial = is_initial(s, b, e);
    if (!initial && !is_numeric(s, b, e)) return 1;
    if (ne - nb == 1 && (cls(s[nb]) & C_PUNCT)) return 0;
    unsigned f = pyuni_flags_at(s, ne, nb, NULL);
    if (f & PYUNI_LOWER) return 0;
    if (initial && (f & PYUNI_UPPER)) return 0;
    return 1;
}

/* text_contains_sentbreak(s[b..e)): a break token followed by another token. */
static int contains_sentbreak(const char *s, size_t b, size_t e)
{
    int have_prev = 0;
    size_t pb = 0, pe = 0;
    for (size_t ls = b; ls <= e;) {
        const char *nl = memchr(s + ls, '\n', e - ls);
        size_t le = nl ? (size_t)(nl - s) : e, pos = ls, tb, te;
        while (next_token(s, &pos, le, &tb, &te)) {
            if (have_prev && is_break(s, pb, pe, tb, te)) return 1;
            have_prev = 1;
            pb = tb;
            pe = te;
        }
        ls = le + 1;
    }
    return 0;
}

/* ---------- slices ---------- */

static int push(punkt_spans *o, size_t start, size_t end)
{
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 64;
        punkt_span *nv = realloc(o->v, nc * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        o->v = nv;
        o->cap = nc;
    }
    o->v[o->n++] = (punkt_span){start, end};
    return 0;
}

typedef struct cand {
    size_t p;        /* offset of the mark */
    size_t after;    /* end of after_tok */
    size_t next_tok; /* start of next_tok, or SIZE_MAX */
    size_t word;     /* start of the word-before slice */
} cand;

/* period_context_re at p: fills c->after/next_tok; 0 if no match. */
static int match_at(const char *s, size_t len, size_t p, cand *c)
{
    size_t q = p + 1, w;
    if (q >= len) return 0;
    c->p = p;
    if (is_nonword(s[q])) {
        c->after = q + 1;
        c->next_tok = SIZE_MAX;
        return 1;
    }
    if (!space_at(s, q, len, &w)) return 0;
    while (q < len && space_at(s, q, len, &w)) q += w;
    if (q >= len) return 0;
    c->next_tok = q;
    while (q < len && !space_at(s, q, len, &w)) q += w;
    c->after = q;
    return 1;
}

/* Last string.whitespace character in s[a, b), or SIZE_MAX.  The ranges
 * scanned for successive candidates are disjoint, so this stays linear. */
static size_t last_ascii_ws(const char *s, size_t a, size_t b)
{
    while (b > a)
        if (is_ascii_ws(s[--b])) return b;
    return SIZE_MAX;
}

/* Nonzero iff some byte of w equals the byte in every byte of b. */
static uint64_t has_byte(uint64_t w, uint64_t b)
{
    uint64_t x = w ^ b;
    return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

/* First '.', '?' or '!' at or after p (len if none): skips 8 bytes at a
 * time while none is among them (byte order does not matter for that). */
static size_t next_end_mark(const char *s, size_t p, size_t len)
{
    for (; p + 8 <= len; p += 8) {
        uint64_t w;
        memcpy(&w, s + p, 8);
        if (has_byte(w, 0x2e2e2e2e2e2e2e2eull) | has_byte(w, 0x3f3f3f3f3f3f3f3full) |
            has_byte(w, 0x2121212121212121ull))
            break;
    }
    while (p < len && !is_sent_end(s[p])) p++;
    return p;
}

/* _slices_from_text: raw sentence slices into raw. */
static int raw_slices(const char *s, size_t len, punkt_spans *raw)
{
    size_t last_break = 0, prev_stop = 0, prev_start = 0;
    int have_prev = 0, rc = 0;
    cand prev = {0};
    for (size_t p = 0; (p = next_end_mark(s, p, len)) < len && !rc; p++) {
        cand c;
        if (!match_at(s, len, p, &c)) continue;
        /* word before: after the last ASCII whitespace in s[prev_stop, p);
         * nltk treats a whitespace at relative index 0 as "none" */
        size_t ws = last_ascii_ws(s, prev_stop, p);
        size_t idx = ws != SIZE_MAX && ws > prev_stop ? ws + 1 : prev_start;
        if (have_prev && prev_stop <= idx && contains_sentbreak(s, prev.word, prev.after)) {
            rc = push(raw, last_break, prev.p + 1);
            last_break = prev.next_tok != SIZE_MAX ? prev.next_tok : prev.p + 1;
        }
        c.word = idx;
        prev = c;
        have_prev = 1;
        prev_start = idx;
        prev_stop = p;
    }
    if (!rc && have_prev && contains_sentbreak(s, prev.word, prev.after)) {
        rc = push(raw, last_break, prev.p + 1);
        last_break = prev.next_tok != SIZE_MAX ? prev.next_tok : prev.p + 1;
    }
    if (!rc) rc = push(raw, last_break, pyuni_rstrip_len(s, len));
    return rc;
}

/* re_boundary_realignment.match(s[a..b)): ["')\]}]+?(?:\s+|(?=--)|$), MULTILINE.
 * Returns the match length (0: none); *keep = length of its closing marks. */
static size_t realign_match(const char *s, size_t a, size_t b, size_t *keep)
{
    for (size_t j = a; j < b && is_closing(s[j]);) {
        j++;
        *keep = j - a;
        size_t w, e = j;
        while (e < b && space_at(s, e, b, &w)) e += w;
        if (e > j) return e - a;
        if (j == b || (j + 1 < b && s[j] == '-' && s[j + 1] == '-')) return j - a;
    }
    return 0;
}

/* _realign_boundaries over raw into out. */
static int realign(const char *s, const punkt_spans *raw, punkt_spans *out)
{
    size_t shift = 0;
    int rc = 0;
    for (size_t i = 0; i < raw->n && !rc; i++) {
        size_t st = raw->v[i].start + shift, en = raw->v[i].end;
        if (i + 1 == raw->n) {
            if (st < en) rc = push(out, st, en);
            continue;
        }
        const punkt_span *n2 = &raw->v[i + 1];
        size_t keep = 0, m = n2->start < n2->end ? realign_match(s, n2->start, n2->end, &keep) : 0;
        if (m) {
            rc = push(out, st, n2->start + keep);
            shift = m;
        } else {
            shift = 0;
            if (st < en) rc = push(out, st, en);
        }
    }
    return rc;
}

int punkt_span_tokenize(const char *text, size_t len, punkt_spans *out)
{
    punkt_spans raw = {0};
    int rc = raw_slices(text, len, &raw);
    if (!rc) rc = realign(text, &raw, out);
    punkt_spans_free(&raw);
    if (rc) punkt_spans_free(out);
    return rc;
}

void punkt_spans_free(punkt_spans *s)
{
    if (!s) return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}
