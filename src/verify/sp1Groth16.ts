import { word } from './bytes.js'
import { g1, g2, pairingProductIsOne } from './bn254.js'
import type { Sp1Groth16Release } from './keys.js'

/**
 * gnark's BN254 Groth16 as SP1's Groth16Verifier.sol checks it (succinctlabs/sp1-contracts
 * contracts/src/v*\/Groth16Verifier.sol), with @noble/curves pairings:
 *
 *   proof  = uint256[8]: A (x, y), B (x.c1, x.c0, y.c1, y.c0), C (x, y)
 *   check  e(A, B) · e(C, −δ) · e(α, −β) · e(L, −γ) = 1,  L = K0 + Σ input_i · K_{i+1}
 *
 * gnark's Groth16 can extend the key with Pedersen commitments (BSB22); a key using them carries commitment
 * constants in its Solidity verifier and a proof carries the commitment and its proof of knowledge. None of
 * SP1's published Groth16 keys has any, so the check above is the complete one; a proof with trailing
 * commitment data is refused as malformed (src/verify/sp1.ts) rather than half-checked.
 */

const SYSTEM = 'sp1-groth16' as const
export const GROTH16_PROOF_LENGTH = 8 * 32

/** True when `proof` (GROTH16_PROOF_LENGTH bytes) proves `inputs` (each below r) under `key`. */
export function groth16Holds(key: Sp1Groth16Release, inputs: bigint[], proof: Uint8Array): boolean {
  const w = (i: number) => word(proof, 0, i)
  const A = g1(SYSTEM, 'proof', 'A', w(0), w(1))
  const B = g2(SYSTEM, 'proof', 'B', { x: { c0: w(3), c1: w(2) }, y: { c0: w(5), c1: w(4) } })
  const C = g1(SYSTEM, 'proof', 'C', w(6), w(7))
  const name = (what: string) => `verifying key ${key.version} ${what}`
  let L = g1(SYSTEM, 'vkey', name('K0'), ...key.ic[0])
  inputs.forEach((s, i) => {
    if (s !== 0n) L = L.add(g1(SYSTEM, 'vkey', name(`K${i + 1}`), ...key.ic[i + 1]).multiplyUnsafe(s))
  })
  return pairingProductIsOne([
    { g1: A, g2: B },
    { g1: C, g2: g2(SYSTEM, 'vkey', name('-delta'), key.deltaNeg) },
    { g1: g1(SYSTEM, 'vkey', name('alpha'), ...key.alpha), g2: g2(SYSTEM, 'vkey', name('-beta'), key.betaNeg) },
    { g1: L, g2: g2(SYSTEM, 'vkey', name('-gamma'), key.gammaNeg) },
  ])
}
