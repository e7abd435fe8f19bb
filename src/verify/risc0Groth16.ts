import * as snarkjs from 'snarkjs'
import { bigintFromBytes, sha256, toHex, word } from './bytes.js'
import { g1, g2, SCALAR_MODULUS } from './bn254.js'
import { ProofRejected } from './errors.js'
import { RISC0_GROTH16_VK, RISC0_RELEASES, type Risc0Release } from './keys.js'

/**
 * RISC Zero Groth16 receipts, checked as risc0-ethereum's RiscZeroGroth16Verifier.verify(seal, imageId,
 * sha256(journal)) does (risc0/risc0-ethereum contracts/src/groth16/RiscZeroGroth16Verifier.sol,
 * contracts/src/IRiscZeroVerifier.sol), with snarkjs doing the BN254 Groth16 pairing check:
 *
 *   seal   = selector(4) ‖ abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)        (260 bytes)
 *   claim  = ReceiptClaim.ok(imageId, sha256(journal)).digest()                           (tagged sha256)
 *   public = [controlRoot lo, controlRoot hi, claim lo, claim hi, bn254ControlId]         (5 signals)
 *
 * The selector picks the release (control root); Tessera recomputes each release's selector from its
 * control root, BN254 control id and verifying key, so a mistyped constant cannot go unnoticed.
 */

const SYSTEM = 'risc0-groth16' as const
const SEAL_LENGTH = 4 + 8 * 32

export interface Risc0Groth16Input {
  /** selector ‖ a ‖ b ‖ c, as risc0-ethereum's encode_seal and ethrex's RISC0 backend produce it. */
  seal: Uint8Array
  /** The guest's committed output (for ethrex and Tessera: the batch's public values). */
  journal?: Uint8Array
  /** sha256(journal), when only the digest is known (what IRiscZeroVerifier.verify takes on chain). */
  journalDigest?: Uint8Array
  /** The guest program's image id (32 bytes). */
  imageId: Uint8Array
}

export interface Risc0Groth16Verified {
  system: typeof SYSTEM
  /** risc0-zkvm release line of the verifier parameters the seal selected. */
  version: string
  selector: string
  claimDigest: string
}

// ---- digests (risc0 "tagged struct" hashing: sha256(sha256(tag) ‖ down… ‖ data… ‖ u16le(down.length)))

const u16le = (n: number) => new Uint8Array([n & 0xff, n >> 8])
const u32be = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff])
const u256be = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'))
const ZERO32 = new Uint8Array(32)

function taggedStruct(tag: string, down: Uint8Array[], data: Uint8Array[] = []): Uint8Array {
  return sha256(sha256(tag), ...down, ...data, u16le(down.length))
}

function taggedList(tag: string, items: Uint8Array[]): Uint8Array {
  let tail: Uint8Array = ZERO32
  for (let i = items.length - 1; i >= 0; i--) tail = taggedStruct(tag, [items[i], tail])
  return tail
}

/** ReceiptClaimLib.ok(imageId, journalDigest).digest(): a halted (exit 0) run with no assumptions. */
export function risc0ClaimDigest(imageId: Uint8Array, journalDigest: Uint8Array): Uint8Array {
  const systemStateZero = taggedStruct('risc0.SystemState', [ZERO32], [u32be(0)])
  const output = taggedStruct('risc0.Output', [journalDigest, ZERO32])
  // exit code (Halted, 0) is written as two u32 words `code << 24`.
  return taggedStruct('risc0.ReceiptClaim', [ZERO32, imageId, systemStateZero, output], [u32be(0), u32be(0)])
}

function verifierKeyDigest(): Uint8Array {
  const vk = RISC0_GROTH16_VK
  const g2Bytes = (p: { x: { c0: bigint; c1: bigint }; y: { c0: bigint; c1: bigint } }) =>
    sha256(u256be(p.x.c1), u256be(p.x.c0), u256be(p.y.c1), u256be(p.y.c0))
  return taggedStruct('risc0_groth16.VerifyingKey', [
    sha256(u256be(vk.alpha[0]), u256be(vk.alpha[1])),
    g2Bytes(vk.beta),
    g2Bytes(vk.gamma),
    g2Bytes(vk.delta),
    taggedList('risc0_groth16.VerifyingKey.IC', vk.ic.map(([x, y]) => sha256(u256be(x), u256be(y)))),
  ])
}

/** The 4-byte selector of a release, as RiscZeroGroth16Verifier's constructor derives it. */
export function risc0Selector(release: Risc0Release): string {
  const controlId = Uint8Array.from(Buffer.from(release.bn254ControlId.slice(2), 'hex')).reverse()
  const params = taggedStruct('risc0.Groth16ReceiptVerifierParameters', [
    Uint8Array.from(Buffer.from(release.controlRoot.slice(2), 'hex')),
    controlId,
    verifierKeyDigest(),
  ])
  return toHex(params.subarray(0, 4))
}

const BY_SELECTOR = new Map(RISC0_RELEASES.map((r) => [risc0Selector(r), r]))

/** Selectors this Tessera verifies, with their release. */
export function risc0SupportedReleases(): { selector: string; version: string }[] {
  return [...BY_SELECTOR].map(([selector, r]) => ({ selector, version: r.version }))
}

