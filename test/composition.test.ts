import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeStateless } from '../guest/execute.js'
import { BlockInvalid } from '../guest/errors.js'
import { transactionKind } from '../guest/observer.js'
import type { ProgramInput } from '../guest/types.js'
import { compositionSvg } from '../src/composition/chart.js'
import { composeBlocks, KIND_LABELS, topTallies, TRANSACTION_KINDS, type BlockComposition } from '../src/composition/compose.js'
import { createBlockFromRLP } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import { commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto } from '../guest/crypto.js'
import { compositionCsv } from '../src/composition/table.js'
import { cacheFileToProgramInput, readCacheFile, type CacheFile } from '../src/witness/cache.js'
import { DEVNET_DIR, HOODI_CACHE, REPO_ROOT } from './support/fixtures.js'

const devnet = (name: string) => join(DEVNET_DIR, name)
const headerGas = (cache: CacheFile) => cache.blocks.map((b) => BigInt(b.header.gasUsed as string))
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n)

describe('transaction kinds', () => {
  it('privileged and blob by type first, then create, call (code ran) or transfer', () => {
    expect(transactionKind(0x7e, false, true)).toBe('privileged')
    expect(transactionKind(3, false, false)).toBe('blob')
    expect(transactionKind(2, true, true)).toBe('create')
    expect(transactionKind(0, false, true)).toBe('call')
    expect(transactionKind(1, false, false)).toBe('transfer')
  })
})

