/*
 * Tessera zkVM backend ABI, version 1. See native/ZKVM_ABI.md.
 *
 * A backend is a shared library (SP1: libsp1_tessera.so, RISC Zero: librisc0_tessera.so) that exports the
 * six functions below with C linkage. Tessera dlopen()s it from the native addon and calls them from a
 * libuv worker thread, one call at a time per loaded handle unless the library says otherwise.
 *
 * Memory: every buffer or string a backend returns through an out-pointer is owned by the backend and is
 * released by Tessera with tessera_free(). Inputs are borrowed for the duration of the call only.
 * Return codes: 0 = success; any other value = failure, with *err set to a NUL-terminated message
 * (or left NULL). tessera_verify additionally returns 1 for "proof checked and rejected".
 */
#ifndef TESSERA_BACKEND_H
#define TESSERA_BACKEND_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

#define TESSERA_BACKEND_ABI_VERSION 1u

#define TESSERA_OK 0
#define TESSERA_VERIFY_REJECTED 1

/* Must return TESSERA_BACKEND_ABI_VERSION the library was built against. Checked before anything else. */
uint32_t tessera_backend_abi_version(void);

/* Static, NUL-terminated description, e.g. "sp1 5.0.0 (guest elf sha256 ab12..)". Not freed. */
const char *tessera_backend_info(void);

/*
 * Prove the guest program on `input` (the encoded ProgramInput bytes Tessera's guest reads).
 * options_json: NUL-terminated JSON object, e.g. {"resource":"gpu","format":"groth16","device":1}; unknown keys
 * ignored. "device" (GPU hosts) is the CUDA ordinal to prove on; Tessera never overlaps two calls with the
 * same device, calls on different devices may overlap. Fail the call if you cannot honour it.
 * On success *proof / *public_values hold the proof bytes and the 160-byte ProgramOutput encoding.
 */
int32_t tessera_prove(const uint8_t *input, size_t input_len, const char *options_json,
                      uint8_t **proof, size_t *proof_len,
                      uint8_t **public_values, size_t *public_values_len, char **err);

/* Verify a proof made by tessera_prove against its public values. 0 = valid, 1 = rejected, else error. */
int32_t tessera_verify(const uint8_t *proof, size_t proof_len,
                       const uint8_t *public_values, size_t public_values_len, char **err);

/* Run the guest in the zkVM's executor without proving. *cycles receives the cycle count (0 if unknown). */
int32_t tessera_execute(const uint8_t *input, size_t input_len, const char *options_json,
                        uint8_t **public_values, size_t *public_values_len, uint64_t *cycles, char **err);

/* Release any pointer the library handed out (proof, public values, error strings). NULL is a no-op. */
void tessera_free(void *ptr);

#ifdef __cplusplus
}
#endif
#endif
