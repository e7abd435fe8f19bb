/*
 * TEST ONLY. A backend library that implements the Tessera backend ABI (native/ZKVM_ABI.md) by echoing
 * deterministic bytes. It proves nothing; it exists so the loader can be tested end to end. It is compiled
 * by test/native-backend.test.ts into a temporary directory and never built or installed otherwise.
 *
 *   public values = 160 bytes, pv[i] = input[i % len] ^ i  (i when the input is empty)
 *   "proof"       = "TESSERA-ECHO-NOT-A-PROOF" || fnv1a64(pv) (8 bytes LE) || options_json
 *   verify        = 0 when the marker and the fnv digest match the public values, else 1
 *   input starting with "fail" makes prove/execute return 7 with an error message
 *
 * Build switches (tests): -DECHO_ABI_VERSION=n reports another ABI version; -DECHO_OMIT_VERIFY leaves out
 * tessera_verify.
 */
#include <stdlib.h>
#include <string.h>

#include "tessera_backend.h"

#ifndef ECHO_ABI_VERSION
#define ECHO_ABI_VERSION TESSERA_BACKEND_ABI_VERSION
#endif

#define EXPORT __attribute__((visibility("default")))
static const char MARKER[] = "TESSERA-ECHO-NOT-A-PROOF";
#define MARKER_LEN (sizeof(MARKER) - 1)

static uint64_t fnv1a64(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

static char *dup_str(const char *s) {
  char *d = malloc(strlen(s) + 1);
  if (d != NULL) strcpy(d, s);
  return d;
}

static uint8_t *public_values(const uint8_t *input, size_t len) {
  uint8_t *pv = malloc(160);
  if (pv == NULL) return NULL;
  for (size_t i = 0; i < 160; i++) pv[i] = (uint8_t)((len ? input[i % len] : 0) ^ i);
  return pv;
}

static int wants_failure(const uint8_t *input, size_t len) { return len >= 4 && memcmp(input, "fail", 4) == 0; }

EXPORT uint32_t tessera_backend_abi_version(void) { return ECHO_ABI_VERSION; }

EXPORT const char *tessera_backend_info(void) { return "echo test backend (not a prover)"; }

EXPORT int32_t tessera_prove(const uint8_t *input, size_t input_len, const char *options_json, uint8_t **proof,
                             size_t *proof_len, uint8_t **pv, size_t *pv_len, char **err) {
  if (wants_failure(input, input_len)) {
    *err = dup_str("echo backend: input asked to fail");
    return 7;
  }
  uint8_t *values = public_values(input, input_len);
  size_t opt_len = strlen(options_json);
  uint8_t *p = malloc(MARKER_LEN + 8 + opt_len);
  if (values == NULL || p == NULL) {
    free(values);
    free(p);
    *err = dup_str("out of memory");
    return 2;
  }
  uint64_t h = fnv1a64(values, 160);
  memcpy(p, MARKER, MARKER_LEN);
  for (int i = 0; i < 8; i++) p[MARKER_LEN + i] = (uint8_t)(h >> (8 * i));
  memcpy(p + MARKER_LEN + 8, options_json, opt_len);
  *proof = p;
  *proof_len = MARKER_LEN + 8 + opt_len;
  *pv = values;
  *pv_len = 160;
  return TESSERA_OK;
}

#ifndef ECHO_OMIT_VERIFY
EXPORT int32_t tessera_verify(const uint8_t *proof, size_t proof_len, const uint8_t *pv, size_t pv_len, char **err) {
  (void)err;
  if (proof_len < MARKER_LEN + 8 || memcmp(proof, MARKER, MARKER_LEN) != 0) return TESSERA_VERIFY_REJECTED;
  uint64_t h = fnv1a64(pv, pv_len), got = 0;
  for (int i = 0; i < 8; i++) got |= (uint64_t)proof[MARKER_LEN + i] << (8 * i);
  return got == h ? TESSERA_OK : TESSERA_VERIFY_REJECTED;
}
#endif

EXPORT int32_t tessera_execute(const uint8_t *input, size_t input_len, const char *options_json, uint8_t **pv,
                               size_t *pv_len, uint64_t *cycles, char **err) {
  (void)options_json;
  if (wants_failure(input, input_len)) {
    *err = dup_str("echo backend: input asked to fail");
    return 7;
  }
  *pv = public_values(input, input_len);
  if (*pv == NULL) return 2;
  *pv_len = 160;
  *cycles = (uint64_t)input_len * 1000u;
  return TESSERA_OK;
}

EXPORT void tessera_free(void *ptr) { free(ptr); }
