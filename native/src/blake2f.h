/* The BLAKE2b compression function F with a caller-chosen round count: the EIP-152 (BLAKE2F, 0x09) precompile. */
#ifndef TESSERA_BLAKE2F_H
#define TESSERA_BLAKE2F_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/*
 * input: the 213-byte precompile input, already checked (length 213, last byte 0 or 1):
 *   rounds (u32 big-endian) || h (8 x u64 LE) || m (16 x u64 LE) || t (2 x u64 LE) || f (1 byte).
 * out: 64 bytes, the new h (8 x u64 LE).
 */
void tessera_blake2f(const uint8_t input[213], uint8_t out[64]);

#ifdef __cplusplus
}
#endif
#endif
