/* tok_pre.c - cl100k_base pre-tokeniser: a hand-written scanner equal to
 * tiktoken's pattern under Rust regex / fancy-regex semantics
 * (leftmost-first alternation, greedy quantifiers with backtracking):
 *
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}{1,3}
 *   | ?[^\s\p{L}\p{N}]+[\r\n]* | \s*[\r\n]+ | \s+(?!\S) | \s+
 *
 * \s is Unicode White_Space (incl. U+0085, U+00A0, U+3000...), \p{L} the
 * categories Lu Ll Lt Lm Lo and \p{N} Nd Nl No, all of Unicode 16.0 as in
 * the regex crate tiktoken is built with (tables in tok_unicode.c).  Under
 * (?i), 's' also matches U+017F LATIN SMALL LETTER LONG S (simple case
 * folding); no other letter of the contractions has a non-ASCII fold.
 *
 * Input is a valid UTF-8 slice (tok.c cuts the text at invalid bytes and
 * special tokens before calling here); the scanner never reads at or past
 * `end`.  Pure, no allocation, no state.
 *
 * tok_pre_count is the counting-mode loop: the commonest pieces (a letter
 * run, a space and a letter run) are found inline, 8 bytes at a time, the
 * rest by tok_pre_next; each piece is counted through the caller's memo
 * (tok_int.h), whose keys may read up to 16 bytes from a piece's start but
 * never past `lim`, the end of the caller's whole text. */
#include "tok_int.h"
#include "tok_table.h"

enum { K_OTHER = TOK_K_OTHER, K_LETTER = TOK_K_LETTER, K_NUMBER = TOK_K_NUMBER, K_SPACE = TOK_K_SPACE, K_NL = TOK_K_NL };

static const unsigned char ascii_kind[128] = {
    ['\t'] = K_SPACE, ['\n'] = K_NL, [0x0b] = K_SPACE, [0x0c] = K_SPACE, ['\r'] = K_NL, [' '] = K_SPACE,
    ['0' ... '9'] = K_NUMBER, ['A' ... 'Z'] = K_LETTER, ['a' ... 'z'] = K_LETTER,
};

/* Kind of the (valid) character at s[i]; *len = its byte length. */
static inline int kind_at(const unsigned char *s, size_t i, int *len)
{
    unsigned c = s[i];
    if (c < 0x80) {
        *len = 1;
        return ascii_kind[c];
    }
    uint32_t cp;
    if (c < 0xe0) *len = 2, cp = (c & 0x1fu) << 6 | (s[i + 1] & 0x3fu);
    else if (c < 0xf0) *len = 3, cp = (c & 0x0fu) << 12 | (s[i + 1] & 0x3fu) << 6 | (s[i + 2] & 0x3fu);
    else
        *len = 4, cp = (c & 0x07u) << 18 | (s[i + 1] & 0x3fu) << 12 | (s[i + 2] & 0x3fu) << 6 | (s[i + 3] & 0x3fu);
    return tok_uni_class(cp);
}

/* First position >= i whose character is not of kind k. */
static size_t skip(const unsigned char *s, size_t i, size_t end, int k)
{
    int len;
    while (i < end && kind_at(s, i, &len) == k) i += (size_t)len;
    return i;
}

/* First position >= i whose character is not a letter: 8 ASCII bytes at a
 * time, then one character at a time past non-ASCII letters. */
static size_t skip_letters_all(const unsigned char *s, size_t i, size_t end)
{
    int len;
    for (;;) {
        for (uint64_t m; i + 8 <= end; i += 8)
            if ((m = tok_letter_bytes(tok_le64(s + i))) != TOK_HIGH) {
                i += (size_t)__builtin_ctzll(~m & TOK_HIGH) >> 3;
                goto stop;
            }
        while (i < end && s[i] < 0x80 && ascii_kind[s[i]] == K_LETTER) i++;
    stop:
        if (i >= end || s[i] < 0x80 || kind_at(s, i, &len) != K_LETTER) return i;
        i += (size_t)len;
    }
}

/* skip_letters_all with the common case inline: the run ends at an ASCII
 * byte within the next 8. */
static inline size_t skip_letters(const unsigned char *s, size_t i, size_t end)
{
    if (i + 8 <= end) {
        uint64_t m = tok_letter_bytes(tok_le64(s + i));
        if (m != TOK_HIGH) {
            i += (size_t)__builtin_ctzll(~m & TOK_HIGH) >> 3;
            if (s[i] < 0x80) return i;
        }
    }
    return skip_letters_all(s, i, end);
}

