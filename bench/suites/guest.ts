import { createBlockFromBytesArray, createBlockFromRLP, type Block, type BlockBytes, type BlockHeader } from '@ethereumjs/block'
import { Blockchain, createBlockchain } from '@ethereumjs/blockchain'
import type { Common } from '@ethereumjs/common'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { MapDB, ValueEncoding, bytesToHex } from '@ethereumjs/util'
import { createVM, runBlock } from '@ethereumjs/vm'
import { fileURLToPath } from 'node:url'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { executeStateless, type ExecuteOptions } from '../../guest/execute.js'
import { hostCrypto, nativeAllowed } from '../../src/crypto/index.js'
import { hostGuestOptions } from '../../src/crypto/guestOptions.js'
import type { BenchSuite, Measurement, Ratio, SuiteResult } from '../types.js'
import { describeBlockSet, loadBlockSet, type BlockSetEntry, type BlockSetOptions, type EntrySource } from './blockset.js'

/**
 * Guest execution throughput, single thread, in Mgas/s over the fixed block set (bench/suites/blockset.ts),
 * three ways measured side by side in one run, block by block interleaved:
 *  - guest-native: executeStateless with the host's fastest crypto (native addon / npm secp256k1 / hash-wasm) and
 *    the rustbn-wasm BN254 precompiles (src/crypto/guestOptions.ts);
 *  - guest-js:     executeStateless with no host crypto (noble keccak and secp256k1);
 *  - stateful-vm:  plain @ethereumjs/vm, what a TS user would pick instead: MerkleStateManager over an
 *                  in-memory MapDB holding the full pre-state, @ethereumjs/blockchain holding the ancestors
 *                  (runBlock validates the header against its parent through it), runBlock with full block
 *                  validation (header, body, gas used, receipts root, bloom, state root), default noble crypto.
 * Timed: decoding the blocks, building the executor, executing and validating. Not timed: loading fixtures,
 * recording witnesses, copying the pre-state map and building the blockchain object for the stateful run.
 * The guest's timing includes hashing the witness into its node store: that is part of its job.
 */

export type Engine = 'guest-native' | 'guest-js' | 'stateful-vm'
const ENGINES: Engine[] = ['guest-native', 'guest-js', 'stateful-vm']

export interface GuestSuiteOptions extends BlockSetOptions {
  /** Timed passes over the set (default 2, quick 1). */
  rounds?: number
  /** Untimed warm-up pass over the light batches of the set (default true; quick: first entry only). */
  fullWarmup?: boolean
}

/** Measurement plus the raw totals behind it. */
type GuestMeasurement = Measurement & { gas: number; seconds: number; blocks: number }

interface StatefulSetup {
  common: Common
  blockchain: Blockchain | HeaderChain
  parentStateRoot: Uint8Array
  /** How headers are validated against their parents in the stateful run. */
  validation: 'blockchain' | 'blockchain.validateHeader over the witness headers'
}

/** The part of @ethereumjs/blockchain runBlock uses, over headers that do not reach back to genesis. */
interface HeaderChain {
  getBlock(id: number | bigint | Uint8Array): Promise<{ hash(): Uint8Array; header: BlockHeader }>
  validateHeader(header: BlockHeader): Promise<void>
  putBlock(): Promise<void>
  shallowCopy(): HeaderChain
}

/** A body-less block for a header (ancestors only serve BLOCKHASH and parent lookups). */
function headerBlock(header: BlockHeader, common: Common): Block {
  const values: unknown[] = [header.raw(), [], []]
  if (header.withdrawalsRoot !== undefined) values.push([])
  return createBlockFromBytesArray(values as BlockBytes, { common, setHardfork: true })
}

/**
 * @ethereumjs/blockchain needs a chain from genesis (block 0). For a mid-chain batch (the Hoodi block) the
 * witness holds only the recent ancestors, so the headers are served from a map and validated by
 * Blockchain's own validateHeader code, run with those headers as its parent lookup.
 */
function headerChain(headers: BlockHeader[], common: Common): HeaderChain {
  const byHash = new Map(headers.map((h) => [bytesToHex(h.hash()), h]))
  const byNumber = new Map(headers.map((h) => [h.number, h]))
  const lookup = (id: number | bigint | Uint8Array): BlockHeader => {
    const h = id instanceof Uint8Array ? byHash.get(bytesToHex(id)) : byNumber.get(BigInt(id))
    if (h === undefined) throw new Error(`header ${id instanceof Uint8Array ? bytesToHex(id) : id} not available`)
    return h
  }
  const shim = { common, consensus: undefined, _getHeader: async (hash: Uint8Array) => lookup(hash) }
  const chain: HeaderChain = {
    async getBlock(id) {
      const header = lookup(id)
      return { hash: () => header.hash(), header }
    },
    validateHeader: (header) => Blockchain.prototype.validateHeader.call(shim as unknown as Blockchain, header),
    async putBlock() {},
    shallowCopy: () => chain,
  }
  return chain
}

