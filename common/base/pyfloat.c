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

static size_t format(double x, char *out)
{
    char *o = out;
    if (signbit(x)) *o++ = '-';
    if (x == 0) {
        memcpy(o, "0.0", 4);
        return (size_t)(o - out) + 3;
    }
    digits g;
    shortest(fabs(x), &g);
    int e = g.exp10;
    if (e < -4 || e >= 16) {
        *o++ = g.d[0];
        if (g.n > 1) {
            *o++ = '.';
            memcpy(o, g.d + 1, (size_t)g.n - 1);
            o += g.n - 1;
        }
        o += sprintf(o, "e%c%02d", e < 0 ? '-' : '+', abs(e));
        return (size_t)(o - out);
    }
    if (e < 0) { /* 0.000ddd */
        memcpy(o, "0.", 2);
        o += 2;
        for (int i = 0; i < -e - 1; i++) *o++ = '0';
        memcpy(o, g.d, (size_t)g.n);
        o += g.n;
    } else { /* ddd.ddd, at least one digit after the point */
        for (int i = 0; i <= e; i++) *o++ = i < g.n ? g.d[i] : '0';
        *o++ = '.';
        if (g.n > e + 1) {
            memcpy(o, g.d + e + 1, (size_t)(g.n - e - 1));
            o += g.n - e - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = '\0';
    return (size_t)(o - out);
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
