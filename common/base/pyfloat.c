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
 * N = m * 5^-e (< 2^127) of l digits.  In units of 10^j (j = l - 17) f is
 * p / 2^j with p = m * 5^(-e-j): its leading 17 digits q = p >> j and the
 * bits below them, no 128-bit division.  The double's round-trip interval is
 * f +- 2^(e-30) (m << 29 is its even mantissa; m is no power of two, so the
 * interval is symmetric and inclusive): in the same units, with 30 more
 * fraction bits, (p * 2^30 +- 5^(-e-j)) / 2^(j+30), whose integer bounds
 * vm..vp hold every candidate.  The shortest decimal drops the most digits
 * k for which a multiple of 10^k lies in vm..vp; as the interval is
 * symmetric, the multiple closest to f is one, and that is the answer: q
 * rounded half to even at k digits, the sticky bit from below q.  Values
 * with fewer than 18 exact digits take the general path. */
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

/* l = digits of m * 5^ne: F32_L[ne], one more when m >= F32_MT[ne]. */
static const uint8_t F32_L[45] = {7,  8,  9,  10, 10, 11, 12, 12, 13, 14, 14, 15, 16, 17, 17,
                                  18, 19, 19, 20, 21, 21, 22, 23, 24, 24, 25, 26, 26, 27, 28,
                                  28, 29, 30, 30, 31, 32, 33, 33, 34, 35, 35, 36, 37, 37, 38};
static const uint32_t F32_MT[45] = {
    10000000, 20000000, 40000000, 80000000, 16000000, 32000000, 64000000, 12800000, 25600000,
    51200000, 10240000, 20480000, 40960000, 81920000, 16384000, 32768000, 65536000, 13107200,
    26214400, 52428800, 10485760, 20971520, 41943040, 83886080, 16777216, 33554432, 67108864,
    13421773, 26843546, 53687092, 10737419, 21474837, 42949673, 8589935,  17179870, 34359739,
    68719477, 13743896, 27487791, 54975582, 10995117, 21990233, 43980466, 8796094,  17592187};

/* x < 10^8 as exactly 8 ASCII digits, leading zeros included, eight bytes
 * in memory order: the two 4-digit halves, then their 2-digit quarters,
 * then the digits, each split done in every lane of one 64-bit word at
 * once (x * 10486 >> 20 is x / 100 below 43,699; x * 103 >> 10 is x / 10
 * below 179; no lane's product reaches the next lane's bits kept). */
static void put8(uint32_t x, char *d)
{
    uint64_t v = (uint64_t)(x / 10000) | (uint64_t)(x % 10000) << 32;
    uint64_t h = (v * 10486 >> 20) & 0x0000007f0000007full;
    v = h | (v - h * 100) << 16;
    uint64_t t = (v * 103 >> 10) & 0x000f000f000f000full;
    v = (t | (v - t * 10) << 8) + 0x3030303030303030ull;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v); /* the first digit belongs in the lowest address */
#endif
    memcpy(d, &v, 8);
}

/* The nd digits of v (10^(nd-1) <= v < 10^nd, nd <= 18) into d. */
static void put_digits(uint64_t v, int nd, char *d)
{
    char tmp[40];
    uint64_t hi = v / 100000000u;
    put8((uint32_t)(hi % 100000000u), tmp + 4);
    put8((uint32_t)(v % 100000000u), tmp + 12);
    uint32_t top = (uint32_t)(hi / 100000000u); /* v < 10^18: at most 2 more digits */
    tmp[2] = (char)('0' + top / 10), tmp[3] = (char)('0' + top % 10);
    memcpy(d, tmp + 20 - nd, 20); /* fixed length: no call; d holds 32 */
}

typedef struct f32_dec {
    uint64_t d; /* the digits, no trailing zeros but after a carry */
    int nd;     /* how many */
    int exp10;  /* of the first digit */
} f32_dec;

/* 0 with the shortest decimal in *o, or -1 when f is outside the fast path. */
static int f32_shortest(uint32_t b, f32_dec *o)
{
    uint32_t ex = (b >> 23) & 0xff, frac = b & 0x7fffff;
    int e = (int)ex - 150;
    if (ex == 0 || frac == 0 || e >= 0 || e < -44) return -1;
    uint64_t m = frac | 0x800000;
    int ne = -e, l = F32_L[ne] + (m >= F32_MT[ne]), j = l - 17;
    if (l < 18) return -1;
    u128 w = POW5W[ne - j], p = (u128)m * w, c = p << 30, one = (u128)1 << (j + 30);
    u128 r = p & (((u128)1 << j) - 1), half = (u128)1 << (j - 1);
    uint64_t q = (uint64_t)(p >> j), vp = (uint64_t)((c + w) >> (j + 30));
    uint64_t vm = (uint64_t)((c - w + one - 1) >> (j + 30));
    int k = 0, sticky = r != 0, up = r > half || (r == half && (q & 1));
    for (uint64_t t = vp / 10; k < 16 && t * POW10[k + 1] >= vm; t /= 10) { /* drop a digit */
        uint64_t d = q % 10;
        q /= 10;
        up = d > 5 || (d == 5 && (sticky || (q & 1)));
        sticky |= d != 0;
        k++;
    }
    q += (uint64_t)up;
    o->nd = 17 - k;
    o->exp10 = l - 1 - ne;
    if (q >= POW10[o->nd]) o->nd++, o->exp10++; /* 9.99..5 rounded up */
    while (q % 10 == 0) q /= 10, o->nd--;
    o->d = q;
    return 0;
}

/* |x| in [1e-4, 1): "0.", the zeros, the digits (the common embedding value). */
static size_t f32_fixed(int neg, const f32_dec *v, char *out)
{
    char *o = out;
    if (neg) *o++ = '-';
    memcpy(o, "0.0000", 6);
    o += 1 - v->exp10;
    put_digits(v->d, v->nd, o);
    o += v->nd;
    *o = '\0';
    return (size_t)(o - out);
}

size_t pyfloat_json_f32(float f, char out[PYFLOAT_MAX])
{
    uint32_t b;
    f32_dec v;
    memcpy(&b, &f, sizeof b);
    if (f32_shortest(b, &v)) return pyfloat_json((double)f, out);
    if (v.exp10 >= -4 && v.exp10 < 0) return f32_fixed((int)(b >> 31), &v, out);
    digits g = {.n = v.nd, .exp10 = v.exp10};
    put_digits(v.d, v.nd, g.d);
    g.d[g.n] = '\0';
    return emit((int)(b >> 31), &g, out);
}