/** splitDigest: the digest's bytes reversed, as two 128-bit halves (low first). */
function splitDigest(digest: Uint8Array): [bigint, bigint] {
  const reversed = Uint8Array.from(digest).reverse()
  return [bigintFromBytes(reversed.subarray(16, 32)), bigintFromBytes(reversed.subarray(0, 16))]
}

const dec = (v: bigint) => v.toString(10)

function snarkjsKey(): object {
  const vk = RISC0_GROTH16_VK
  const g2 = (p: { x: { c0: bigint; c1: bigint }; y: { c0: bigint; c1: bigint } }) => [
    [dec(p.x.c0), dec(p.x.c1)],
    [dec(p.y.c0), dec(p.y.c1)],
    ['1', '0'],
  ]
  return {
    protocol: 'groth16',
    curve: 'bn128',
    nPublic: vk.ic.length - 1,
    vk_alpha_1: [dec(vk.alpha[0]), dec(vk.alpha[1]), '1'],
    vk_beta_2: g2(vk.beta),
    vk_gamma_2: g2(vk.gamma),
    vk_delta_2: g2(vk.delta),
    IC: vk.ic.map(([x, y]) => [dec(x), dec(y), '1']),
  }
}
const SNARKJS_KEY = snarkjsKey()

let curveReady: Promise<unknown> | undefined
/**
 * snarkjs builds its BN254 engine with one worker thread per core and caches it in a global; those threads
 * keep the process alive. A verification needs only a 5-point MSM and one pairing, so Tessera installs a
 * single-threaded engine in that cache first: no threads, nothing to shut down.
 */
export function singleThreadedCurve(): Promise<unknown> {
  const g = globalThis as { curve_bn128?: unknown }
  curveReady ??= snarkjs.curves.getCurveFromName('bn128', { singleThread: true }).then((curve) => {
    g.curve_bn128 ??= curve
  })
  return curveReady
}

export async function verifyRisc0Groth16(input: Risc0Groth16Input): Promise<Risc0Groth16Verified> {
  const { seal, imageId } = input
  if (imageId.length !== 32) throw new ProofRejected(SYSTEM, 'malformed', 'imageId', `expected 32 bytes, got ${imageId.length}`)
  if ((input.journal === undefined) === (input.journalDigest === undefined)) {
    throw new ProofRejected(SYSTEM, 'malformed', 'journal', 'give the journal or its sha256 digest, not both and not neither')
  }
  const journalDigest = input.journal ? sha256(input.journal) : input.journalDigest!
  if (journalDigest.length !== 32) throw new ProofRejected(SYSTEM, 'malformed', 'journal', `a journal digest is 32 bytes, got ${journalDigest.length}`)
  if (seal.length !== SEAL_LENGTH) {
    throw new ProofRejected(SYSTEM, 'malformed', 'seal', `expected ${SEAL_LENGTH} bytes (selector ‖ a ‖ b ‖ c), got ${seal.length}`,
      'a Groth16 seal as risc0-ethereum encode_seal writes it; succinct (STARK) receipts are not verified by Tessera')
  }
  const selector = toHex(seal.subarray(0, 4))
  const release = BY_SELECTOR.get(selector)
  if (!release) {
    const known = risc0SupportedReleases().map((r) => `${r.selector} (${r.version})`).join(', ')
    throw new ProofRejected(SYSTEM, 'unknown_selector', 'seal', `selector ${selector} is not a RISC Zero Groth16 release this Tessera knows (${known})`)
  }
  const w = (i: number) => word(seal, 4, i)
  // Decode and check the points first so a bad seal gets a precise reason; snarkjs only says false.
  g1(SYSTEM, 'seal', 'a', w(0), w(1))
  g2(SYSTEM, 'seal', 'b', { x: { c0: w(3), c1: w(2) }, y: { c0: w(5), c1: w(4) } })
  g1(SYSTEM, 'seal', 'c', w(6), w(7))
  const claim = risc0ClaimDigest(imageId, journalDigest)
  const root = splitDigest(Uint8Array.from(Buffer.from(release.controlRoot.slice(2), 'hex')))
  const publicSignals = [...root, ...splitDigest(claim), BigInt(release.bn254ControlId)]
  if (publicSignals.some((s) => s >= SCALAR_MODULUS)) throw new ProofRejected(SYSTEM, 'not_in_field', 'seal', 'a public input is not below the BN254 scalar modulus')
  await singleThreadedCurve()
  const ok = await snarkjs.groth16.verify(SNARKJS_KEY, publicSignals.map(dec), {
    pi_a: [dec(w(0)), dec(w(1)), '1'],
    pi_b: [[dec(w(3)), dec(w(2))], [dec(w(5)), dec(w(4))], ['1', '0']],
    pi_c: [dec(w(6)), dec(w(7)), '1'],
    protocol: 'groth16',
    curve: 'bn128',
  })
  if (!ok) {
    throw new ProofRejected(SYSTEM, 'pairing', 'seal',
      `the seal does not prove image id ${toHex(imageId)} with journal sha256 ${toHex(journalDigest)} under RISC Zero ${release.version}'s control root`,
      'the seal, the journal (public values) or the image id differs from what was proven')
  }
  return { system: SYSTEM, version: release.version, selector, claimDigest: toHex(claim) }
}
