import { NobleBN254 } from '@ethereumjs/evm'
import { bn254 } from '@noble/curves/bn254.js'
import { describe, expect, it } from 'vitest'
import { WasmcurvesBN254 } from '../src/crypto/bn254.js'

/**
 * The wasmcurves BN254 precompiles against @ethereumjs/evm's default (noble) implementation: the same bytes out
 * for every valid input, and a throw for every input either one refuses. EIP-196/197 edge cases by hand, then
 * random and mutated inputs.
 */
const wasm = new WasmcurvesBN254()
const noble = new NobleBN254()
type Op = 'add' | 'mul' | 'pairing'

function outcome(impl: WasmcurvesBN254 | NobleBN254, op: Op, input: Uint8Array): string {
  try {
    return Buffer.from(impl[op](input)).toString('hex')
  } catch {
    return 'error'
  }
}

function same(op: Op, input: Uint8Array): string {
  const got = outcome(wasm, op, input)
  expect(got, `${op}(${Buffer.from(input).toString('hex').slice(0, 64)}…)`).toBe(outcome(noble, op, input))
  return got
}

const hex = (x: bigint) => x.toString(16).padStart(64, '0')
const G1 = bn254.G1.Point.BASE
const G2 = bn254.G2.Point.BASE
const Q = bn254.fields.Fp.ORDER
const R = bn254.fields.Fr.ORDER
const g1 = (p: typeof G1) => (p.is0() ? '00'.repeat(64) : hex(p.toAffine().x) + hex(p.toAffine().y))
const g2 = (p: typeof G2) => {
  if (p.is0()) return '00'.repeat(128)
  const a = p.toAffine()
  return hex(a.x.c1) + hex(a.x.c0) + hex(a.y.c1) + hex(a.y.c0)
}
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'))

/** A point on the twist that is not in the order-r subgroup (the twist's cofactor is large). */
function twistPointOutsideSubgroup(): string {
  const Fp2 = bn254.fields.Fp2
  const b = Fp2.div(Fp2.fromBigTuple([3n, 0n]), Fp2.fromBigTuple([9n, 1n]))
  for (let i = 1n; ; i++) {
    const x = Fp2.fromBigTuple([i, 1n])
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)
    let y
    try {
      y = Fp2.sqrt(rhs)
    } catch {
      continue
    }
    if (y === undefined || !Fp2.eql(Fp2.sqr(y), rhs)) continue
    return hex(x.c1) + hex(x.c0) + hex(y.c1) + hex(y.c0)
  }
}

