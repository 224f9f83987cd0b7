/* xsum.h: exact sums of doubles, in any order.
 *
 * A sum is a 192-bit two's complement fixed-point number with 96 bits
 * after the point: every double from 2^-43 (its last bit at 2^-96) up to
 * 2^95 in magnitude is added exactly, so the sum is the same bits in
 * whatever order, in whatever chunks, on whichever thread or rank its
 * values were added, and two partial sums add exactly (a merge).  The
 * rounded result is the exactly rounded sum (to nearest, ties to even).
 * Bits of a value below 2^-96 are dropped (the same bits for the same
 * value, so order still does not matter); a value of 2^95 or more, or not
 * finite, marks the sum as not a number.  Amounts of money sit far inside
 * that range.  (The idea is Kulisch's long accumulator, cut to the range
 * a customer's purchases need.) */
#ifndef CU_XSUM_H
#define CU_XSUM_H

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct cu_xsum {
  uint64_t w[3]; /* little-endian limbs; value = (signed 192-bit) / 2^96 */
  uint64_t bad;  /* nonzero: a value out of range or not finite was added */
} cu_xsum;

#define CU_XSUM_FRAC 96

static inline void cu_xsum_zero(cu_xsum *s) { memset(s, 0, sizeof *s); }

/* w = -w, in two's complement */
static inline void cu_xsum_negate(uint64_t w[3]) {
  unsigned carry = 1;
  for (int k = 0; k < 3; k++) {
    uint64_t x = ~w[k] + carry;
    carry = carry && x == 0;
    w[k] = x;
  }
}

/* s += (hi:lo) << (64 * word), or -= when neg; hi is 0 when word is 2 */
static inline void cu_xsum_limbs(cu_xsum *s, unsigned word, uint64_t lo, uint64_t hi, int neg) {
  uint64_t a[3] = {0, 0, 0};
  a[word] = lo;
  if (word < 2) a[word + 1] = hi;
  if (!neg) {
    unsigned long long c0, c1;
    unsigned c = __builtin_uaddll_overflow(s->w[0], a[0], &c0);
    unsigned d = __builtin_uaddll_overflow(s->w[1], a[1], &c1);
    d |= __builtin_uaddll_overflow(c1, c, &c1);
    s->w[0] = c0;
    s->w[1] = c1;
    s->w[2] += a[2] + d;
  } else {
    unsigned long long c0, c1;
    unsigned b = __builtin_usubll_overflow(s->w[0], a[0], &c0);
    unsigned d = __builtin_usubll_overflow(s->w[1], a[1], &c1);
    d |= __builtin_usubll_overflow(c1, b, &c1);
    s->w[0] = c0;
    s->w[1] = c1;
    s->w[2] -= a[2] + d;
  }
}

static inline void cu_xsum_add(cu_xsum *s, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  int neg = (int)(u >> 63);
  int e = (int)((u >> 52) & 0x7ff);
  uint64_t m = u & ((UINT64_C(1) << 52) - 1);
  if (e == 0x7ff) { /* inf or nan */
    s->bad = 1;
    return;
  }
  if (e == 0) {
    if (m == 0) return; /* zero */
    e = 1;              /* subnormal */
  } else {
    m |= UINT64_C(1) << 52;
  }
  int shift = e - 1075 + CU_XSUM_FRAC; /* where the mantissa's last bit lands */
  if (shift < 0) {
    if (shift <= -53) return; /* entirely below 2^-96 */
    m >>= -shift;
    shift = 0;
  }
  if (shift + 53 > 191) { /* 2^95 or more: out of range */
    s->bad = 1;
    return;
  }
  unsigned word = (unsigned)shift / 64, bit = (unsigned)shift % 64;
  cu_xsum_limbs(s, word, m << bit, bit ? m >> (64 - bit) : 0, neg);
}

/* s += t (partial sums merge exactly) */
static inline void cu_xsum_merge(cu_xsum *s, const cu_xsum *t) {
  unsigned __int128 c = 0;
  for (int k = 0; k < 3; k++) {
    c += (unsigned __int128)s->w[k] + t->w[k];
    s->w[k] = (uint64_t)c;
    c >>= 64;
  }
  s->bad |= t->bad;
}

/* s - t, exactly */
static inline cu_xsum cu_xsum_minus(const cu_xsum *s, const cu_xsum *t) {
  cu_xsum r = *s, n = *t;
  cu_xsum_negate(n.w);
  cu_xsum_merge(&r, &n);
  return r;
}

/* The sum rounded to the nearest double (ties to even); NaN when bad. */
static inline double cu_xsum_value(const cu_xsum *s) {
  if (s->bad) return NAN;
  uint64_t w[3] = {s->w[0], s->w[1], s->w[2]};
  int neg = (int)(w[2] >> 63);
  if (neg) cu_xsum_negate(w);
  int top = -1; /* the highest set bit */
  for (int k = 2; k >= 0 && top < 0; k--)
    if (w[k]) top = 64 * k + 63 - __builtin_clzll(w[k]);
  if (top < 0) return 0.0;
  double r;
  if (top <= 52) {
    r = ldexp((double)w[0], -CU_XSUM_FRAC); /* exact */
  } else {
    int sh = top - 52; /* bits below the 53 kept */
    uint64_t mant = 0;
    for (int b = 0; b < 53; b++) { /* the 53 bits from top down */
      int pos = sh + b;
      mant |= ((w[pos / 64] >> (pos % 64)) & 1) << b;
    }
    int rb = (int)((w[(sh - 1) / 64] >> ((sh - 1) % 64)) & 1);
    int sticky = 0;
    for (int pos = 0; pos < sh - 1 && !sticky; pos++)
      sticky = (int)((w[pos / 64] >> (pos % 64)) & 1);
    if (rb && (sticky || (mant & 1))) {
      mant++;
      if (mant >> 53) {
        mant >>= 1;
        sh++;
      }
    }
    r = ldexp((double)mant, sh - CU_XSUM_FRAC);
  }
  return neg ? -r : r;
}

#endif
