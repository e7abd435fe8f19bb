import { paramsBlock } from '@ethereumjs/block'
import { Common, Hoodi, Mainnet } from '@ethereumjs/common'
import { EVM, NobleBN254, paramsEVM } from '@ethereumjs/evm'
import { countCalldataFloorTokens, createFeeMarket1559Tx, createLegacyTx, getCalldataFloorGas, paramsTx } from '@ethereumjs/tx'
import { bytesToBigInt } from '@ethereumjs/util'
import { paramsVM } from '@ethereumjs/vm'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { commonFromChainConfig, genesisChainConfig } from '../guest/chain.js'
import { BlockScopedCommon, EVM_AND_VM_PARAMS } from '../guest/common.js'
import { guestCrypto } from '../guest/crypto.js'
import { decodeBlocks } from '../guest/execute.js'
import { AncestorChain } from '../guest/headers.js'
import { CachedOpcodeTablesEVM } from '../guest/opcodeTables.js'
import { orderedTrieRoot } from '../guest/orderedTrie.js'
import { readCodeLikeTheSpecs } from '../guest/specReads.js'
import { cacheFileToProgramInput, readCacheFile } from '../src/witness/cache.js'
import { HOODI_CACHE, REPO_ROOT } from './support/fixtures.js'

/** Per-transaction and per-step work the guest does once instead (guest/common.ts, guest/headers.ts, util patch). */

const SETS = { paramsTx, paramsBlock, paramsEVM, paramsVM }
const paramNames = (set: object) => [...new Set(Object.values(set).flatMap((eip) => Object.keys(eip as object)))]
/** What `param` answers, or the error's message: unknown parameters must keep throwing. */
const answer = (c: Common, name: string) => {
  try {
    return c.param(name)
  } catch (e) {
    return (e as Error).message
  }
}

afterEach(() => vi.restoreAllMocks())

describe('BlockScopedCommon', () => {
  const configs = [
    ['hoodi', () => ({ chain: Hoodi })],
    ['mainnet', () => ({ chain: Mainnet })],
  ] as const

  it.each(configs)('%s: every EIP flag and every parameter a package asks is the one plain Common answers, on every fork', (_, opts) => {
    // Plain ethereumjs merges each package's set into a dict all copies share (header, then transactions, then
    // EVM and VM): from then on every copy answers all four sets. That is the reference.
    const plainBase = new Common(opts())
    for (const set of [paramsBlock, paramsTx, paramsEVM, paramsVM]) plainBase.copy().updateParams(set)
    const scopedBase = new BlockScopedCommon(opts())
    for (const { name: fork } of plainBase.hardforks()) {
      // The way ethereumjs uses them: each package copies the Common and merges its own set.
      for (const [setName, set] of Object.entries(SETS)) {
        const plain = plainBase.copy()
        plain.setHardfork(fork)
        plain.updateParams(set)
        const scoped = scopedBase.copy()
        scoped.setHardfork(fork)
        scoped.updateParams(set)
        for (const name of paramNames(set)) expect(answer(scoped, name), `${fork} ${setName} ${name}`).toEqual(answer(plain, name))
        for (let eip = 0; eip < 9000; eip++) if (scoped.isActivatedEIP(eip) !== plain.isActivatedEIP(eip)) expect.fail(`${fork} EIP-${eip}`)
      }
    }
  })

  it('the EVM and VM sets disagree on EIP-2935\'s window; the VM\'s value wins as in plain ethereumjs (EVM built first)', () => {
    for (const C of [Common, BlockScopedCommon]) {
      const vmCommon = new C({ chain: Hoodi, hardfork: 'prague' })
      vmCommon.updateParams(paramsEVM)
      vmCommon.updateParams(paramsVM)
      expect(vmCommon.param('historyServeWindow'), C.name).toBe(8191n)
    }
    // The guest's EVM gets the two sets already merged; the VM's merge then changes nothing.
    const guestVm = new BlockScopedCommon({ chain: Hoodi, hardfork: 'prague' }).copy()
    guestVm.updateParams(EVM_AND_VM_PARAMS)
    guestVm.updateParams(paramsVM)
    expect(guestVm.param('historyServeWindow')).toBe(8191n)
    expect(guestVm.param('historyStorageAddress')).toBe(BigInt(paramsVM[2935].historyStorageAddress as string))
  })

  it('the sets it merged at construction are the packages\' own objects (read from their params modules), so ethereumjs\' own merges are skipped', () => {
    const merged = (new BlockScopedCommon({ chain: Hoodi }) as unknown as { mergedParams: Set<unknown> }).mergedParams
    for (const set of [paramsTx, paramsBlock, paramsVM]) expect(merged.has(set)).toBe(true)
    const eips = new Set([...Object.keys(paramsEVM), ...Object.keys(paramsVM)])
    expect(eips.size).toBeGreaterThan(20)
    for (const eip of eips) expect(EVM_AND_VM_PARAMS[eip], `EIP-${eip}`).toEqual({ ...paramsEVM[eip], ...paramsVM[eip] })
    expect(Object.keys(EVM_AND_VM_PARAMS).length).toBe(eips.size)
  })

  it('decoding a block does not rebuild the parameter cache per transaction', async () => {
    const input = cacheFileToProgramInput(await readCacheFile(HOODI_CACHE))
    const rebuilds = (blockScoped: boolean) => {
      const common = commonFromChainConfig(input.chainConfig, guestCrypto(), { blockScoped })
      const spy = vi.spyOn(Common.prototype as unknown as { _buildParamsCache(): void }, '_buildParamsCache')
      const [block] = decodeBlocks(input.blocks, common)
      const n = spy.mock.calls.length
      spy.mockRestore()
      return { n, txs: block.transactions.length }
    }
    const plain = rebuilds(false)
    const scoped = rebuilds(true)
    expect(plain.txs).toBe(11)
    expect(plain.n).toBeGreaterThan(plain.txs) // one per transaction, one per header
    expect(scoped.n).toBeLessThanOrEqual(1) // at most the header's own fork, if it differs from the Common's
  })

  it('a custom chain (genesis config) gets the same parameters through the guest\'s Common', () => {
    const config = genesisChainConfig(1337, 'osaka')
    const plain = commonFromChainConfig(config, {}, { blockScoped: false })
    for (const set of [paramsBlock, paramsTx, paramsEVM, paramsVM]) plain.copy().updateParams(set)
    const scoped = commonFromChainConfig(config, {}, { blockScoped: true })
    expect(scoped).toBeInstanceOf(BlockScopedCommon)
    for (const set of Object.values(SETS)) {
      const p = plain.copy()
      p.updateParams(set)
      const s = scoped.copy()
      s.updateParams(set)
      for (const name of paramNames(set)) expect(answer(s, name), name).toEqual(answer(p, name))
    }
  })
})

