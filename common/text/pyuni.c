/* pyuni.c - Python 3.11 character classes (see pyuni.h).  The tables in
 * pyuni_tab.h are generated from Python itself by tests/tools/gen_pyuni.py;
 * lookups are an ASCII table (inline, see pyuni.h), else a binary search
 * over ~2000 runs. */
#include "pyuni.h"

#include "utf8.h"

#include "pyuni_tab.h"

unsigned pyuni_flags(uint32_t cp)
{
    if (cp < 128) return pyuni_ascii[cp];
    size_t lo = 0, hi = sizeof pyuni_runs / sizeof *pyuni_runs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < pyuni_runs[mid].lo) hi = mid;
        else if (cp > pyuni_runs[mid].hi) lo = mid + 1;
        else return pyuni_runs[mid].flags;
    }
    return 0;
}

const unsigned char *const pyuni_ascii_flags = pyuni_ascii;

size_t pyuni_next_mb(const char *s, size_t len, size_t i, uint32_t *cp)
{
    int n = utf8_seq_len((const unsigned char *)s + i, len - i, cp);
    if (n) return (size_t)n;
    *cp = PYUNI_INVALID;
    return 1;
}

unsigned pyuni_flags_at_mb(const char *s, size_t len, size_t i, size_t *w)
{
    uint32_t cp;
    size_t n = pyuni_next_mb(s, len, i, &cp);
    if (w) *w = n;
    return cp == PYUNI_INVALID ? 0 : pyuni_flags(cp);
}

size_t pyuni_rstrip_len(const char *s, size_t len)
{
    for (;;) {
        while (len > 0 && (unsigned char)s[len - 1] < 0x80 &&
               (pyuni_ascii[(unsigned char)s[len - 1]] & PYUNI_SPACE))
            len--;
        if (len == 0 || (unsigned char)s[len - 1] < 0x80) return len;
        /* non-ASCII tail: decode it forward from the byte after the last
         * ASCII one, so invalid bytes count as they do in forward scans */
        size_t start = len, end;
        while (start > 0 && (unsigned char)s[start - 1] >= 0x80) start--;
        end = start;
        for (size_t i = start; i < len;) {
            size_t w;
            unsigned f = pyuni_flags_at(s, len, i, &w);
            i += w;
            if (!(f & PYUNI_SPACE)) end = i;
        }
        if (end > start) return end;
        len = start; /* the whole tail was whitespace */
    }
}

void pyuni_strip(const char *s, size_t len, size_t *b, size_t *e)
{
    size_t i = 0;
    while (i < len) {
        size_t w;
        if (!(pyuni_flags_at(s, len, i, &w) & PYUNI_SPACE)) break;
        i += w;
    }
    *b = i;
    *e = i + pyuni_rstrip_len(s + i, len - i);
}
