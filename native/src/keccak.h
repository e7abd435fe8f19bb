/* Keccak-256 (the pre-standard padding Ethereum uses: 0x01 ... 0x80, not SHA3's 0x06). */
#ifndef TESSERA_KECCAK_H
#define TESSERA_KECCAK_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* out must hold 32 bytes. data may be NULL when len is 0. */
void tessera_keccak256(const uint8_t *data, size_t len, uint8_t out[32]);

#ifdef __cplusplus
}
#endif
#endif