async function prepareStateful(entry: BlockSetEntry): Promise<StatefulSetup> {
  // Out-of-the-box crypto: nothing but the KZG setup ethereumjs requires for blob transactions.
  const common = commonFromChainConfig(entry.input.chainConfig, guestCrypto())
  const blocks = entry.input.blocks.map((raw) => createBlockFromRLP(raw, { common, setHardfork: true }))
  const parentStateRoot = entry.ancestors[entry.ancestors.length - 1]!.stateRoot
  const [first, ...rest] = entry.ancestors
  if (first!.number !== 0n) {
    return { common, blockchain: headerChain([...entry.ancestors, ...blocks.map((b) => b.header)], common), parentStateRoot, validation: 'blockchain.validateHeader over the witness headers' }
  }
  const blockchain = await createBlockchain({ common, genesisBlock: headerBlock(first!, common), validateBlocks: false, validateConsensus: false })
  for (const h of rest) await blockchain.putBlock(headerBlock(h, common))
  for (const b of blocks) await blockchain.putBlock(b)
  return { common, blockchain, parentStateRoot, validation: 'blockchain' }
}

async function runStateful(entry: BlockSetEntry, setup: StatefulSetup, state: Map<string, Uint8Array>): Promise<bigint> {
  const { common, blockchain } = setup
  const blocks = entry.input.blocks.map((raw) => createBlockFromRLP(raw, { common, setHardfork: true }))
  const trie = new MerklePatriciaTrie({ db: new MapDB<string, Uint8Array>(state), valueEncoding: ValueEncoding.Bytes, useKeyHashing: true, common })
  trie.root(setup.parentStateRoot)
  const stateManager = new MerkleStateManager({ common, trie, caches: new Caches() })
  const vm = await createVM({ common: common.copy(), stateManager, blockchain: blockchain as Blockchain, setHardfork: true })
  let gas = 0n
  // skipBlockValidation left false: gas limit, blockchain.validateHeader (parent, timestamp, gas limit, base
  // fee, blob gas), block.validateData, then receipts root / bloom / gas used / state root after execution.
  for (const block of blocks) gas += (await runBlock(vm, { block, setHardfork: true })).gasUsed
  return gas
}

async function runGuest(entry: BlockSetEntry, opts: ExecuteOptions): Promise<bigint> {
  const out = await executeStateless(entry.input, opts)
  return out.stats.gasUsed
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** 95% relative margin of error of the mean, in percent (0 for one sample). */
function rme(xs: number[]): number {
  if (xs.length < 2) return 0
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1))
  return Number(((1.96 * sd) / Math.sqrt(xs.length) / mean * 100).toFixed(2))
}

