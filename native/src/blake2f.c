/*
 * BLAKE2b compression F (RFC 7693 section 3.2) with the round count as a parameter, as EIP-152 defines the
 * BLAKE2F precompile: rounds may be anything up to 2^32 - 1, the message schedule SIGMA cycling every 10.
 * Ten rounds are unrolled with constant schedule indices, so the hot loop has no table loads.
 */
#include "blake2f.h"

#include <string.h>

static const uint64_t IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t SIGMA[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static inline uint64_t rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static inline uint64_t load64le(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
         (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void store64le(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

#define G(a, b, c, d, x, y)     \
  do {                          \
    a = a + b + (x);            \
    d = rotr64(d ^ a, 32);      \
    c = c + d;                  \
    b = rotr64(b ^ c, 24);      \
    a = a + b + (y);            \
    d = rotr64(d ^ a, 16);      \
    c = c + d;                  \
    b = rotr64(b ^ c, 63);      \
  } while (0)

#define ROUND(r)                                                        \
  do {                                                                  \
    G(v0, v4, v8, v12, m[SIGMA[r][0]], m[SIGMA[r][1]]);                 \
    G(v1, v5, v9, v13, m[SIGMA[r][2]], m[SIGMA[r][3]]);                 \
    G(v2, v6, v10, v14, m[SIGMA[r][4]], m[SIGMA[r][5]]);                \
    G(v3, v7, v11, v15, m[SIGMA[r][6]], m[SIGMA[r][7]]);                \
    G(v0, v5, v10, v15, m[SIGMA[r][8]], m[SIGMA[r][9]]);                \
    G(v1, v6, v11, v12, m[SIGMA[r][10]], m[SIGMA[r][11]]);              \
    G(v2, v7, v8, v13, m[SIGMA[r][12]], m[SIGMA[r][13]]);               \
    G(v3, v4, v9, v14, m[SIGMA[r][14]], m[SIGMA[r][15]]);               \
  } while (0)

void tessera_blake2f(const uint8_t input[213], uint8_t out[64]) {
  uint32_t rounds = (uint32_t)input[0] << 24 | (uint32_t)input[1] << 16 | (uint32_t)input[2] << 8 | input[3];
  uint64_t h[8], m[16];
  for (int i = 0; i < 8; i++) h[i] = load64le(input + 4 + 8 * i);
  for (int i = 0; i < 16; i++) m[i] = load64le(input + 68 + 8 * i);
  const uint64_t t0 = load64le(input + 196), t1 = load64le(input + 204);
  uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
  uint64_t v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
  uint64_t v12 = IV[4] ^ t0, v13 = IV[5] ^ t1, v14 = input[212] ? ~IV[6] : IV[6], v15 = IV[7];
  for (; rounds >= 10; rounds -= 10) {
    ROUND(0); ROUND(1); ROUND(2); ROUND(3); ROUND(4); ROUND(5); ROUND(6); ROUND(7); ROUND(8); ROUND(9);
  }
  /* The remaining 0..9 rounds continue the schedule at SIGMA[0] (the full blocks ended at a multiple of 10). */
  for (uint32_t r = 0; r < rounds; r++) {
    const uint8_t *s = SIGMA[r];
    G(v0, v4, v8, v12, m[s[0]], m[s[1]]);
    G(v1, v5, v9, v13, m[s[2]], m[s[3]]);
    G(v2, v6, v10, v14, m[s[4]], m[s[5]]);
    G(v3, v7, v11, v15, m[s[6]], m[s[7]]);
    G(v0, v5, v10, v15, m[s[8]], m[s[9]]);
    G(v1, v6, v11, v12, m[s[10]], m[s[11]]);
    G(v2, v7, v8, v13, m[s[12]], m[s[13]]);
    G(v3, v4, v9, v14, m[s[14]], m[s[15]]);
  }
  const uint64_t v[16] = {v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15};
  for (int i = 0; i < 8; i++) store64le(out + 8 * i, h[i] ^ v[i] ^ v[i + 8]);
}
