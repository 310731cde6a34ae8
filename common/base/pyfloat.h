/* pyfloat.h - Python's repr() of a float (and json.dumps of one), in C.
 *
 * Python prints the shortest decimal string that reads back as the same
 * double (David Gay's mode 0, closest to the value among the shortest),
 * in fixed notation when the decimal exponent is in [-4, 16) — always with a
 * fractional part ("1.0", "0.0001") — else as d[.ddd]e[+-]XX ("1e-05",
 * "1.5e+16").  json.dumps writes the same, with NaN / Infinity / -Infinity
 * for the non-finite values.  These strings read back with `==` equality,
 * which 9 or 17 fixed digits do not give (9 loses bits, 17 is not what
 * Python writes).  Pure; never fails: out must hold PYFLOAT_MAX bytes. */
#ifndef INGEST_PYFLOAT_H
#define INGEST_PYFLOAT_H

#include <stddef.h>

#define PYFLOAT_MAX 32

/* repr(x): "nan", "inf", "-inf" for non-finite values.  Returns the length. */
size_t pyfloat_repr(double x, char out[PYFLOAT_MAX]);
/* json.dumps(x): "NaN", "Infinity", "-Infinity" for non-finite values. */
size_t pyfloat_json(double x, char out[PYFLOAT_MAX]);

/* json.dumps(float(numpy.float32(f))): the same as pyfloat_json((double)f),
 * in ~1/14 of its instructions for the float32 values embeddings hold (no
 * printf, no strtod, no division but by constants: 128-bit integers), falling
 * back to pyfloat_json elsewhere. */
size_t pyfloat_json_f32(float f, char out[PYFLOAT_MAX]);

#endif
