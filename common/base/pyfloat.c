/* pyfloat.c - shortest round-trip float formatting as Python does it (see
 * pyfloat.h).
 *
 * glibc's printf rounds correctly at any precision, so for a digit count p
 * "%.{p-1}e" gives the p-digit decimal closest to x; the shortest p whose
 * closest decimal reads back as x is Python's answer.  Whether some p-digit
 * decimal reads back is monotonic in p, so p is found by bisection (most
 * doubles widened from float32 need 16 or 17 digits: those are tried first).
 * One exception to "the closest decimal is the one that reads back": at an
 * exact power of two the gap below x is half the gap above, so the closest
 * p-digit decimal can lie just outside below while the next one up reads
 * back; that candidate is tried too.  Checked against CPython on every
 * float32 power of two and a million random float32 and float64 values
 * (tests/data/pyfloat/, tests/unit/test_pyfloat.c). */
#include "pyfloat.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct digits {
    char d[32]; /* significant digits, no point, no sign */
    int n;      /* how many */
    int exp10;  /* value = 0.d[0]d[1]... * 10^(exp10 + 1) */
} digits;

#define WIDE 26 /* digits printed once; shorter roundings are derived from them */

/* The p-digit decimal closest to |x|, printed directly. */
static void closest(double x, int p, digits *g)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, fabs(x));
    char *e = strchr(tmp, 'e');
    g->n = 0;
    for (char *c = tmp; c < e; c++)
        if (*c != '.') g->d[g->n++] = *c;
    g->d[g->n] = '\0';
    g->exp10 = atoi(e + 1);
}

static void next_up(digits *g);

/* The p-digit decimal closest to |x|, rounded from its WIDE-digit form w.
 * That is exact unless the dropped digits read "5000...": then the true
 * value may sit on either side of the half, and printf decides. */
static void closest_from(double ax, const digits *w, int p, digits *g)
{
    const char *t = w->d + p;
    int up = t[0] > '5', tie = t[0] == '5';
    for (int i = 1; tie && p + i < w->n; i++)
        if (t[i] != '0') up = 1, tie = 0;
    if (tie) {
        closest(ax, p, g);
        return;
    }
    memcpy(g->d, w->d, (size_t)p);
    g->d[p] = '\0';
    g->n = p;
    g->exp10 = w->exp10;
    if (up) next_up(g);
}

/* The next p-digit decimal above g (in magnitude). */
static void next_up(digits *g)
{
    int i = g->n - 1;
    while (i >= 0 && g->d[i] == '9') g->d[i--] = '0';
    if (i >= 0) {
        g->d[i]++;
        return;
    }
    g->d[0] = '1'; /* 9.99e5 -> 1.00e6 */
    g->exp10++;
}

static int reads_back(const digits *g, double ax)
{
    char tmp[48]; /* "d.ddde<exp>", built by hand: printf would cost more than strtod */
    char *o = tmp;
    *o++ = g->d[0];
    *o++ = '.';
    memcpy(o, g->d + 1, (size_t)g->n - 1);
    o += g->n - 1;
    *o++ = 'e';
    int e = g->exp10;
    if (e < 0) *o++ = '-', e = -e;
    char rev[8];
    int k = 0;
    do rev[k++] = (char)('0' + e % 10); while ((e /= 10) && k < 7);
    while (k) *o++ = rev[--k];
    *o = '\0';
    return strtod(tmp, NULL) == ax;
}

/* A p-digit decimal that reads back as |x|, if there is one. */
static int try_digits(double ax, const digits *w, int pow2, int p, digits *g)
{
    closest_from(ax, w, p, g);
    if (reads_back(g, ax)) return 1;
    if (!pow2) return 0;
    next_up(g);
    return reads_back(g, ax);
}

