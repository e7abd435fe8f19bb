import { Common, Mainnet } from '@ethereumjs/common'
import { createFeeMarket1559Tx, createLegacyTx, createTxFromRLP } from '@ethereumjs/tx'
import { bigIntToBytes, bytesToHex, ecrecover as utilEcrecover, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { afterEach, describe, expect, it } from 'vitest'
import {
  availableCrypto,
  createHostCrypto,
  hostCrypto,
  keccak256Batch,
  keccak256Packed,
  nativeAddonStatus,
} from '../src/crypto/index.js'

const N = secp256k1.Point.CURVE().n

function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 3)) & 0xff
  return b
}

const KECCAK_VECTORS: [Uint8Array, string][] = [
  [new Uint8Array(0), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  [new TextEncoder().encode('abc'), '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
]
const EDGE_SIZES = [1, 31, 32, 64, 135, 136, 137, 200, 271, 272, 273, 532, 4096]

afterEach(() => {
  delete process.env.TESSERA_NATIVE
})

describe('keccak256 paths', () => {
  const paths = availableCrypto().keccak
  it('has at least noble, and native when the addon is built', () => {
    expect(paths).toContain('noble')
    if (nativeAddonStatus().loaded) expect(paths[0]).toBe('native')
  })
  for (const path of paths) {
    it(`${path}: known vectors and block edges match noble`, () => {
      const { keccak256 } = createHostCrypto({ keccak: path, ecrecover: 'noble' })
      for (const [input, hex] of KECCAK_VECTORS) expect(bytesToHex(keccak256(input))).toBe(hex)
      for (const n of EDGE_SIZES) {
        const input = bytes(n, n)
        const got = keccak256(input)
        expect(got).toBeInstanceOf(Uint8Array)
        expect(bytesToHex(got), `size ${n}`).toBe(bytesToHex(keccak_256(input)))
      }
    })
    it(`${path}: keccak256Batch equals singles`, () => {
      const hc = createHostCrypto({ keccak: path, ecrecover: 'noble' })
      const ins = [new Uint8Array(0), ...EDGE_SIZES.map((n) => bytes(n, n + 1))]
      expect(hc.keccak256Batch(ins).map(bytesToHex)).toEqual(ins.map((b) => bytesToHex(keccak_256(b))))
    })
    it(`${path}: digests are fresh buffers (no aliasing between calls)`, () => {
      const { keccak256 } = createHostCrypto({ keccak: path, ecrecover: 'noble' })
      const a = keccak256(bytes(10, 1))
      const b = keccak256(bytes(10, 2))
      expect(bytesToHex(a)).not.toBe(bytesToHex(b))
      expect(bytesToHex(a)).toBe(bytesToHex(keccak_256(bytes(10, 1))))
    })
  }
})

describe('keccak256Batch / keccak256Packed', () => {
  const inputs = [new Uint8Array(0), ...EDGE_SIZES.map((n) => bytes(n, n)), new Uint8Array(0)]
  const expected = inputs.map((b) => bytesToHex(keccak_256(b)))

  for (const native of ['1', '0']) {
    it(`batch equals singles (TESSERA_NATIVE=${native})`, () => {
      process.env.TESSERA_NATIVE = native
      expect(keccak256Batch(inputs).map(bytesToHex)).toEqual(expected)
      expect(keccak256Batch([])).toEqual([])
    })
    it(`packed validates offsets identically (TESSERA_NATIVE=${native})`, () => {
      process.env.TESSERA_NATIVE = native
      const data = bytes(100)
      expect(bytesToHex(keccak256Packed(data, new Uint32Array([10, 10, 40])).subarray(32))).toBe(
        bytesToHex(keccak_256(data.subarray(10, 40))),
      )
      expect(keccak256Packed(data, new Uint32Array([100])).length).toBe(0)
      expect(() => keccak256Packed(data, new Uint32Array([]))).toThrow(RangeError)
      expect(() => keccak256Packed(data, new Uint32Array([101]))).toThrow(RangeError)
      expect(() => keccak256Packed(data, new Uint32Array([0, 50, 49]))).toThrow(RangeError)
      expect(() => keccak256Packed(data, new Uint32Array([0, 101]))).toThrow(RangeError)
      expect(() => keccak256Packed(data, new Int32Array([0, 1]) as unknown as Uint32Array)).toThrow(TypeError)
      expect(() => keccak256Packed([1, 2] as unknown as Uint8Array, new Uint32Array([0, 1]))).toThrow(TypeError)
    })
  }
})

interface Signed {
  msgHash: Uint8Array
  r: Uint8Array
  s: Uint8Array
  recovery: number
  pub64: string
}

function signRandom(count: number): Signed[] {
  const out: Signed[] = []
  for (let i = 0; i < count; i++) {
    const sk = secp256k1.utils.randomSecretKey()
    const msgHash = keccak_256(bytes(40, i))
    const sig = secp256k1.Signature.fromBytes(secp256k1.sign(msgHash, sk, { prehash: false, format: 'recovered' }), 'recovered')
    out.push({
      msgHash,
      r: setLengthLeft(bigIntToBytes(sig.r), 32),
      s: setLengthLeft(bigIntToBytes(sig.s), 32),
      recovery: sig.recovery!,
      pub64: bytesToHex(secp256k1.getPublicKey(sk, false).slice(1)),
    })
  }
  return out
}

describe('ecrecover paths', () => {
  const sigs = signRandom(24)
  for (const path of availableCrypto().ecrecover) {
    const { ecrecover } = createHostCrypto({ keccak: 'noble', ecrecover: path })

    it(`${path}: recovers random keys like @ethereumjs/util for v = 0/1, 27/28 and EIP-155`, () => {
      for (const t of sigs) {
        const rec = BigInt(t.recovery)
        for (const [v, chainId] of [
          [rec, undefined],
          [27n + rec, undefined],
          [1n * 2n + 35n + rec, 1n],
          [17000n * 2n + 35n + rec, 17000n],
        ] as [bigint, bigint | undefined][]) {
          const got = ecrecover(t.msgHash, v, t.r, t.s, chainId)
          expect(got.length).toBe(64)
          expect(bytesToHex(got)).toBe(t.pub64)
          expect(bytesToHex(got)).toBe(bytesToHex(utilEcrecover(t.msgHash, v, t.r, t.s, chainId)))
        }
      }
    })

    it(`${path}: accepts unpadded r/s and high-s like util`, () => {
      const t = sigs[0]!
      const rShort = t.r.slice(t.r.findIndex((b) => b !== 0))
      expect(bytesToHex(ecrecover(t.msgHash, 27n + BigInt(t.recovery), rShort, t.s))).toBe(t.pub64)
      // (r, n - s) with the other recovery id yields the same key; the precompile accepts high s.
      const highS = setLengthLeft(bigIntToBytes(N - BigInt(bytesToHex(t.s))), 32)
      const v = 27n + BigInt(1 - t.recovery)
      expect(bytesToHex(ecrecover(t.msgHash, v, t.r, highS))).toBe(bytesToHex(utilEcrecover(t.msgHash, v, t.r, highS)))
    })

    it(`${path}: rejects what util rejects`, () => {
      const t = sigs[1]!
      const zero = new Uint8Array(32)
      const nBytes = setLengthLeft(bigIntToBytes(N), 32)
      const cases: [bigint, Uint8Array, Uint8Array, bigint | undefined][] = [
        [29n, t.r, t.s, undefined], // v neither 27 nor 28
        [27n, t.r, t.s, 5n], // chainId given but v is not EIP-155 for it
        [27n, zero, t.s, undefined], // r = 0
        [27n, t.r, zero, undefined], // s = 0
        [27n, nBytes, t.s, undefined], // r = n
        [27n, t.r, nBytes, undefined], // s = n
      ]
      for (const [v, r, s, chainId] of cases) {
        expect(() => utilEcrecover(t.msgHash, v, r, s, chainId)).toThrow()
        expect(() => ecrecover(t.msgHash, v, r, s, chainId)).toThrow()
      }
    })
  }
})

describe('hostCrypto', () => {
  it('uses the fastest paths available and describes them', () => {
    const hc = hostCrypto()
    const { keccak, ecrecover } = availableCrypto()
    expect(hc.description).toEqual({ keccak: keccak[0], ecrecover: ecrecover[0] })
  })

  it('TESSERA_NATIVE=0 forces the pure JS path with identical results', () => {
    const fast = hostCrypto()
    process.env.TESSERA_NATIVE = '0'
    const js = hostCrypto()
    expect(js.description).toEqual({ keccak: 'noble', ecrecover: 'noble' })
    expect(nativeAddonStatus()).toMatchObject({ loaded: false, reason: expect.stringContaining('TESSERA_NATIVE=0') })
    const t = signRandom(1)[0]!
    const v = 27n + BigInt(t.recovery)
    expect(bytesToHex(js.ecrecover(t.msgHash, v, t.r, t.s))).toBe(bytesToHex(fast.ecrecover(t.msgHash, v, t.r, t.s)))
    expect(bytesToHex(js.keccak256(bytes(300)))).toBe(bytesToHex(fast.keccak256(bytes(300))))
    expect(bytesToHex(js.sha256(bytes(70)))).toBe(bytesToHex(fast.sha256(bytes(70))))
  })

  it('a signed transaction recovers the same sender with hostCrypto as without', () => {
    const sk = hexToBytes('0x4646464646464646464646464646464646464646464646464646464646464646')
    const plain = new Common({ chain: Mainnet, hardfork: 'cancun' })
    const paths = [hostCrypto(), ...availableCrypto().ecrecover.map((e) => createHostCrypto({ keccak: 'noble', ecrecover: e }))]
    const txs = [
      createLegacyTx({ nonce: 9, gasPrice: 20n * 10n ** 9n, gasLimit: 21000, to: '0x3535353535353535353535353535353535353535', value: 10n ** 18n }, { common: plain }).sign(sk),
      createLegacyTx({ nonce: 0, gasPrice: 1, gasLimit: 21000, value: 1 }, { common: new Common({ chain: Mainnet, hardfork: 'tangerineWhistle' }) }).sign(sk),
      createFeeMarket1559Tx({ chainId: 1, nonce: 3, maxFeePerGas: 100, maxPriorityFeePerGas: 2, gasLimit: 50000, data: '0x1234' }, { common: plain }).sign(sk),
    ]
    for (const tx of txs) {
      const expectedSender = tx.getSenderAddress().toString()
      for (const hc of paths) {
        const common = new Common({ chain: Mainnet, hardfork: tx.common.hardfork(), customCrypto: { keccak256: hc.keccak256, ecrecover: hc.ecrecover } })
        const decoded = createTxFromRLP(tx.serialize(), { common })
        expect(decoded.getSenderAddress().toString()).toBe(expectedSender)
        expect(bytesToHex(decoded.hash())).toBe(bytesToHex(tx.hash()))
        expect(decoded.verifySignature()).toBe(true)
      }
    }
    // EIP-155 legacy tx from the spec: sender 0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f
    expect(txs[0]!.getSenderAddress().toString()).toBe('0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f')
  })
})
