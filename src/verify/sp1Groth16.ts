import { bigintFromBytes, sha256, toHex, word } from './bytes.js'
import { g1, g2, pairingProductIsOne, SCALAR_MODULUS } from './bn254.js'
import { ProofRejected } from './errors.js'
import { SP1_GROTH16_RELEASES, type Sp1Groth16Release } from './sp1Groth16Keys.js'

/**
 * SP1 Groth16 proofs (gnark's BN254 Groth16, Solidity layout), checked as succinctlabs/sp1-contracts'
 * SP1VerifierGroth16.verifyProof(programVKey, publicValues, proofBytes) does, with @noble/curves pairings:
 *
 *   v4, v5:  proof = selector(4) ‖ uint256[8] (A, B, C)                        inputs [vkey, pvDigest]
 *   v6+:     proof = selector(4) ‖ exitCode ‖ vkRoot ‖ nonce ‖ uint256[8]        inputs [vkey, pvDigest,
 *                                                                                       exitCode, vkRoot, nonce]
 *   pvDigest = sha256(publicValues) with the top 3 bits cleared (fits the scalar field)
 *   check    e(A, B) · e(C, −δ) · e(α, −β) · e(L, −γ) = 1,  L = K0 + Σ input_i · K_{i+1}
 *
 * gnark's Groth16 can extend the key with Pedersen commitments (BSB22); a key using them carries commitment
 * constants in its Solidity verifier and a proof carries the commitment and its proof of knowledge. None of
 * SP1's published Groth16 keys (v2 … v6.1) has any, so the check above is the complete one; a proof with
 * trailing commitment data is refused as malformed rather than half-checked.
 */

const SYSTEM = 'sp1-groth16' as const

export interface Sp1Groth16Input {
  /** selector ‖ …, as SP1ProofWithPublicValues::bytes() and ethrex's SP1 backend produce it. */
  proof: Uint8Array
  publicValues: Uint8Array
  /** The program's verifying key hash (vk.bytes32(), 32 bytes). */
  vkey: Uint8Array
}

export interface Sp1Groth16Verified {
  system: typeof SYSTEM
  version: string
  selector: string
}

const BY_SELECTOR = new Map(SP1_GROTH16_RELEASES.map((r) => [r.verifierHash.slice(0, 10), r]))

export function sp1SupportedReleases(): { selector: string; version: string }[] {
  return [...BY_SELECTOR].map(([selector, r]) => ({ selector, version: r.version }))
}

/** hashPublicValues: sha256 with the top three bits masked off. */
export function sp1PublicValuesDigest(publicValues: Uint8Array): bigint {
  return bigintFromBytes(sha256(publicValues)) & ((1n << 253n) - 1n)
}

/** Leading words of the proof before A, B, C (v6+: exit code, vk root, nonce). */
const headerWords = (r: Sp1Groth16Release) => (r.vkRoot === null ? 0 : 3)

export async function verifySp1Groth16(input: Sp1Groth16Input): Promise<Sp1Groth16Verified> {
  const { proof, publicValues, vkey } = input
  if (vkey.length !== 32) throw new ProofRejected(SYSTEM, 'malformed', 'vkey', `expected 32 bytes, got ${vkey.length}`)
  if (proof.length < 4) throw new ProofRejected(SYSTEM, 'malformed', 'proof', `expected a 4-byte selector and the proof, got ${proof.length} bytes`)
  const selector = toHex(proof.subarray(0, 4))
  const release = BY_SELECTOR.get(selector)
  if (!release) {
    const known = sp1SupportedReleases().map((r) => `${r.selector} (${r.version})`).join(', ')
    throw new ProofRejected(SYSTEM, 'unknown_selector', 'proof', `selector ${selector} is not an SP1 Groth16 release this Tessera knows (${known})`,
      'SP1 Plonk and compressed (STARK) proofs are not verified by Tessera')
  }
  const header = headerWords(release)
  const expectedLength = 4 + 32 * (header + 8)
  if (proof.length !== expectedLength) {
    throw new ProofRejected(SYSTEM, 'malformed', 'proof', `SP1 ${release.version} Groth16 proofs are ${expectedLength} bytes, got ${proof.length}`)
  }
  const inputs = [bigintFromBytes(vkey), sp1PublicValuesDigest(publicValues)]
  if (release.vkRoot !== null) {
    const [exitCode, vkRoot, nonce] = [0, 1, 2].map((i) => word(proof, 4, i))
    if (exitCode !== 0n) throw new ProofRejected(SYSTEM, 'exit_code', 'proof', `the program exited with code ${exitCode}`)
    if (vkRoot !== BigInt(release.vkRoot)) {
      throw new ProofRejected(SYSTEM, 'vk_root', 'proof', `vk root 0x${vkRoot.toString(16).padStart(64, '0')} is not SP1 ${release.version}'s ${release.vkRoot}`)
    }
    inputs.push(exitCode, vkRoot, nonce)
  }
  inputs.forEach((v, i) => {
    if (v >= SCALAR_MODULUS) throw new ProofRejected(SYSTEM, 'not_in_field', i === 0 ? 'vkey' : 'proof', `public input ${i} is not below the BN254 scalar modulus`)
  })
  const w = (i: number) => word(proof, 4, header + i)
  const A = g1(SYSTEM, 'proof', 'A', w(0), w(1))
  const B = g2(SYSTEM, 'proof', 'B', { x: { c0: w(3), c1: w(2) }, y: { c0: w(5), c1: w(4) } })
  const C = g1(SYSTEM, 'proof', 'C', w(6), w(7))
  const key = (what: string) => `verifying key ${release.version} ${what}`
  let L = g1(SYSTEM, 'vkey', key('K0'), ...release.ic[0])
  inputs.forEach((s, i) => {
    if (s !== 0n) L = L.add(g1(SYSTEM, 'vkey', key(`K${i + 1}`), ...release.ic[i + 1]).multiply(s))
  })
  const ok = pairingProductIsOne([
    { g1: A, g2: B },
    { g1: C, g2: g2(SYSTEM, 'vkey', key('-delta'), release.deltaNeg) },
    { g1: g1(SYSTEM, 'vkey', key('alpha'), ...release.alpha), g2: g2(SYSTEM, 'vkey', key('-beta'), release.betaNeg) },
    { g1: L, g2: g2(SYSTEM, 'vkey', key('-gamma'), release.gammaNeg) },
  ])
  if (!ok) {
    throw new ProofRejected(SYSTEM, 'pairing', 'proof',
      `the proof does not prove program vkey ${toHex(vkey)} with public values sha256 ${toHex(sha256(publicValues))} under SP1 ${release.version}`,
      'the proof, the public values or the program vkey differs from what was proven')
  }
  return { system: SYSTEM, version: release.version, selector }
}
