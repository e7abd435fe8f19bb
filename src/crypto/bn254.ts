import type { EVMBN254Interface } from '@ethereumjs/evm'
import { createRequire } from 'node:module'

/**
 * The BN254 (alt_bn128) precompiles of EIP-196/197 (0x06 add, 0x07 mul, 0x08 pairing) over wasmcurves' prebuilt
 * bn128.wasm, the hand-written WebAssembly field and pairing code snarkjs runs on (a dependency of snarkjs
 * through ffjavascript). Measured on this machine class: a two-pair pairing check about x5 faster than
 * rustbn-wasm, a G1 multiplication about x9.
 *
 * The module (86 KB) is compiled synchronously on the first precompile call, a few milliseconds, so a block
 * that never calls BN254 pays nothing, and the EVM's synchronous precompile interface is kept.
 *
 * Every input rule of the EIPs is checked here, in the same order as @ethereumjs/evm's noble implementation,
 * and a broken rule throws (the precompile then fails and consumes its gas):
 *  - each coordinate is a field element (< q), big-endian, 32 bytes; (0, 0) is the point at infinity;
 *  - a G1 point is on y^2 = x^3 + 3 (G1 has cofactor 1, so on the curve is in the group);
 *  - a G2 point (x = x0 + x1*i, encoded x1, x0, y1, y0) is on the twist and in the order-r subgroup.
 * Points live in wasm memory as Montgomery little-endian limbs: G1 affine 64 bytes, G2 affine 128 bytes.
 */

interface Bn128Exports {
  f1m_toMontgomery(a: number, r: number): void
  f1m_fromMontgomery(a: number, r: number): void
  g1m_inCurveAffine(p: number): number
  g1m_isZeroAffine(p: number): number
  g1m_isZero(p: number): number
  g1m_addAffine(a: number, b: number, r: number): void
  g1m_timesScalarAffine(p: number, s: number, n: number, r: number): void
  g1m_toAffine(p: number, r: number): void
  g1m_toJacobian(p: number, r: number): void
  g2m_inCurveAffine(p: number): number
  g2m_isZeroAffine(p: number): number
  g2m_isZero(p: number): number
  g2m_timesScalarAffine(p: number, s: number, n: number, r: number): void
  g2m_toJacobian(p: number, r: number): void
  bn128_prepareG1(p: number, r: number): void
  bn128_prepareG2(p: number, r: number): void
  bn128_millerLoop(preP: number, preQ: number, r: number): void
  bn128_finalExponentiation(a: number, r: number): void
  ftm_one(r: number): void
  ftm_mul(a: number, b: number, r: number): void
  ftm_eq(a: number, b: number): number
}

interface Bn128Module {
  code: string
  pOneT: number
  prePSize: number
  preQSize: number
  q: string
  r: string
}

/** Field modulus q, big-endian: every input coordinate must be below it. */
const Q_BE = Buffer.from(BigInt('21888242871839275222246405745257275088696311157297823662689037894645226208583').toString(16).padStart(64, '0'), 'hex')

export class Bn254InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Bn254InputError'
  }
}

// Scratch layout (bytes), above the module's own static data (< 64 KiB in wasmcurves 0.2.2).
const BASE = 1 << 20
const A = BASE // G1 affine (64) or G2 affine (128)
const B = BASE + 256 // second G1 affine
const JAC = BASE + 512 // G1/G2 Jacobian result (up to 192)
const AFF = BASE + 768 // affine result (up to 128)
const SCALAR = BASE + 1024 // 32-byte little-endian scalar
const ORDER = BASE + 1088 // the group order r, little-endian
const G1J = BASE + 1152 // pairing: G1 Jacobian (96)
const G2J = BASE + 1280 // pairing: G2 Jacobian (192)
const ACC = BASE + 1536 // pairing: running product in Fq12 (384)
const ML = BASE + 2048 // pairing: one Miller loop (384)
const PRE_P = BASE + 2560 // prepared G1
const PRE_Q = BASE + 4096 // prepared G2 (wasmcurves: 19,776 bytes)