static void shortest(double ax, digits *g)
{
    int e2;
    int pow2 = frexp(ax, &e2) == 0.5;
    digits t, w;
    closest(ax, WIDE, &w);
    int lo = 1, hi = 17; /* invariant: g holds an hi-digit decimal that reads back */
    if (!try_digits(ax, &w, pow2, 16, &t)) {
        closest_from(ax, &w, 17, g); /* 17 digits always read back */
        lo = 17;
    } else {
        *g = t;
        hi = 16;
        lo = 15;
        if (try_digits(ax, &w, pow2, 15, &t)) {
            *g = t;
            hi = 15;
            lo = 1;
        } else {
            lo = 16;
        }
    }
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (try_digits(ax, &w, pow2, mid, &t)) {
            *g = t;
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    while (g->n > 1 && g->d[g->n - 1] == '0') g->d[--g->n] = '\0';
}

/* Writes g (no trailing zeros) with the sign as repr does. */
static size_t emit(int neg, const digits *g, char *out)
{
    char *o = out;
    if (neg) *o++ = '-';
    int e = g->exp10;
    if (e < -4 || e >= 16) {
        *o++ = g->d[0];
        if (g->n > 1) {
            *o++ = '.';
            memcpy(o, g->d + 1, (size_t)g->n - 1);
            o += g->n - 1;
        }
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        e = abs(e);
        if (e >= 100) *o++ = (char)('0' + e / 100);
        *o++ = (char)('0' + e / 10 % 10);
        *o++ = (char)('0' + e % 10);
    } else if (e < 0) { /* 0.000ddd */
        memcpy(o, "0.", 2);
        o += 2;
        for (int i = 0; i < -e - 1; i++) *o++ = '0';
        memcpy(o, g->d, (size_t)g->n);
        o += g->n;
    } else { /* ddd.ddd, at least one digit after the point */
        for (int i = 0; i <= e; i++) *o++ = i < g->n ? g->d[i] : '0';
        *o++ = '.';
        if (g->n > e + 1) {
            memcpy(o, g->d + e + 1, (size_t)(g->n - e - 1));
            o += g->n - e - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = '\0';
    return (size_t)(o - out);
}

static size_t format(double x, char *out)
{
    if (x == 0) {
        char *o = out;
        if (signbit(x)) *o++ = '-';
        memcpy(o, "0.0", 4);
        return (size_t)(o - out) + 3;
    }
    digits g;
    shortest(fabs(x), &g);
    return emit(signbit(x) != 0, &g, out);
}

static size_t special(const char *s, char *out)
{
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}

size_t pyfloat_repr(double x, char out[PYFLOAT_MAX])
{
    if (isnan(x)) return special("nan", out);
    if (isinf(x)) return special(x < 0 ? "-inf" : "inf", out);
    return format(x, out);
}

size_t pyfloat_json(double x, char out[PYFLOAT_MAX])
{
    if (isnan(x)) return special("NaN", out);
    if (isinf(x)) return special(x < 0 ? "-Infinity" : "Infinity", out);
    return format(x, out);
}

/* The fast path for float32 (pyfloat_json_f32).  For f = m * 2^e with
 * 2^23 < m < 2^24 and -44 <= e < 0, f = N * 10^e exactly with the integer
 * N = m * 5^-e (< 2^127).  Its leading digits floor(N / 10^j) are
 * m * 5^(-e-j) >> j: no 128-bit division.  The double's round-trip interval
 * is f +- 2^(e-30) (m << 29 is its even mantissa; m is no power of two, so
 * the interval is symmetric and inclusive); in units of 5^j the n-digit
 * candidate C (units of 10^j) reads back iff
 * |C*2^j - m*5^(-e-j)| * 2^30 <= 5^(-e-j).  The closest n-digit decimal is
 * the candidate for n digits, and n digits reading back implies n+1 do: the
 * answer is the smallest n, walking down from 17 (which always reads back)
 * one digit at a time, each rounding taken from the exact digits (the
 * dropped digit and a sticky bit), never from the rounding above it.  Values
 * with fewer than 18 exact digits, or whose answer is a multiple of a power
 * of ten above the unit, take the general path. */
typedef unsigned __int128 u128;

static const uint64_t POW5[28] = {
    1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u, 390625u, 1953125u, 9765625u,
    48828125u, 244140625u, 1220703125u, 6103515625u, 30517578125u, 152587890625u,
    762939453125u, 3814697265625u, 19073486328125u, 95367431640625u, 476837158203125u,
    2384185791015625u, 11920928955078125u, 59604644775390625u, 298023223876953125u,
    1490116119384765625u, 7450580596923828125u};

static const uint64_t POW10[20] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    10000000000000000000u};

#define P5HI(i) ((u128)7450580596923828125u * POW5[(i) - 27])
static const u128 POW5W[55] = { /* 5^0 .. 5^54 */
    1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u, 390625u, 1953125u, 9765625u,
    48828125u, 244140625u, 1220703125u, 6103515625u, 30517578125u, 152587890625u,
    762939453125u, 3814697265625u, 19073486328125u, 95367431640625u, 476837158203125u,
    2384185791015625u, 11920928955078125u, 59604644775390625u, 298023223876953125u,
    1490116119384765625u, 7450580596923828125u, P5HI(28), P5HI(29), P5HI(30), P5HI(31),
    P5HI(32), P5HI(33), P5HI(34), P5HI(35), P5HI(36), P5HI(37), P5HI(38), P5HI(39), P5HI(40),
    P5HI(41), P5HI(42), P5HI(43), P5HI(44), P5HI(45), P5HI(46), P5HI(47), P5HI(48), P5HI(49),
    P5HI(50), P5HI(51), P5HI(52), P5HI(53), P5HI(54)};

static u128 pow5_128(int i) /* 0 <= i <= 54 */
{
    return POW5W[i];
}

static u128 pow10_128(int i) /* 0 <= i <= 38 */
{
    return i <= 19 ? POW10[i] : (u128)POW10[19] * POW10[i - 19];
}

static int ndigits128(u128 n) /* n > 0 */
{
    uint64_t hi = (uint64_t)(n >> 64);
    int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)n);
    int d = (bits * 1233) >> 12; /* floor(bits * log10(2)): at most one short */
    return n >= pow10_128(d) ? d + 1 : d;
}