/* Length of a contraction tail at s[j] (after the apostrophe), or 0. */
static size_t contraction(const unsigned char *s, size_t j, size_t end)
{
    if (j >= end) return 0;
    unsigned c = s[j] | 0x20u; /* ASCII case fold; only letters can match below */
    if (c == 's' || c == 't' || c == 'm' || c == 'd') return 1;
    if (j + 1 >= end) return 0;
    if (s[j] == 0xc5 && s[j + 1] == 0xbf) return 2; /* U+017F folds to 's' */
    unsigned d = s[j + 1] | 0x20u;
    if (((c == 'r' || c == 'v') && d == 'e') || (c == 'l' && d == 'l')) return 2;
    return 0;
}

/* \s*[\r\n]+ | \s+(?!\S) | \s+ at a whitespace character s[i]. */
static size_t space_end(const unsigned char *s, size_t i, size_t end)
{
    size_t j = i, last = i, nl = SIZE_MAX;
    int len;
    for (int k; j < end && ((k = kind_at(s, j, &len)) == K_SPACE || k == K_NL); j += (size_t)len) {
        if (k == K_NL) nl = j;
        last = j;
    }
    if (nl != SIZE_MAX) return nl + 1; /* backtrack to the last \r or \n */
    if (j == end || last == i) return j;
    return last; /* leave the last space to prefix the next piece */
}

size_t tok_pre_next(const unsigned char *s, size_t i, size_t end)
{
    int l0, l1 = 0;
    int k0 = kind_at(s, i, &l0);
    size_t j = i + (size_t)l0, n;
    if (s[i] == '\'' && (n = contraction(s, j, end))) return j + n;
    if (k0 == K_LETTER) return skip_letters(s, j, end);
    if (k0 == K_NUMBER) {
        for (int c = 1; c < 3 && j < end && kind_at(s, j, &l1) == K_NUMBER; c++) j += (size_t)l1;
        return j;
    }
    int k1 = j < end ? kind_at(s, j, &l1) : -1;
    if (k0 != K_NL && k1 == K_LETTER) return skip_letters(s, j + (size_t)l1, end);
    if (k0 == K_OTHER || (s[i] == ' ' && k1 == K_OTHER)) {
        if (k0 != K_OTHER) j += (size_t)l1;
        j = skip(s, j, end, K_OTHER);
        while (j < end && (s[j] == '\r' || s[j] == '\n')) j++;
        return j;
    }
    return space_end(s, i, end);
}

/* ---- counting mode: the common ASCII pieces inline, memo keys by masked loads ---- */

static int ascii_letter(unsigned c) { return c < 0x80 && ascii_kind[c] == K_LETTER; }

/* Key masks by piece length: a = first 8 bytes & lo, b = next 8 & hi. */
#define LO(n) ((n) >= 8 ? ~0ull : (1ull << (8 * (n))) - 1)
#define HI(n) ((n) <= 8 ? 0ull : (1ull << (8 * ((n) - 8))) - 1)
static const uint64_t mask_lo[TOK_MEMO_MAXLEN + 1] = {
    LO(0), LO(1), LO(2), LO(3), LO(4), LO(5), LO(6), LO(7), LO(8), LO(9), LO(10), LO(11), LO(12), LO(13), LO(14)};
static const uint64_t mask_hi[TOK_MEMO_MAXLEN + 1] = {
    HI(0), HI(1), HI(2), HI(3), HI(4), HI(5), HI(6), HI(7), HI(8), HI(9), HI(10), HI(11), HI(12), HI(13), HI(14)};
#undef LO
#undef HI

/* Counts the piece p[0..n): one byte is one token; a short piece with 16
 * readable bytes goes through the memo with a branch-free masked key. */
static inline void count_piece(const unsigned char *p, size_t n, const unsigned char *lim, tok_sink *o)
{
    if (n == 1) {
        o->n++;
    } else if (n <= TOK_MEMO_MAXLEN && lim - p >= 16) {
        uint64_t a = tok_le64(p) & mask_lo[n], b = tok_le64(p + 8) & mask_hi[n];
        tok_memo_count(p, n, a, b | (uint64_t)n << 56 | TOK_MEMO_MASKED, o);
    } else {
        tok_bpe(p, n, o);
    }
}

void tok_pre_count(const unsigned char *s, size_t len, const unsigned char *lim, tok_sink *o)
{
    for (size_t i = 0, e; i < len && o->n <= o->limit; i = e) {
        unsigned c = s[i];
        if (ascii_letter(c)) e = skip_letters(s, i + 1, len); /* \p{L}+ */
        else if (c == ' ' && i + 1 < len && ascii_letter(s[i + 1])) e = skip_letters(s, i + 2, len); /* " word" */
        else e = tok_pre_next(s, i, len);
        count_piece(s + i, e - i, lim, o);
    }
}