describe('BN254 precompiles over wasmcurves, differential against @ethereumjs/evm noble', () => {
  const P = G1.multiply(123456789n)
  const P2 = G1.multiply(987654321n)

  it('0x06 add: sum, doubling, P + (-P), infinity operands', () => {
    expect(same('add', bytes(g1(P) + g1(P2)))).toBe(g1(P.add(P2)))
    expect(same('add', bytes(g1(P) + g1(P)))).toBe(g1(P.double()))
    expect(same('add', bytes(g1(P) + g1(P.negate())))).toBe('00'.repeat(64))
    expect(same('add', bytes(g1(P) + '00'.repeat(64)))).toBe(g1(P))
    expect(same('add', bytes('00'.repeat(128)))).toBe('00'.repeat(64))
  })

  it('0x06/0x07 refuse coordinates >= q and points off the curve', () => {
    expect(same('add', bytes(hex(1n) + hex(3n) + g1(P)))).toBe('error')
    expect(same('add', bytes(hex(Q) + hex(2n) + g1(P)))).toBe('error')
    // (q, 0) reduces to (0, 0), the point at infinity: refused all the same.
    expect(same('add', bytes(hex(Q) + hex(0n) + g1(P)))).toBe('error')
    expect(same('pairing', bytes(hex(Q) + hex(0n) + g2(G2)))).toBe('error')
    // (x + q, y) is the same residue as a valid point: still refused, the coordinate is not canonical.
    const a = P.toAffine()
    expect(same('add', bytes(hex(a.x + Q) + hex(a.y) + g1(P)))).toBe('error')
    expect(same('mul', bytes(hex(1n) + hex(1n) + hex(5n)))).toBe('error')
  })

  it('0x07 mul: scalars 0, 1, r, r + 1 and 2^256 - 1 (not reduced first)', () => {
    for (const s of [0n, 1n, 2n, R - 1n, R, R + 1n, 2n ** 256n - 1n]) same('mul', bytes(g1(P) + hex(s)))
    expect(same('mul', bytes(g1(P) + hex(R)))).toBe('00'.repeat(64))
    expect(same('mul', bytes('00'.repeat(64) + hex(77n)))).toBe('00'.repeat(64))
  })

  it('0x08 pairing: bilinear products are one, others zero; empty input is one; infinity pairs are skipped', () => {
    const a = 11111n
    const c = 2222222n
    expect(same('pairing', bytes(g1(G1.multiply(a)) + g2(G2.multiply(c)) + g1(G1.multiply(a * c).negate()) + g2(G2)))).toBe(hex(1n))
    expect(same('pairing', bytes(g1(G1.multiply(a)) + g2(G2.multiply(c)) + g1(G1.multiply(a * c)) + g2(G2)))).toBe(hex(0n))
    expect(same('pairing', new Uint8Array(0))).toBe(hex(1n))
    expect(same('pairing', bytes('00'.repeat(64) + g2(G2)))).toBe(hex(1n))
    expect(same('pairing', bytes(g1(G1) + '00'.repeat(128)))).toBe(hex(1n))
    expect(same('pairing', bytes(g1(G1) + g2(G2)))).toBe(hex(0n))
  })

  it('0x08 pairing refuses a twist point outside the subgroup, off-curve G2 and G2 coordinates >= q, even beside infinity', () => {
    const outside = twistPointOutsideSubgroup()
    expect(same('pairing', bytes(g1(G1) + outside))).toBe('error')
    expect(same('pairing', bytes('00'.repeat(64) + outside))).toBe('error')
    const q = g2(G2)
    expect(same('pairing', bytes(g1(G1) + q.slice(0, 127) + (q[127] === '0' ? '1' : '0')))).toBe('error')
    expect(same('pairing', bytes(g1(G1) + hex(Q) + q.slice(64)))).toBe('error')
    expect(same('pairing', bytes(hex(1n) + hex(3n) + '00'.repeat(128)))).toBe('error')
  })

  it('random and bit-flipped inputs: the same verdict and bytes as noble', () => {
    let seed = 0x1234567
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff)
    for (let i = 0; i < 40; i++) {
      const p = G1.multiply(BigInt(rand()) + 1n)
      const s = BigInt(rand()) * BigInt(rand()) * BigInt(rand())
      same('mul', bytes(g1(p) + hex(s)))
      same('add', bytes(g1(p) + g1(G1.multiply(BigInt(rand()) + 1n))))
      const flipped = bytes(g1(p) + g1(P2))
      flipped[rand() % 128]! ^= 1 << rand() % 8
      same('add', flipped)
    }
    for (let i = 0; i < 6; i++) {
      const input = bytes(g1(G1.multiply(BigInt(rand()) + 1n)) + g2(G2.multiply(BigInt(rand()) + 1n)))
      same('pairing', input)
      input[64 + (rand() % 128)]! ^= 1 << rand() % 8
      same('pairing', input)
    }
  })

  it('0x08 pairing: G2 points seen before (kept prepared) give the same verdicts as noble, in one call and across calls', () => {
    const fresh = new WasmcurvesBN254()
    const check = (input: Uint8Array) => expect(outcome(fresh, 'pairing', input)).toBe(outcome(noble, 'pairing', input))
    const a = 31337n
    const X = g2(G2.multiply(a))
    // e(aG1, G2) * e(-G1, aG2) = 1: the same G2 twice in one call, then again in later calls.
    check(bytes(g1(G1.multiply(a)) + g2(G2) + g1(G1.negate()) + X))
    check(bytes(g1(G1.multiply(a)) + X + g1(G1.multiply(a).negate()) + X))
    check(bytes(g1(G1.multiply(a * a)) + g2(G2) + g1(G1.multiply(a).negate()) + X))
    check(bytes(g1(G1) + X + g1(G1) + X))
    // A kept G2 point beside a refused G1 point is still refused; beside infinity the pair is skipped.
    check(bytes(hex(1n) + hex(3n) + X))
    check(bytes('00'.repeat(64) + X + g1(G1.multiply(a)) + g2(G2) + g1(G1.negate()) + X))
    // The point at infinity as G2, twice.
    check(bytes(g1(G1) + '00'.repeat(128) + g1(G1) + '00'.repeat(128)))
    // More distinct points than are kept, then the first ones again.
    let seed = 99
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff)
    const many = Array.from({ length: 70 }, () => BigInt(rand()) + 2n)
    for (const k of many) check(bytes(g1(G1.multiply(k)) + g2(G2) + g1(G1.negate()) + g2(G2.multiply(k))))
    for (const k of many.slice(0, 5)) check(bytes(g1(G1.multiply(k)) + g2(G2) + g1(G1.negate()) + g2(G2.multiply(k))))
    for (const k of many.slice(-5)) check(bytes(g1(G1.multiply(k + 1n)) + g2(G2) + g1(G1.negate()) + g2(G2.multiply(k))))
  })

  it('0x08 pairing: a refused G2 point is refused every time, never kept', () => {
    const fresh = new WasmcurvesBN254()
    const kept = (fresh as unknown as { g2Seen: Map<string, unknown> }).g2Seen
    const outside = bytes(g1(G1) + twistPointOutsideSubgroup())
    for (let i = 0; i < 3; i++) expect(outcome(fresh, 'pairing', outside)).toBe('error')
    const q = g2(G2)
    const offCurve = bytes(g1(G1) + q.slice(0, 127) + (q[127] === '0' ? '1' : '0'))
    for (let i = 0; i < 2; i++) expect(outcome(fresh, 'pairing', offCurve)).toBe('error')
    expect(kept.size).toBe(0)
    expect(outcome(fresh, 'pairing', bytes(g1(G1) + q))).toBe(hex(0n))
    expect(kept.size).toBe(1)
  })
})