describe('witness headers', () => {
  it('hash() of a witness header is keccak256 of its RLP, without encoding the header again', async () => {
    const input = cacheFileToProgramInput(await readCacheFile(HOODI_CACHE))
    let headerKeccaks = 0
    const counting = (b: Uint8Array) => {
      headerKeccaks++
      return keccak_256(b)
    }
    const common = commonFromChainConfig(input.chainConfig, guestCrypto({ keccak256: counting }))
    const blocks = decodeBlocks(input.blocks, common)
    const chain = AncestorChain.fromWitness(input.witness.headers, common, blocks[0].header.parentHash, keccak_256, undefined, blocks.map((b) => b.header))
    expect(input.witness.headers.length).toBeGreaterThan(1)
    const byHash = new Map(input.witness.headers.map((raw) => [Buffer.from(keccak_256(raw)).toString('hex'), raw]))
    for (let n = chain.oldest; n <= chain.parent.number; n++) {
      expect(byHash.has(Buffer.from(chain.header(n, 'test').hash()).toString('hex')), `block ${n}`).toBe(true)
    }
    expect(headerKeccaks).toBe(0) // every hash came from the witness bytes, none from re-encoding
  })
})

describe('util patch: bytesToBigInt', () => {
  const reference = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex')))

  it('gives the same value as parsing the hex for every length, leading zeros and limb boundary', () => {
    const cases: Uint8Array[] = [new Uint8Array(0), new Uint8Array(32), Uint8Array.of(0), Uint8Array.of(255), Uint8Array.of(1, 0), Uint8Array.of(255, 255)]
    for (let len = 1; len <= 40; len++) {
      for (const lead of [0, 1, 5, 6, 7, 31]) {
        if (lead > len) continue
        const max = new Uint8Array(len).fill(255, lead)
        const one = new Uint8Array(len)
        one[len - 1] = 1
        const top = new Uint8Array(len)
        if (lead < len) top[lead] = 0x80
        cases.push(max, one, top)
      }
    }
    let seed = 7
    for (let i = 0; i < 2000; i++) {
      const len = i % 41
      const b = new Uint8Array(len)
      const lead = (i * 13) % (len + 1)
      for (let j = lead; j < len; j++) b[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
      cases.push(b)
    }
    for (const b of cases) {
      expect(bytesToBigInt(b), Buffer.from(b).toString('hex')).toBe(reference(b))
      expect(bytesToBigInt(b, true), 'little-endian ' + Buffer.from(b).toString('hex')).toBe(reference(b.slice().reverse()))
      const view = new Uint8Array(b.length + 3).fill(9).subarray(2, b.length + 2)
      view.set(b)
      expect(bytesToBigInt(view), 'view ' + Buffer.from(b).toString('hex')).toBe(reference(b))
    }
    expect(() => bytesToBigInt([1, 2] as unknown as Uint8Array)).toThrow()
  })
})

describe('tx patch: leanCalldataGas', () => {
  it('is in place (opt-in, plain ethereumjs unchanged without it)', () => {
    for (const f of ['esm/util/intrinsic.js', 'esm/capabilities/legacy.js', 'cjs/util/intrinsic.js', 'cjs/capabilities/legacy.js']) {
      expect(readFileSync(join(REPO_ROOT, 'node_modules/@ethereumjs/tx/dist', f), 'utf8'), f).toContain('leanCalldataGas === true')
    }
  })

  it('data gas, intrinsic gas and the EIP-7623 floor are the same with and without it, on every fork that prices calldata differently', () => {
    let seed = 11
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
    for (const fork of ['istanbul', 'london', 'shanghai', 'prague', 'osaka', 'amsterdam']) {
      const plain = new Common({ chain: Mainnet, hardfork: fork })
      const lean = new Common({ chain: Mainnet, hardfork: fork })
      ;(lean as unknown as { leanCalldataGas: boolean }).leanCalldataGas = true
      for (const len of [0, 1, 2, 31, 32, 33, 1000, 70_000]) {
        const data = Uint8Array.from({ length: len }, () => (next() < 100 ? 0 : next()))
        for (const to of [undefined, '0x' + '11'.repeat(20)]) {
          if (to === undefined && len > 49152 && fork !== 'istanbul' && fork !== 'london') continue // init code limit (EIP-3860)
          const make = (common: Common) =>
            fork === 'istanbul'
              ? createLegacyTx({ data, to, gasLimit: 16_000_000n, gasPrice: 1n }, { common })
              : createFeeMarket1559Tx({ data, to, gasLimit: 16_000_000n, maxFeePerGas: 1n }, { common })
          const [a, b] = [make(plain), make(lean)]
          const what = `${fork} ${len} bytes ${to === undefined ? 'create' : 'call'}`
          expect(b.getDataGas(), what).toBe(a.getDataGas())
          expect(b.getIntrinsicGas(), what).toBe(a.getIntrinsicGas())
          expect(countCalldataFloorTokens(b), what).toBe(countCalldataFloorTokens(a))
          expect(getCalldataFloorGas(b), what).toBe(getCalldataFloorGas(a))
        }
      }
    }
  })
})

describe('CachedOpcodeTablesEVM', () => {
  type Entry = { opcodeInfo: { name: string; fee: number }; opHandler: unknown; gasHandler?: unknown }
  const tables = (evm: EVM) => (evm as unknown as { _opcodeMap: (Entry | undefined)[] })._opcodeMap
  const make = (C: typeof EVM, fork: string, chain = Hoodi) => new C({ common: new BlockScopedCommon({ chain, hardfork: fork }), bn254: new NobleBN254() })

  it('gives every EVM the tables a plain EVM builds, shared descriptions, its own entries', () => {
    for (const fork of ['cancun', 'prague', 'osaka']) {
      const plain = tables(make(EVM, fork))
      const first = make(CachedOpcodeTablesEVM, fork)
      const second = make(CachedOpcodeTablesEVM, fork)
      for (const evm of [first, second]) {
        const t = tables(evm)
        expect(t.length, fork).toBe(plain.length)
        for (let op = 0; op < plain.length; op++) {
          expect(t[op]?.opcodeInfo.name, `${fork} ${op}`).toBe(plain[op]?.opcodeInfo.name)
          expect(t[op]?.opcodeInfo.fee, `${fork} ${op}`).toBe(plain[op]?.opcodeInfo.fee)
          expect(t[op]?.opHandler, `${fork} ${op}`).toBe(plain[op]?.opHandler)
          expect(t[op]?.gasHandler, `${fork} ${op}`).toBe(plain[op]?.gasHandler)
        }
      }
      // Built once: the second EVM reuses the first one's opcode descriptions (a plain EVM makes new ones).
      expect(tables(second)[0x01]!.opcodeInfo).toBe(tables(first)[0x01]!.opcodeInfo)
      expect(tables(make(EVM, fork))[0x01]!.opcodeInfo).not.toBe(plain[0x01]!.opcodeInfo)
      // Handlers the guest installs on one EVM stay on that EVM.
      readCodeLikeTheSpecs(first)
      expect(tables(first)[0x3f]!.opHandler).not.toBe(plain[0x3f]!.opHandler)
      expect(tables(second)[0x3f]!.opHandler).toBe(plain[0x3f]!.opHandler)
      expect(tables(make(CachedOpcodeTablesEVM, fork))[0x3f]!.opHandler).toBe(plain[0x3f]!.opHandler)
    }
  })

  it('follows a fork change like a plain EVM (new tables for the new rules)', () => {
    const evm = make(CachedOpcodeTablesEVM, 'shanghai', Mainnet)
    expect(tables(evm)[0x5e]!.opcodeInfo.name).toBe('INVALID') // MCOPY from Cancun
    evm.common.setHardfork('cancun')
    expect(tables(evm)[0x5e]!.opcodeInfo.name).toBe('MCOPY')
    expect(tables(make(EVM, 'cancun'))[0x5e]!.opcodeInfo.fee).toBe(tables(evm)[0x5e]!.opcodeInfo.fee)
  })
})

describe('orderedTrieRoot', () => {
  it('gives @ethereumjs/mpt\'s root for RLP(index) keys, any count and value sizes (empty values left out as put deletes)', async () => {
    const { MerklePatriciaTrie } = await import('@ethereumjs/mpt')
    const { RLP } = await import('@ethereumjs/rlp')
    let seed = 5
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
    for (const n of [0, 1, 2, 3, 15, 16, 17, 127, 128, 129, 255, 256, 300, 1100]) {
      for (const sizes of [[1, 8], [1, 40], [30, 200]]) {
        const values = Array.from({ length: n }, () => Uint8Array.from({ length: sizes[0] + (next() % (sizes[1] - sizes[0] + 1)) }, next))
        if (n > 5) values[3] = new Uint8Array(0)
        const trie = new MerklePatriciaTrie()
        for (const [i, v] of values.entries()) await trie.put(RLP.encode(i), v)
        expect(Buffer.from(orderedTrieRoot(values, keccak_256)).toString('hex'), `${n} values of ${sizes}`).toBe(Buffer.from(trie.root()).toString('hex'))
      }
    }
  })
})

describe('orderedTries (block and vm patches)', () => {
  it('checks the transaction and withdrawal tries and builds the receipts root without one trie put per item, same verdict', async () => {
    const { MerklePatriciaTrie } = await import('@ethereumjs/mpt')
    const { executeStateless } = await import('../guest/execute.js')
    const input = cacheFileToProgramInput(await readCacheFile(HOODI_CACHE))
    const run = async (orderedTries: boolean) => {
      const spy = vi.spyOn(MerklePatriciaTrie.prototype, 'put')
      const out = await executeStateless(input, { tuning: { orderedTries } })
      const puts = spy.mock.calls.length
      spy.mockRestore()
      return { root: Buffer.from(out.finalStateRoot).toString('hex'), puts }
    }
    const plain = await run(false)
    const ordered = await run(true)
    expect(ordered.root).toBe(plain.root)
    expect(plain.puts).toBeGreaterThanOrEqual(38) // 11 transactions, 11 receipts, 16 withdrawals
    expect(ordered.puts).toBe(0)
  }, 60_000)

  it('the block and vm patches are in place (opt-in through the Common, plain ethereumjs unchanged without it)', () => {
    for (const f of ['node_modules/@ethereumjs/vm/dist/esm/runBlock.js', 'node_modules/@ethereumjs/vm/dist/cjs/runBlock.js', 'node_modules/@ethereumjs/block/dist/esm/block/block.js', 'node_modules/@ethereumjs/block/dist/cjs/block/block.js']) {
      expect(readFileSync(join(REPO_ROOT, f), 'utf8'), f).toContain('common.orderedTrieRoot')
    }
  })
})
