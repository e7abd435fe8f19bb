import { bn254 } from '@noble/curves/bn254.js'
import { ProofRejected, type ProofSystem } from './errors.js'
import type { G2Affine } from './keys.js'

/**
 * BN254 point decoding with the checks the EVM precompiles make (EIP-196/197): coordinates are canonical
 * field elements, points are on the curve, G2 points are in the prime-order subgroup. Each failure names
 * the proof field it came from.
 */

export const FIELD_MODULUS = bn254.fields.Fp.ORDER
export const SCALAR_MODULUS = bn254.fields.Fr.ORDER

export type G1Point = ReturnType<typeof bn254.G1.Point.fromAffine>
export type G2Point = ReturnType<typeof bn254.G2.Point.fromAffine>

function checkField(system: ProofSystem, field: string, v: bigint, what: string): void {
  if (v >= FIELD_MODULUS) throw new ProofRejected(system, 'not_in_field', field, `${what} is not below the BN254 field modulus`)
}

export function g1(system: ProofSystem, field: string, what: string, x: bigint, y: bigint): G1Point {
  checkField(system, field, x, `${what}.x`)
  checkField(system, field, y, `${what}.y`)
  if (x === 0n && y === 0n) return bn254.G1.Point.ZERO
  const p = bn254.G1.Point.fromAffine({ x, y })
  try {
    p.assertValidity()
  } catch {
    throw new ProofRejected(system, 'not_on_curve', field, `${what} is not a point on BN254 G1`)
  }
  return p
}

export function g2(system: ProofSystem, field: string, what: string, pt: G2Affine): G2Point {
  for (const [k, v] of [['x.c0', pt.x.c0], ['x.c1', pt.x.c1], ['y.c0', pt.y.c0], ['y.c1', pt.y.c1]] as const) checkField(system, field, v, `${what}.${k}`)
  const Fp2 = bn254.fields.Fp2
  const p = bn254.G2.Point.fromAffine({ x: Fp2.create(pt.x), y: Fp2.create(pt.y) })
  try {
    p.assertValidity()
  } catch {
    throw new ProofRejected(system, 'not_on_curve', field, `${what} is not a point of the BN254 G2 subgroup`)
  }
  return p
}

/** Π e(P_i, Q_i) == 1 in GT (a pair with the point at infinity contributes 1, as in EIP-197). */
export function pairingProductIsOne(pairs: { g1: G1Point; g2: G2Point }[]): boolean {
  const Fp12 = bn254.fields.Fp12
  const live = pairs.filter((p) => !p.g1.is0() && !p.g2.is0())
  return live.length === 0 || Fp12.eql(bn254.pairingBatch(live), Fp12.ONE)
}
