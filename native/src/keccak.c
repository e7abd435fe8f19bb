/*
 * Keccak-f[1600] and Keccak-256 (rate 136 bytes, capacity 512 bits, Ethereum padding 0x01..0x80).
 * Round body unrolled lane by lane (generated once from the rho/pi tables and kept as plain source).
 * Tested against @noble/hashes keccak_256 in test/native.test.ts.
 */
#include "keccak.h"
#include <string.h>

#define RATE 136

static const uint64_t RC[24] = {
  0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
  0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
  0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
  0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
  0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
  0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROTL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/*
 * One permutation with the state held in 25 locals. Round body written out lane by lane:
 * theta (column parities c, d), rho+pi (b[y, 2x+3y] = rot(a[x,y] ^ d[x], R[x][y])), chi, iota.
 * Lane index is x + 5y; R is the Keccak rho offset table.
 */
static void keccakf(uint64_t st[25]) {
  uint64_t a00 = st[0], a01 = st[1], a02 = st[2], a03 = st[3], a04 = st[4], a05 = st[5], a06 = st[6], a07 = st[7], a08 = st[8], a09 = st[9], a10 = st[10], a11 = st[11], a12 = st[12], a13 = st[13], a14 = st[14], a15 = st[15], a16 = st[16], a17 = st[17], a18 = st[18], a19 = st[19], a20 = st[20], a21 = st[21], a22 = st[22], a23 = st[23], a24 = st[24];
  uint64_t b00, b01, b02, b03, b04, b05, b06, b07, b08, b09, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
  uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
  for (int round = 0; round < 24; round++) {
    /* theta */
    c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    d0 = c4 ^ ROTL(c1, 1);
    d1 = c0 ^ ROTL(c2, 1);
    d2 = c1 ^ ROTL(c3, 1);
    d3 = c2 ^ ROTL(c4, 1);
    d4 = c3 ^ ROTL(c0, 1);
    /* rho + pi: b[y, 2x+3y] = rot(a[x,y] ^ d[x], R[x][y]) */
    b00 = a00 ^ d0;
    b16 = ROTL(a05 ^ d0, 36);
    b07 = ROTL(a10 ^ d0, 3);
    b23 = ROTL(a15 ^ d0, 41);
    b14 = ROTL(a20 ^ d0, 18);
    b10 = ROTL(a01 ^ d1, 1);
    b01 = ROTL(a06 ^ d1, 44);
    b17 = ROTL(a11 ^ d1, 10);
    b08 = ROTL(a16 ^ d1, 45);
    b24 = ROTL(a21 ^ d1, 2);
    b20 = ROTL(a02 ^ d2, 62);
    b11 = ROTL(a07 ^ d2, 6);
    b02 = ROTL(a12 ^ d2, 43);
    b18 = ROTL(a17 ^ d2, 15);
    b09 = ROTL(a22 ^ d2, 61);
    b05 = ROTL(a03 ^ d3, 28);
    b21 = ROTL(a08 ^ d3, 55);
    b12 = ROTL(a13 ^ d3, 25);
    b03 = ROTL(a18 ^ d3, 21);
    b19 = ROTL(a23 ^ d3, 56);
    b15 = ROTL(a04 ^ d4, 27);
    b06 = ROTL(a09 ^ d4, 20);
    b22 = ROTL(a14 ^ d4, 39);
    b13 = ROTL(a19 ^ d4, 8);
    b04 = ROTL(a24 ^ d4, 14);
    /* chi */
    a00 = b00 ^ (~b01 & b02);
    a01 = b01 ^ (~b02 & b03);
    a02 = b02 ^ (~b03 & b04);
    a03 = b03 ^ (~b04 & b00);
    a04 = b04 ^ (~b00 & b01);
    a05 = b05 ^ (~b06 & b07);
    a06 = b06 ^ (~b07 & b08);
    a07 = b07 ^ (~b08 & b09);
    a08 = b08 ^ (~b09 & b05);
    a09 = b09 ^ (~b05 & b06);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);

    /* iota */
    a00 ^= RC[round];
  }
  st[0] = a00;
  st[1] = a01;
  st[2] = a02;
  st[3] = a03;
  st[4] = a04;
  st[5] = a05;
  st[6] = a06;
  st[7] = a07;
  st[8] = a08;
  st[9] = a09;
  st[10] = a10;
  st[11] = a11;
  st[12] = a12;
  st[13] = a13;
  st[14] = a14;
  st[15] = a15;
  st[16] = a16;
  st[17] = a17;
  st[18] = a18;
  st[19] = a19;
  st[20] = a20;
  st[21] = a21;
  st[22] = a22;
  st[23] = a23;
  st[24] = a24;
}

static inline uint64_t load64le(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline void store64le(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, 8);
}

void tessera_keccak256(const uint8_t *data, size_t len, uint8_t out[32]) {
  uint64_t st[25] = {0};
  while (len >= RATE) {
    for (int i = 0; i < RATE / 8; i++) st[i] ^= load64le(data + 8 * i);
    keccakf(st);
    data += RATE;
    len -= RATE;
  }
  uint8_t last[RATE] = {0};
  if (len > 0) memcpy(last, data, len);
  last[len] ^= 0x01;
  last[RATE - 1] ^= 0x80;
  for (int i = 0; i < RATE / 8; i++) st[i] ^= load64le(last + 8 * i);
  keccakf(st);
  for (int i = 0; i < 4; i++) store64le(out + 8 * i, st[i]);
}
