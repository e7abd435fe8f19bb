import raw from './keys.json' with { type: 'json' }

/**
 * The verifying keys Tessera checks proofs against, as scripts/extract-verifier-keys.mjs extracted them from
 * risc0/risc0-ethereum and succinctlabs/sp1-contracts (keys.json names the commit and file of each); the same
 * file renders the Solidity verifiers (scripts/build-contracts.mjs). Numbers are decimal strings there.
 */

export type G1Affine = readonly [bigint, bigint]
/** A G2 point as {x: {c0, c1}, y: {c0, c1}} (c0 real, c1 imaginary part). */
export interface G2Affine {
  x: { c0: bigint; c1: bigint }
  y: { c0: bigint; c1: bigint }
}

type RawG2 = { x: string[]; y: string[] }
const g1 = (p: string[]): G1Affine => [BigInt(p[0]), BigInt(p[1])]
/** keys.json keeps each G2 coordinate in the order the Solidity sources write it: [imaginary, real]. */
const g2 = (p: RawG2): G2Affine => ({ x: { c0: BigInt(p.x[1]), c1: BigInt(p.x[0]) }, y: { c0: BigInt(p.y[1]), c1: BigInt(p.y[0]) } })

export interface Risc0Release {
  /** risc0-zkvm release line (risc0-ethereum contracts/src/selector.rs Groth16V<version>, deployment.toml). */
  version: string
  /** The selector risc0-ethereum publishes; Tessera recomputes it from the values below. */
  publishedSelector: string
  /** ControlID.CONTROL_ROOT (hex, as in ControlID.sol). */
  controlRoot: string
  /** ControlID.BN254_CONTROL_ID (hex, as in ControlID.sol: byte order opposite to the risc0 repository). */
  bn254ControlId: string
  source: string
}

export const RISC0_GROTH16_VK = {
  alpha: g1(raw.risc0.groth16Key.alpha),
  beta: g2(raw.risc0.groth16Key.beta),
  gamma: g2(raw.risc0.groth16Key.gamma),
  delta: g2(raw.risc0.groth16Key.delta),
  ic: raw.risc0.groth16Key.ic.map(g1),
  source: raw.risc0.keySource,
}

export const RISC0_RELEASES: readonly Risc0Release[] = raw.risc0.releases.map((r) => ({
  version: r.version,
  publishedSelector: r.selector,
  controlRoot: r.controlRoot,
  bn254ControlId: r.bn254ControlId,
  source: r.source,
}))

interface Sp1Release {
  version: string
  /** VERIFIER_HASH(); its first 4 bytes prefix every proof for this release. */
  verifierHash: string
  /** VK_ROOT() from v6 on (the recursion vk root a proof must carry), else null. */
  vkRoot: string | null
  source: string
}

export interface Sp1Groth16Release extends Sp1Release {
  alpha: G1Affine
  betaNeg: G2Affine
  gammaNeg: G2Affine
  deltaNeg: G2Affine
  /** CONSTANT then PUB_i: the public-input commitment points. */
  ic: readonly G1Affine[]
}

/** gnark PLONK verifying key with one BSB22 commitment (custom gate), as SP1's PlonkVerifier.sol holds it. */
export interface Sp1PlonkRelease extends Sp1Release {
  nbPublicInputs: number
  domainSize: bigint
  invDomainSize: bigint
  omega: bigint
  cosetShift: bigint
  ql: G1Affine
  qr: G1Affine
  qm: G1Affine
  qo: G1Affine
  qk: G1Affine
  s1: G1Affine
  s2: G1Affine
  s3: G1Affine
  qcp0: G1Affine
  indexCommitApi0: bigint
  g1Srs: G1Affine
  g2Srs0: G2Affine
  g2Srs1: G2Affine
}

export const SP1_GROTH16_RELEASES: readonly Sp1Groth16Release[] = raw.sp1.groth16.map((r) => ({
  version: r.version,
  verifierHash: r.verifierHash,
  vkRoot: r.vkRoot,
  source: r.source,
  alpha: g1(r.alpha),
  betaNeg: g2(r.betaNeg),
  gammaNeg: g2(r.gammaNeg),
  deltaNeg: g2(r.deltaNeg),
  ic: r.ic.map(g1),
}))

export const SP1_PLONK_RELEASES: readonly Sp1PlonkRelease[] = raw.sp1.plonk.map((r) => ({
  version: r.version,
  verifierHash: r.verifierHash,
  vkRoot: r.vkRoot,
  source: r.source,
  nbPublicInputs: r.nbPublicInputs,
  domainSize: BigInt(r.domainSize),
  invDomainSize: BigInt(r.invDomainSize),
  omega: BigInt(r.omega),
  cosetShift: BigInt(r.cosetShift),
  ql: g1(r.ql),
  qr: g1(r.qr),
  qm: g1(r.qm),
  qo: g1(r.qo),
  qk: g1(r.qk),
  s1: g1(r.s1),
  s2: g1(r.s2),
  s3: g1(r.s3),
  qcp0: g1(r.qcp0),
  indexCommitApi0: BigInt(r.indexCommitApi0),
  g1Srs: g1(r.g1Srs),
  g2Srs0: g2(r.g2Srs0),
  g2Srs1: g2(r.g2Srs1),
}))