describe('block composition measured by the guest', () => {
  let devnetCache: CacheFile
  let devnetInput: ProgramInput
  let devnetBlocks: BlockComposition[]
  let hoodi: BlockComposition[]
  let hoodiCache: CacheFile
  beforeAll(async () => {
    devnetCache = await readCacheFile(devnet('cache_chain1337_4-6.json'))
    devnetInput = cacheFileToProgramInput(devnetCache)
    devnetBlocks = await composeBlocks(devnetInput)
    hoodiCache = await readCacheFile(HOODI_CACHE)
    hoodi = await composeBlocks(cacheFileToProgramInput(hoodiCache))
  }, 120_000)

  it('splits every block’s gas exactly: kinds and types each add up to the header’s gasUsed', () => {
    for (const [blocks, cache] of [
      [devnetBlocks, devnetCache],
      [hoodi, hoodiCache],
    ] as const) {
      expect(blocks.map((b) => b.gasUsed)).toEqual(headerGas(cache))
      for (const b of blocks) {
        expect(sum(TRANSACTION_KINDS.map((k) => b.gasByKind[k]))).toBe(b.gasUsed)
        expect(sum(Object.values(b.gasByType))).toBe(b.gasUsed)
        expect(TRANSACTION_KINDS.reduce((n, k) => n + b.transactionsByKind[k], 0)).toBe(b.transactions)
      }
    }
  })

  it('classifies the devnet’s traffic as scripts/make-devnet.ts builds it', () => {
    // Block 4: three plain transfers (types 0, 1, 2), three store-contract writes, one clear, one BLOCKHASH
    // contract call, one blob transaction; no precompile calls.
    const b4 = devnetBlocks[0]
    expect(b4.number).toBe(4n)
    expect(b4.transactionsByKind).toEqual({ transfer: 3, call: 5, create: 0, privileged: 0, blob: 1 })
    expect(Object.keys(b4.gasByType).sort()).toEqual(['EIP-1559 (2)', 'EIP-2930 (1)', 'EIP-4844 (3)', 'legacy (0)'])
    expect(b4.gasByType['legacy (0)']).toBe(21000n)
    expect(b4.gasByKind.blob).toBe(21000n)
    expect(b4.precompileCalls).toBe(0)
  })

  it('counts precompile calls in the Hoodi block (zk-proof verifying transactions)', () => {
    const [b] = hoodi
    expect(b.precompileCalls).toBeGreaterThan(0)
    expect(b.precompileGas).toBeGreaterThan(0n)
    expect(b.precompileCallShare).toBeCloseTo(b.precompileCalls / b.calls, 12)
    expect(b.calls).toBeGreaterThan(b.transactions)
  })

  it('the observer changes nothing in the execution’s result', async () => {
    const { stats: _a, ...plain } = await executeStateless(devnetInput)
    const { stats: _b, ...observed } = await executeStateless(devnetInput, { observer: { onTransaction() {} } })
    expect(observed).toEqual(plain)
  })

  it('a block that does not verify is an error, not a chart', async () => {
    const bad = structuredClone(devnetCache)
    const last = bad.blocks.length - 1
    bad.blocks[last].header.gasUsed = '0x1'
    delete bad.blocks[last].header.hash
    await expect(composeBlocks(cacheFileToProgramInput(bad))).rejects.toBeInstanceOf(BlockInvalid)
    await expect(composeBlocks(cacheFileToProgramInput(bad))).rejects.toThrow(/gas used/)
  })

  it('draws one stacked segment per (block, kind) with gas, in the kind’s colour, heights proportional to gas', async () => {
    const svg = await compositionSvg(devnetBlocks, { network: 'chain 1337' })
    expect(svg).toMatch(/^<\?xml/)
    // The legend names the kinds present, not all five.
    for (const k of TRANSACTION_KINDS) {
      const present = devnetBlocks.some((b) => b.gasByKind[k] > 0n)
      expect(svg.includes(`>${KIND_LABELS[k]}<`), k).toBe(present)
    }
    expect(svg).toContain('Block composition, blocks 4–6 (chain 1337)')
    expect(svg).toContain("Y-axis titled 'gas used (Mgas)'")
    const kindPanel = svg.slice(svg.indexOf('concat_0_marks'), svg.indexOf('</g>', svg.indexOf('concat_0_marks')))
    const bars = [...kindPanel.matchAll(/aria-label="block: (\d+);[^"]*kind: ([^;]+);[^"]*" [^>]*d="M[\d.]+,[\d.]+h[\d.]+v([\d.]+)h/g)]
    const expected = devnetBlocks.flatMap((b) => TRANSACTION_KINDS.filter((k) => b.gasByKind[k] > 0n).map((k) => ({ block: String(b.number), kind: KIND_LABELS[k], gas: b.gasByKind[k] })))
    expect(bars.map((m) => `${m[1]} ${m[2]}`).sort()).toEqual(expected.map((e) => `${e.block} ${e.kind}`).sort())
    const pxPerGas = bars.map((m) => Number(m[3]) / Number(expected.find((e) => e.block === m[1] && e.kind === m[2])!.gas))
    for (const r of pxPerGas) expect(r).toBeCloseTo(pxPerGas[0], 6)
  })

  it('selectors and destinations: tallied per transaction as the envelopes say, ranked over the blocks', async () => {
    // Independent decode of the same blocks with @ethereumjs/block.
    const common = commonFromChainConfig(devnetInput.chainConfig, guestCrypto())
    const expected = new Map<string, number>()
    const expectedSelectors = new Map<string, number>()
    for (const raw of devnetInput.blocks) {
      for (const tx of createBlockFromRLP(raw, { common, setHardfork: true }).transactions) {
        if (tx.to === undefined) continue
        const to = tx.to.toString()
        expected.set(to, (expected.get(to) ?? 0) + 1)
        if (tx.data.length >= 4) {
          const sel = bytesToHex(tx.data.subarray(0, 4))
          expectedSelectors.set(sel, (expectedSelectors.get(sel) ?? 0) + 1)
        }
      }
    }
    const dest = topTallies(devnetBlocks, 'destinations', 'count', 1000)
    expect(new Map(dest.map(([k, t]) => [k, t.count]))).toEqual(expected)
    expect(new Map(topTallies(devnetBlocks, 'selectors', 'count', 1000).map(([k, t]) => [k, t.count]))).toEqual(expectedSelectors)
    // Ranked largest first; gas adds up to what the guest measured for those transactions.
    expect(dest.map(([, t]) => t.count)).toEqual([...dest.map(([, t]) => t.count)].sort((a, b) => b - a))
    const byGas = topTallies(hoodi, 'selectors', 'gas')
    expect(byGas.map(([, t]) => t.gas)).toEqual([...byGas.map(([, t]) => t.gas)].sort((a, b) => (b > a ? 1 : -1)))
    expect(byGas[0]).toEqual(['0x96051d56', { count: 5, gas: 4203955n }])
    const svg = await compositionSvg(hoodi, { network: 'Hoodi' })
    for (const title of ['Top 10 selectors by number of calls', 'Top 10 selectors by gas used', 'Top 10 destinations by number of transactions']) expect(svg).toContain(title)
  })

  it('one block fills the image: the panels are at least half its width', async () => {
    const svg = await compositionSvg(hoodi, { network: 'Hoodi' })
    const imageWidth = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1])
    const kindPanel = svg.slice(svg.indexOf('concat_0_group'))
    const panelWidth = Number(/<path class="background"[^>]*d="M0\.5,0\.5h(\d+)/.exec(kindPanel)![1])
    expect(panelWidth / imageWidth).toBeGreaterThan(0.5)
  })

  it('CSV: one row per block, columns for every kind and type', () => {
    const lines = compositionCsv(devnetBlocks).trim().split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^block,transactions,gas_used,gas_transfer,gas_call,gas_create,gas_privileged,gas_blob,/)
    expect(lines[1].split(',')[2]).toBe(String(devnetBlocks[0].gasUsed))
  })
})