/* Does C * 10^j (in units of 10^e) read back as m * 2^e?  0 <= j <= ne. */
static int f32_reads_back(uint64_t c, int j, uint64_t m, int ne)
{
    u128 p5 = pow5_128(ne - j), pj = (u128)m * p5, cj = (u128)c << j;
    u128 diff = cj > pj ? cj - pj : pj - cj;
    return diff <= p5 >> 30; /* diff * 2^30 <= 5^(ne-j), diff an integer */
}

static const char PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* x < 10^8 as exactly 8 digits, leading zeros included. */
static void put8(uint32_t x, char *d)
{
    uint32_t hi = x / 10000, lo = x % 10000;
    memcpy(d, PAIRS + 2 * (hi / 100), 2);
    memcpy(d + 2, PAIRS + 2 * (hi % 100), 2);
    memcpy(d + 4, PAIRS + 2 * (lo / 100), 2);
    memcpy(d + 6, PAIRS + 2 * (lo % 100), 2);
}

/* The nd digits of v (10^(nd-1) <= v < 10^nd, nd <= 18) into d. */
static void put_digits(uint64_t v, int nd, char *d)
{
    char tmp[40];
    uint64_t hi = v / 100000000u;
    put8((uint32_t)(hi % 100000000u), tmp + 4);
    put8((uint32_t)(v % 100000000u), tmp + 12);
    memcpy(tmp + 2, PAIRS + 2 * (hi / 100000000u), 2); /* v < 10^18: at most 2 more */
    memcpy(d, tmp + 20 - nd, 20); /* fixed length: no call; d holds 32 */
}

/* 0 with g filled, or -1 when f is outside the fast path's range. */
static int f32_shortest(uint32_t b, digits *g)
{
    uint32_t ex = (b >> 23) & 0xff, frac = b & 0x7fffff;
    int e = (int)ex - 150;
    if (ex == 0 || frac == 0 || e >= 0 || e < -44) return -1;
    uint64_t m = frac | 0x800000;
    int ne = -e, l = ndigits128((u128)m * pow5_128(ne));
    if (l < 18) return -1;
    int j = l - 17; /* q: the leading 17 digits, r: the bits below them */
    u128 p = (u128)m * pow5_128(ne - j), r = p & (((u128)1 << j) - 1), half = (u128)1 << (j - 1);
    uint64_t q = (uint64_t)(p >> j);
    uint64_t best = q + (r > half || (r == half && (q & 1)));
    int bj = j, sticky = r != 0;
    while (++j <= ne) { /* one digit fewer: drop digit d of q */
        uint64_t d = q % 10;
        q /= 10;
        uint64_t c = q + (d > 5 || (d == 5 && (sticky || (q & 1))));
        if (!f32_reads_back(c, j, m, ne)) break;
        best = c, bj = j, sticky |= d != 0;
    }
    if (j > ne) return -1; /* still reading back at the unit: the general path */
    int nd = 17 - (bj - l + 17); /* the digits best has, or one more after a carry */
    nd += best >= POW10[nd];
    put_digits(best, nd, g->d);
    g->exp10 = nd + bj - ne - 1;
    while (nd > 1 && g->d[nd - 1] == '0') nd--;
    g->d[nd] = '\0';
    g->n = nd;
    return 0;
}

size_t pyfloat_json_f32(float f, char out[PYFLOAT_MAX])
{
    uint32_t b;
    digits g;
    memcpy(&b, &f, sizeof b);
    if (f32_shortest(b, &g)) return pyfloat_json((double)f, out);
    return emit((int)(b >> 31), &g, out);
}