interface Instance {
  x: Bn128Exports
  mem: Uint8Array
  pOneT: number
  preQSize: number
}

/** Prepared G2 points kept per instance (about 20 KB each). */
const G2_SEEN_MAX = 64

let instance: Instance | undefined

function load(): Instance {
  if (instance !== undefined) return instance
  const m = createRequire(import.meta.url)('wasmcurves/build/bn128_wasm.js') as Bn128Module
  if (PRE_Q - PRE_P < m.prePSize || m.preQSize > 32_000) throw new Error('wasmcurves bn128: prepared point sizes changed; update the scratch layout')
  const memory = new WebAssembly.Memory({ initial: 32 }) // 2 MiB: static data, then the scratch area at 1 MiB
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(m.code, 'base64')), { env: { memory } })
  const mem = new Uint8Array(memory.buffer)
  mem.set(Buffer.from(BigInt(m.r).toString(16).padStart(64, '0'), 'hex').reverse(), ORDER)
  instance = { x: wasm.exports as unknown as Bn128Exports, mem, pOneT: m.pOneT, preQSize: m.preQSize }
  return instance
}

/** Writes a 32-byte big-endian field element at `at` in Montgomery form; refuses a value >= q. */
function putFq(inst: Instance, input: Uint8Array, offset: number, at: number): void {
  const be = input.subarray(offset, offset + 32)
  if (Buffer.compare(be, Q_BE) >= 0) throw new Bn254InputError('coordinate not in the field (>= q)')
  for (let i = 0; i < 32; i++) inst.mem[at + i] = be[31 - i]!
  inst.x.f1m_toMontgomery(at, at)
}

/** Reads the Montgomery field element at `at` as 32 bytes big-endian into out[offset..]. */
function getFq(inst: Instance, at: number, out: Uint8Array, offset: number): void {
  inst.x.f1m_fromMontgomery(at, at)
  for (let i = 0; i < 32; i++) out[offset + i] = inst.mem[at + 31 - i]!
}

function isZeroBytes(input: Uint8Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (input[i] !== 0) return false
  return true
}

/** G1 point of input[offset..offset+64] at `at` (affine); (0, 0) is infinity. */
function putG1(inst: Instance, input: Uint8Array, offset: number, at: number): void {
  putFq(inst, input, offset, at)
  putFq(inst, input, offset + 32, at + 32)
  if (inst.x.g1m_isZeroAffine(at) === 0 && inst.x.g1m_inCurveAffine(at) === 0) throw new Bn254InputError('G1 point not on the curve')
}

/** G2 point of input[offset..offset+128] at `at` (affine), Ethereum's order x1, x0, y1, y0. */
function putG2(inst: Instance, input: Uint8Array, offset: number, at: number): void {
  putFq(inst, input, offset + 32, at) // x0
  putFq(inst, input, offset, at + 32) // x1
  putFq(inst, input, offset + 96, at + 64) // y0
  putFq(inst, input, offset + 64, at + 96) // y1
  if (inst.x.g2m_isZeroAffine(at) !== 0) return
  if (inst.x.g2m_inCurveAffine(at) === 0) throw new Bn254InputError('G2 point not on the twist curve')
  inst.x.g2m_timesScalarAffine(at, ORDER, 32, JAC)
  if (inst.x.g2m_isZero(JAC) === 0) throw new Bn254InputError('G2 point not in the order-r subgroup')
}

/** The G1 Jacobian point at JAC as 64 bytes big-endian affine; infinity is 64 zero bytes. */
function g1Output(inst: Instance): Uint8Array {
  const out = new Uint8Array(64)
  if (inst.x.g1m_isZero(JAC) !== 0) return out
  inst.x.g1m_toAffine(JAC, AFF)
  getFq(inst, AFF, out, 0)
  getFq(inst, AFF + 32, out, 32)
  return out
}

function rightPadded(input: Uint8Array, length: number): Uint8Array {
  if (input.length >= length) return input
  const out = new Uint8Array(length)
  out.set(input)
  return out
}