describe('tessera block-composition (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-composition-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('--cache FILE... with --from/--to picks blocks across files and writes SVG, JSON and CSV', async () => {
    const out = join(dir, 'chart.svg')
    const json = join(dir, 'c.json')
    const { stdout } = await tessera(['block-composition', '--cache', devnet('cache_chain1337_1-3.json'), devnet('cache_chain1337_4-6.json'), '--from', '2', '--to', '5', '--out', out, '--json', json, '--csv', join(dir, 'c.csv')])
    expect(stdout).toMatch(/^block +txs +gas +transfer +call +create +privileged +blob +precompile calls/m)
    expect(JSON.parse(readFileSync(json, 'utf8')).blocks.map((b: { number: number }) => b.number)).toEqual([2, 3, 4, 5])
    expect(readFileSync(out, 'utf8')).toContain('Block composition, blocks 2–5 (chain 1337)')
    expect(stdout).toMatch(/top selectors by calls:\n +1\. 0x[0-9a-f]{8}/)
    expect(stdout).toMatch(/top destinations by transactions:\n +1\. 0x[0-9a-f]{40} +\d+ txs/)
    const report = JSON.parse(readFileSync(json, 'utf8'))
    expect(report.network).toBe('chain 1337')
    expect(report.topDestinations[0]).toMatchObject({ key: expect.stringMatching(/^0x[0-9a-f]{40}$/), count: expect.any(Number) })
  }, 60_000)

  it('block-composition 5 --cached --network 1337 --cache-dir: one block by number from the cache files', async () => {
    const json = join(dir, 'five.json')
    await tessera(['block-composition', '5', '--cached', '--network', '1337', '--cache-dir', DEVNET_DIR, '--output-dir', join(dir, 'charts'), '--json', json])
    expect(JSON.parse(readFileSync(json, 'utf8')).blocks.map((b: { number: number }) => b.number)).toEqual([5])
    expect(readFileSync(join(dir, 'charts', 'block-composition.svg'), 'utf8')).toContain('Block composition, block 5 (chain 1337)')
  }, 60_000)

  it('refuses inputs of different networks', async () => {
    const other = join(dir, 'cache_chain1338_7.json')
    const cache = JSON.parse(readFileSync(devnet('cache_chain1337_4-6.json'), 'utf8'))
    cache.network = { ...cache.network, chainId: 1338 }
    await import('node:fs/promises').then((fs) => fs.writeFile(other, JSON.stringify(cache)))
    await expect(tessera(['block-composition', '--cache', devnet('cache_chain1337_1-3.json'), other])).rejects.toMatchObject({
      stderr: expect.stringMatching(/cache_chain1338_7\.json is chain 1338 \(chain id 1338\) but .*cache_chain1337_1-3\.json is chain 1337 \(chain id 1337\)\nhint: one chart shows blocks of one network/),
    })
  }, 60_000)

  it('clear errors: no data source, both sources, a range outside the files, a tampered file', async () => {
    const tampered = join(dir, 'cache_chain1337_1-3.json')
    const cache = JSON.parse(readFileSync(devnet('cache_chain1337_1-3.json'), 'utf8'))
    cache.blocks[0].header.stateRoot = `0x${'11'.repeat(32)}`
    await import('node:fs/promises').then((fs) => fs.writeFile(tampered, JSON.stringify(cache)))
    await Promise.all([
      expect(tessera(['block-composition', '--from', '1'])).rejects.toMatchObject({ stderr: expect.stringMatching(/needs a data source: --rpc-url URL or --cache FILE/) }),
      expect(tessera(['block-composition', '--cache', tampered, '--rpc-url', 'http://127.0.0.1:1'])).rejects.toMatchObject({ stderr: expect.stringMatching(/either --rpc-url or --cache/) }),
      expect(tessera(['block-composition', '--cache', devnet('cache_chain1337_1-3.json'), '--from', '7'])).rejects.toMatchObject({ stderr: expect.stringMatching(/no block of the cache files is in 7\.\.7/) }),
      expect(tessera(['block-composition', '--cache', tampered])).rejects.toMatchObject({ stderr: expect.stringMatching(/cache_chain1337_1-3\.json: .*(state root|hash)/i) }),
    ])
  }, 60_000)
})

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')
function tessera(args: string[]) {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmpdir() })
}
