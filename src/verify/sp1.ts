import { bigintFromBytes, sha256, toHex, word } from './bytes.js'
import { SCALAR_MODULUS } from './bn254.js'
import { ProofRejected } from './errors.js'
import { SP1_GROTH16_RELEASES, SP1_PLONK_RELEASES, type Sp1Groth16Release, type Sp1PlonkRelease } from './keys.js'
import { GROTH16_PROOF_LENGTH, groth16Holds } from './sp1Groth16.js'
import { PLONK_PROOF_LENGTH, plonkHolds } from './sp1Plonk.js'

/**
 * SP1 proofs as succinctlabs/sp1-contracts' SP1VerifierGroth16 / SP1VerifierPlonk.verifyProof(programVKey,
 * publicValues, proofBytes) check them (contracts/src/v*\/SP1Verifier{Groth16,Plonk}.sol); the 4-byte
 * selector (first bytes of the release's VERIFIER_HASH) picks the release and whether it is Groth16 or PLONK:
 *
 *   before v6:  proof = selector ‖ body                               inputs [vkey, pvDigest]
 *   v6 on:      proof = selector ‖ exitCode ‖ vkRoot ‖ nonce ‖ body     inputs [vkey, pvDigest, exitCode, vkRoot, nonce]
 *   pvDigest = sha256(publicValues) with the top 3 bits cleared (fits the scalar field)
 *   body = Groth16 A, B, C (256 bytes) or a gnark PLONK proof (864 bytes)
 */

export type Sp1System = 'sp1-groth16' | 'sp1-plonk'

export interface Sp1ProofInput {
  /** selector ‖ …, as SP1ProofWithPublicValues::bytes() and ethrex's SP1 backend produce it. */
  proof: Uint8Array
  publicValues: Uint8Array
  /** The program's verifying key hash (vk.bytes32(), 32 bytes). */
  vkey: Uint8Array
}

export interface Sp1Verified {
  system: Sp1System
  version: string
  selector: string
}

type Release = { system: 'sp1-groth16'; key: Sp1Groth16Release } | { system: 'sp1-plonk'; key: Sp1PlonkRelease }

const BY_SELECTOR = new Map<string, Release>([
  ...SP1_GROTH16_RELEASES.map((key) => [key.verifierHash.slice(0, 10), { system: 'sp1-groth16', key }] as const),
  ...SP1_PLONK_RELEASES.map((key) => [key.verifierHash.slice(0, 10), { system: 'sp1-plonk', key }] as const),
])

/** Every SP1 release Tessera verifies: system, version, selector and the full verifier hash. */
export function sp1SupportedReleases(): { system: Sp1System; version: string; selector: string; verifierHash: string }[] {
  return [...BY_SELECTOR].map(([selector, r]) => ({ system: r.system, version: r.key.version, selector, verifierHash: r.key.verifierHash }))
}

/** hashPublicValues: sha256 with the top three bits masked off. */
export function sp1PublicValuesDigest(publicValues: Uint8Array): bigint {
  return bigintFromBytes(sha256(publicValues)) & ((1n << 253n) - 1n)
}

export async function verifySp1Proof(input: Sp1ProofInput): Promise<Sp1Verified> {
  const { proof, publicValues, vkey } = input
  if (vkey.length !== 32) throw new ProofRejected('sp1', 'malformed', 'vkey', `expected 32 bytes, got ${vkey.length}`)
  if (proof.length < 4) throw new ProofRejected('sp1', 'malformed', 'proof', `expected a 4-byte selector and the proof, got ${proof.length} bytes`)
  const selector = toHex(proof.subarray(0, 4))
  const release = BY_SELECTOR.get(selector)
  if (!release) {
    throw new ProofRejected('sp1', 'unknown_selector', 'proof', `selector ${selector} is not an SP1 Groth16 or PLONK release this Tessera knows`,
      'run `tessera doctor` for the supported releases; compressed (STARK) proofs are not verified by Tessera')
  }
  const { system, key } = release
  const header = key.vkRoot === null ? 0 : 3
  const bodyLength = system === 'sp1-groth16' ? GROTH16_PROOF_LENGTH : PLONK_PROOF_LENGTH
  const expectedLength = 4 + 32 * header + bodyLength
  if (proof.length !== expectedLength) {
    throw new ProofRejected(system, 'malformed', 'proof', `SP1 ${key.version} ${system === 'sp1-groth16' ? 'Groth16' : 'PLONK'} proofs are ${expectedLength} bytes, got ${proof.length}`)
  }
  const inputs = [bigintFromBytes(vkey), sp1PublicValuesDigest(publicValues)]
  if (key.vkRoot !== null) {
    const [exitCode, vkRoot, nonce] = [0, 1, 2].map((i) => word(proof, 4, i))
    if (exitCode !== 0n) throw new ProofRejected(system, 'exit_code', 'proof', `the program exited with code ${exitCode}`)
    if (vkRoot !== BigInt(key.vkRoot)) {
      throw new ProofRejected(system, 'vk_root', 'proof', `vk root 0x${vkRoot.toString(16).padStart(64, '0')} is not SP1 ${key.version}'s ${key.vkRoot}`)
    }
    inputs.push(exitCode, vkRoot, nonce)
  }
  inputs.forEach((v, i) => {
    if (v >= SCALAR_MODULUS) throw new ProofRejected(system, 'not_in_field', i === 0 ? 'vkey' : 'proof', `public input ${i} is not below the BN254 scalar modulus`)
  })
  const body = proof.subarray(4 + 32 * header)
  const holds = system === 'sp1-groth16' ? groth16Holds(key, inputs, body) : plonkHolds(key, inputs, body)
  if (!holds) {
    throw new ProofRejected(system, 'pairing', 'proof',
      `the proof does not prove program vkey ${toHex(vkey)} with public values sha256 ${toHex(sha256(publicValues))} under SP1 ${key.version}`,
      'the proof, the public values or the program vkey differs from what was proven')
  }
  return { system, version: key.version, selector }
}
