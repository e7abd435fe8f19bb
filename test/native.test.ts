import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { nativeAddon, nativeAddonStatus, packageRoot, packInputs } from '../src/crypto/index.js'
import { NATIVE_EXPECTED } from './support/fixtures.js'

const addon = nativeAddon()
const addonPath = join(packageRoot(), 'build', 'Release', 'tessera_native.node')

function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff
  return b
}

/** Every malformed batch call: [label, data, offsets, expected error name]. Shared with the worker below. */
const BAD_CALLS_SOURCE = `
  const d = new Uint8Array(64)
  return [
    ['empty offsets', d, new Uint32Array(0), 'RangeError'],
    ['first offset past end', d, new Uint32Array([65]), 'RangeError'],
    ['first offset past end with inputs', d, new Uint32Array([65, 70]), 'RangeError'],
    ['last offset past end', d, new Uint32Array([0, 65]), 'RangeError'],
    ['middle offset past end', d, new Uint32Array([0, 100, 64]), 'RangeError'],
    ['max u32 offset', d, new Uint32Array([0, 0xffffffff]), 'RangeError'],
    ['decreasing offsets', d, new Uint32Array([0, 40, 39]), 'RangeError'],
    ['decreasing at start', d, new Uint32Array([10, 5]), 'RangeError'],
    ['offsets on empty data', new Uint8Array(0), new Uint32Array([0, 1]), 'RangeError'],
    ['offsets view past a shared buffer slice', new Uint8Array(new ArrayBuffer(128), 0, 64), new Uint32Array([0, 100]), 'RangeError'],
    ['offsets as Int32Array', d, new Int32Array([0, 1]), 'TypeError'],
    ['offsets as plain array', d, [0, 1], 'TypeError'],
    ['offsets as Uint8Array', d, new Uint8Array([0, 1]), 'TypeError'],
    ['offsets missing', d, undefined, 'TypeError'],
    ['data as Uint16Array', new Uint16Array(8), new Uint32Array([0, 1]), 'TypeError'],
    ['data as DataView', new DataView(new ArrayBuffer(8)), new Uint32Array([0, 1]), 'TypeError'],
    ['data as ArrayBuffer', new ArrayBuffer(8), new Uint32Array([0, 1]), 'TypeError'],
    ['data as string', 'abcd', new Uint32Array([0, 1]), 'TypeError'],
    ['data missing', undefined, new Uint32Array([0, 1]), 'TypeError'],
  ]
`
const badCalls = new Function(BAD_CALLS_SOURCE) as () => [string, unknown, unknown, string][]