export function createGuestSuite(options: GuestSuiteOptions = {}): BenchSuite {
  return {
    name: 'guest',
    description: 'guest execution Mgas/s, single thread: stateless guest (native crypto, JS crypto) vs plain stateful @ethereumjs/vm',
    async run(opts): Promise<SuiteResult> {
      const setOpts: BlockSetOptions = { sources: options.sources, maxEntries: options.maxEntries ?? (opts.quick ? 12 : undefined), log: opts.log }
      const started = performance.now()
      const entries = await loadBlockSet(setOpts)
      const setups = new Map<BlockSetEntry, StatefulSetup>()
      for (const e of entries) setups.set(e, await prepareStateful(e))
      const viaHeaders = entries.filter((e) => setups.get(e)!.validation !== 'blockchain').map((e) => e.label)
      opts.log(`  block set: ${describeBlockSet(entries)} (built in ${((performance.now() - started) / 1000).toFixed(1)} s, not timed)`)
      const native = await hostGuestOptions()
      const notes: string[] = [
        `block set: ${describeBlockSet(entries)}`,
        `guest-native crypto: keccak ${hostCrypto().description.keccak}, ecrecover ${hostCrypto().description.ecrecover}${nativeAllowed() ? '' : ' (TESSERA_NATIVE=0: same as guest-js)'}`,
        'stateful-vm: @ethereumjs/vm runBlock with block validation on, header validated against its parent by @ethereumjs/blockchain (ancestors loaded untimed), MerkleStateManager + Caches over a MapDB copy of the pre-state, default noble crypto',
        ...(viaHeaders.length > 0
          ? [`stateful-vm on ${viaHeaders.join(', ')}: ancestors do not reach genesis, so a Blockchain cannot be built; Blockchain.prototype.validateHeader runs over the witness headers instead (same checks)`]
          : []),
        'stateful-vm pre-state: EF cases = every node of the case\'s pre alloc; Hoodi/devnet = the witness nodes (a partial trie that covers the blocks)',
      ]
      const run = async (engine: Engine, entry: BlockSetEntry): Promise<number> => {
        let state: Map<string, Uint8Array> | undefined
        if (engine === 'stateful-vm') state = new Map(entry.preState)
        const t = performance.now()
        const gas =
          engine === 'guest-native' ? await runGuest(entry, native) : engine === 'guest-js' ? await runGuest(entry, {}) : await runStateful(entry, setups.get(entry)!, state!)
        const ms = performance.now() - t
        if (gas !== entry.gas) throw new Error(`${engine} on ${entry.label}: gas used ${gas} != ${entry.gas}`)
        return ms
      }
      // Warm-up (JIT, KZG setup, module caches): every engine over the light batches (< 5 Mgas), or only the
      // first batch in quick runs.
      const fullWarmup = options.fullWarmup ?? !opts.quick
      for (const entry of fullWarmup ? entries.filter((e) => e.gas < 5_000_000n) : entries.slice(0, 1)) for (const engine of ENGINES) await run(engine, entry)
      const rounds = options.rounds ?? (opts.quick ? 1 : 2)
      // ms[engine][round][entry]
      const ms: Record<Engine, number[][]> = { 'guest-native': [], 'guest-js': [], 'stateful-vm': [] }
      for (let r = 0; r < rounds; r++) {
        for (const engine of ENGINES) ms[engine].push([])
        for (const [i, entry] of entries.entries()) {
          // Rotate the engine order per entry and round so no engine always runs right after another.
          const order = ENGINES.map((_, k) => ENGINES[(k + i + r) % ENGINES.length]!)
          for (const engine of order) ms[engine][r]!.push(await run(engine, entry))
        }
        const sum = (e: Engine) => ms[e][r]!.reduce((a, b) => a + b, 0) / 1000
        opts.log(`  round ${r + 1}/${rounds}: ${ENGINES.map((e) => `${e} ${sum(e).toFixed(2)} s`).join(', ')}`)
      }
      const measurements: GuestMeasurement[] = []
      const ratios: Ratio[] = []
      const groups: [string, (e: BlockSetEntry) => boolean][] = [
        ['guest all blocks', () => true],
        ...(['hoodi', 'devnet', 'ef'] as EntrySource[])
          .filter((s) => entries.some((e) => e.source === s))
          .map((s): [string, (e: BlockSetEntry) => boolean] => [`guest ${s}`, (e) => e.source === s]),
      ]
      for (const [group, pick] of groups) {
        const idx = entries.map((e, i) => (pick(e) ? i : -1)).filter((i) => i >= 0)
        const gas = idx.reduce((g, i) => g + Number(entries[i]!.gas), 0)
        const blocks = idx.reduce((n, i) => n + entries[i]!.blocks, 0)
        const value: Record<string, number> = {}
        for (const engine of ENGINES) {
          const perRound = ms[engine].map((round) => idx.reduce((s, i) => s + round[i]!, 0) / 1000)
          const seconds = median(perRound)
          value[engine] = gas / 1e6 / seconds
          const rates = perRound.map((s) => gas / 1e6 / s)
          measurements.push({ group, name: engine, value: value[engine]!, unit: 'Mgas/s', samples: rounds, rme: rme(rates), gas, seconds: Number(seconds.toFixed(4)), blocks })
          opts.log(`  ${group.padEnd(18)} ${engine.padEnd(13)} ${(gas / 1e6).toFixed(1).padStart(7)} Mgas ${seconds.toFixed(2).padStart(7)} s ${value[engine]!.toFixed(2).padStart(7)} Mgas/s`)
        }
        const ratio = (name: Engine, baseline: Engine) => ratios.push({ group, name, baseline, ratio: Number((value[name]! / value[baseline]!).toFixed(2)) })
        ratio('guest-native', 'stateful-vm')
        ratio('guest-native', 'guest-js')
        ratio('guest-js', 'stateful-vm')
      }
      const headline = ratios.find((r) => r.group === 'guest all blocks' && r.name === 'guest-native' && r.baseline === 'stateful-vm')!
      notes.push(
        `issue 5 target (guest single-worker >= 2x stateful @ethereumjs/vm): ${headline.ratio >= 2 ? 'MET' : 'NOT met'} in this run (x${headline.ratio.toFixed(2)} over all blocks)`,
        `${rounds} timed round(s) over the set, median per engine; per-block interleaved; single thread; noisy shared machine: treat ratios as ±15%`,
      )
      return { suite: 'guest', measurements, ratios, notes }
    },
  }
}

export const guestSuite: BenchSuite = createGuestSuite()

// Standalone: node dist/bench/suites/guest.js [--quick] > guest.json
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick')
  guestSuite.run({ quick, timeMs: 1000, log: (l) => console.error(l) }).then((r) => console.log(JSON.stringify(r, null, 2)))
}