export class WasmcurvesBN254 implements EVMBN254Interface {
  /** 0x06: input right-padded to 128 bytes by the EVM (two G1 points). */
  add(input: Uint8Array): Uint8Array {
    const inst = load()
    const data = rightPadded(input, 128)
    putG1(inst, data, 0, A)
    putG1(inst, data, 64, B)
    inst.x.g1m_addAffine(A, B, JAC)
    return g1Output(inst)
  }

  /** 0x07: a G1 point and a 32-byte big-endian scalar (not reduced: [s]P = [s mod r]P in a group of order r). */
  mul(input: Uint8Array): Uint8Array {
    const inst = load()
    const data = rightPadded(input, 96)
    putG1(inst, data, 0, A)
    for (let i = 0; i < 32; i++) inst.mem[SCALAR + i] = data[64 + 31 - i]!
    inst.x.g1m_timesScalarAffine(A, SCALAR, 32, JAC)
    return g1Output(inst)
  }

  /**
   * Valid G2 inputs seen before, by their 128 input bytes: the point at infinity, or the prepared point (the line
   * coefficients the Miller loop needs). Real traffic repeats G2 points: a Groth16 verifier pairs its key's
   * fixed beta, gamma and delta with every proof, so three of four G2 points of each call were checked for
   * subgroup membership (a 254-bit G2 multiplication, ~0.8 ms) and prepared (~0.4 ms) again. Only points that
   * passed every check are kept, so a refused point is checked (and refused) every time.
   */
  private readonly g2Seen = new Map<string, Uint8Array | 'infinity'>()

  /** 0x08: k pairs (G1, G2); 1 when the product of the pairings is one (also for k = 0), else 0. */
  pairing(input: Uint8Array): Uint8Array {
    const inst = load()
    if (input.length % 192 !== 0) throw new Bn254InputError('pairing input is not a multiple of 192 bytes')
    inst.x.ftm_one(ACC)
    for (let k = 0; k < input.length; k += 192) {
      // Both points are checked even when one is infinity, as the EIP and the noble implementation do.
      putG1(inst, input, k, A)
      const key = Buffer.from(input.buffer, input.byteOffset + k + 64, 128).toString('latin1')
      let q = this.g2Seen.get(key)
      if (q === undefined) {
        putG2(inst, input, k + 64, AFF)
        if (inst.x.g2m_isZeroAffine(AFF) !== 0) q = 'infinity'
        else {
          inst.x.g2m_toJacobian(AFF, G2J)
          inst.x.bn128_prepareG2(G2J, PRE_Q)
          q = inst.mem.slice(PRE_Q, PRE_Q + inst.preQSize)
        }
        if (this.g2Seen.size >= G2_SEEN_MAX) this.g2Seen.delete(this.g2Seen.keys().next().value!)
        this.g2Seen.set(key, q)
      } else if (q !== 'infinity') inst.mem.set(q, PRE_Q)
      if (inst.x.g1m_isZeroAffine(A) !== 0 || q === 'infinity') continue
      inst.x.g1m_toJacobian(A, G1J)
      inst.x.bn128_prepareG1(G1J, PRE_P)
      inst.x.bn128_millerLoop(PRE_P, PRE_Q, ML)
      inst.x.ftm_mul(ACC, ML, ACC)
    }
    inst.x.bn128_finalExponentiation(ACC, ACC)
    const out = new Uint8Array(32)
    out[31] = inst.x.ftm_eq(ACC, inst.pOneT) !== 0 ? 1 : 0
    return out
  }
}

/**
 * The same precompiles without the G2 points a WasmcurvesBN254 has kept: for measurements that must not find a
 * repeated block's points already prepared. Any other implementation is returned as it is.
 */
export function withoutKeptPoints(bn254: EVMBN254Interface): EVMBN254Interface {
  return bn254 instanceof WasmcurvesBN254 ? new WasmcurvesBN254() : bn254
}
