/* hash.h: the 64-bit mixing and key bits the hash tables share (the
 * joins, the CLV interval's distinct rows). */
#ifndef CU_HASH_H
#define CU_HASH_H

#include <stdint.h>
#include <string.h>

/* A 64-bit finaliser (MurmurHash3's fmix64). */
static inline uint64_t cu_mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

/* The bits of a double as a key: -0 and 0 are one key. */
static inline uint64_t cu_double_key(double d) {
  uint64_t u;
  if (d == 0) d = 0;
  memcpy(&u, &d, 8);
  return u;
}

#endif