describe.skipIf(!NATIVE_EXPECTED)('native addon', () => {
  const a = addon!

  it('is built and loaded', () => {
    expect(addon, JSON.stringify(nativeAddonStatus())).toBeDefined()
  })

  it('reports how it was loaded', () => {
    expect(nativeAddonStatus()).toMatchObject({ loaded: true })
    expect(a.backendAbiVersion).toBe(1)
    expect(typeof a.libsecp256k1).toBe('boolean')
  })

  it('keccak256 matches noble on vectors and every size 0..600', () => {
    expect(bytesToHex(a.keccak256(new Uint8Array(0)))).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    expect(bytesToHex(a.keccak256(new TextEncoder().encode('abc')))).toBe(
      '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
    for (let n = 0; n <= 600; n++) {
      const input = bytes(n, n)
      expect(bytesToHex(a.keccak256(input)), `size ${n}`).toBe(bytesToHex(keccak_256(input)))
    }
    // a view into a larger buffer hashes only its own bytes
    const big = bytes(300)
    expect(bytesToHex(a.keccak256(big.subarray(7, 207)))).toBe(bytesToHex(keccak_256(big.subarray(7, 207))))
    expect(bytesToHex(a.keccak256(Buffer.from('abc')))).toBe(bytesToHex(keccak_256(new TextEncoder().encode('abc'))))
  })

  it('keccak256Into writes 32 bytes and checks room', () => {
    const out = new Uint8Array(40).fill(0xee)
    a.keccak256Into(bytes(136), out)
    expect(bytesToHex(out.subarray(0, 32))).toBe(bytesToHex(keccak_256(bytes(136))))
    expect(out[32]).toBe(0xee)
    expect(() => a.keccak256Into(bytes(1), new Uint8Array(31))).toThrow(RangeError)
    expect(() => a.keccak256Into(bytes(1), new Uint32Array(8) as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('batch equals singles, with empty inputs and a non-zero first offset', () => {
    const inputs = [0, 1, 32, 135, 136, 137, 0, 532, 1000, 0].map((n, i) => bytes(n, i))
    const { data, offsets } = packInputs(inputs)
    const out = a.keccak256Batch(data, offsets)
    expect(out.length).toBe(32 * inputs.length)
    inputs.forEach((b, i) => expect(bytesToHex(out.subarray(32 * i, 32 * i + 32))).toBe(bytesToHex(keccak_256(b))))
    const shifted = a.keccak256Batch(data, offsets.subarray(3))
    expect(bytesToHex(shifted.subarray(0, 32))).toBe(bytesToHex(keccak_256(inputs[3]!)))
    expect(a.keccak256Batch(data, new Uint32Array([5])).length).toBe(0)
  })

  it('throws RangeError/TypeError on every malformed batch', () => {
    for (const [label, data, offsets, name] of badCalls()) {
      let err: unknown
      try {
        ;(a.keccak256Batch as (d: unknown, o: unknown) => Uint8Array)(data, offsets)
      } catch (e) {
        err = e
      }
      expect((err as Error | undefined)?.name, label).toBe(name)
    }
  })

  it('validates ecrecover arguments', () => {
    const h = new Uint8Array(32)
    const sig = new Uint8Array(64)
    const call = a.ecrecover as (...args: unknown[]) => Uint8Array
    expect(() => call(new Uint8Array(31), sig, 0)).toThrow(RangeError)
    expect(() => call(h, new Uint8Array(65), 0)).toThrow(RangeError)
    expect(() => call(h, sig, 4)).toThrow(RangeError)
    expect(() => call(h, sig, 0.5)).toThrow(RangeError)
    expect(() => call(h, sig, '0')).toThrow(TypeError)
    expect(() => call('h', sig, 0)).toThrow(TypeError)
    if (a.libsecp256k1) expect(() => call(h, sig, 0)).toThrow(/invalid signature|recovery failed/)
  })

  it('bad calls inside worker threads throw there; the worker and the process survive', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads')
      const addon = require(workerData.addonPath)
      const calls = (function () { ${BAD_CALLS_SOURCE} })()
      const results = []
      for (const [label, data, offsets] of calls) {
        try { addon.keccak256Batch(data, offsets); results.push([label, 'no error']) }
        catch (e) { results.push([label, e.name]) }
      }
      // still works after all that
      const ok = Buffer.from(addon.keccak256(new Uint8Array(0))).toString('hex')
      parentPort.postMessage({ results, ok })
      // and an uncaught one ends this worker with an 'error' event, not the process
      addon.keccak256Batch(new Uint8Array(4), new Uint32Array([0, 5]))
    `
    const worker = new Worker(code, { eval: true, workerData: { addonPath } })
    const message = new Promise<{ results: [string, string][]; ok: string }>((resolve) => worker.once('message', resolve))
    const failure = new Promise<Error>((resolve) => worker.once('error', resolve))
    const exit = new Promise<number>((resolve) => worker.once('exit', resolve))
    const { results, ok } = await message
    const expected = badCalls().map(([label, , , name]) => [label, name])
    expect(results).toEqual(expected)
    expect(ok).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    expect((await failure).name).toBe('RangeError')
    expect(await exit).toBe(1)
    expect(bytesToHex(a.keccak256(new Uint8Array(0)))).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  })

  it('loads and hashes in several workers at once (context-aware)', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads')
      const addon = require(workerData.addonPath)
      const inputs = []
      for (let i = 0; i < 2000; i++) inputs.push(new Uint8Array(100 + (i % 50)).fill((i + workerData.id) & 255))
      let total = 0; for (const b of inputs) total += b.length
      const data = new Uint8Array(total); const offsets = new Uint32Array(inputs.length + 1)
      let at = 0; inputs.forEach((b, i) => { offsets[i] = at; data.set(b, at); at += b.length }); offsets[inputs.length] = at
      const batch = addon.keccak256Batch(data, offsets)
      let same = true
      inputs.forEach((b, i) => { if (Buffer.compare(Buffer.from(addon.keccak256(b)), Buffer.from(batch.subarray(32 * i, 32 * i + 32))) !== 0) same = false })
      parentPort.postMessage({ same, first: Buffer.from(batch.subarray(0, 32)).toString('hex') })
    `
    const runs = [0, 1, 2, 3].map(
      (id) =>
        new Promise<{ same: boolean; first: string }>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { addonPath, id } })
          w.once('message', (m) => {
            resolve(m)
            void w.terminate()
          })
          w.once('error', reject)
        }),
    )
    const results = await Promise.all(runs)
    results.forEach((r, id) => {
      expect(r.same).toBe(true)
      expect('0x' + r.first).toBe(bytesToHex(keccak_256(new Uint8Array(100).fill(id & 255))))
    })
  })
})
