import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closestOption } from '../src/cli/args.js'
import { BlockListInvalid, consecutiveRuns, parseBlockList } from '../src/cli/blockList.js'
import { ethProofsBlock } from '../src/cli/commands/replay.js'
import { startL1DevnetNode, type L1DevnetNode } from './support/l1DevnetRpc.js'

describe('--blocks list parser', () => {
  it('reads numbers and ranges, in ascending order', () => {
    expect(parseBlockList('1,5,9')).toEqual([1n, 5n, 9n])
    expect(parseBlockList('1, 3-5 ,9')).toEqual([1n, 3n, 4n, 5n, 9n])
    expect(parseBlockList('0x10')).toEqual([16n])
  })

  it('refuses a list out of order instead of re-sorting it', () => {
    expect(() => parseBlockList('5,3')).toThrow(/block 3 comes after 5: write the list in ascending order \(as 3,5\)/)
    expect(() => parseBlockList('9, 3-5 ,1')).toThrow(/block 3 comes after 9/)
    expect(() => parseBlockList('3-5,4')).toThrow(/block 4 is named twice/)
  })

  it('unknown flags get the closest known one; --only-eth-proofs-blocks picks multiples of 100', () => {
    expect(closestOption('wrokers', ['workers', 'rpc-url', 'json'])).toBe('workers')
    expect(closestOption('rpc', ['workers', 'rpc-url', 'json'])).toBe('rpc-url')
    expect(closestOption('zzzzzz', ['workers', 'rpc-url', 'json'])).toBeUndefined()
    expect([1n, 100n, 101n, 199n, 200n].map(ethProofsBlock)).toEqual([100n, 100n, 200n, 200n, 200n])
  })

  it.each([
    ['', /empty list/],
    ['1,,2', /empty item/],
    ['1,', /empty item/],
    ['1,a', /'a' is not a block number/],
    ['5-3', /range 5-3 goes backwards/],
    ['0,1', /block 0/],
    ['2,2', /block 2 is named twice/],
    ['1-3,3', /block 3 is named twice/],
    ['1-99999999999', /more than 100000 blocks/],
    ['-1', /'' is not a block number/],
  ])('refuses %j', (input, message) => {
    expect(() => parseBlockList(input)).toThrow(BlockListInvalid)
    expect(() => parseBlockList(input)).toThrow(message)
  })

  it('groups consecutive blocks into runs', () => {
    expect(consecutiveRuns([1n, 2n, 3n, 7n, 9n, 10n])).toEqual([[1n, 2n, 3n], [7n], [9n, 10n]])
  })
})

describe('replay/cache/block-composition with block lists, against a scripted node serving devnet blocks', () => {
  let node: L1DevnetNode
  let dir: string
  beforeAll(async () => {
    node = await startL1DevnetNode(5, 5, 'mixed')
    dir = mkdtempSync(join(tmpdir(), 'tessera-lists-'))
  }, 180_000)
  afterAll(async () => {
    await node?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('replay blocks --blocks 1,3-4 replays exactly those blocks, statelessly, from debug_executionWitness', async () => {
    const json = join(dir, 'replay.json')
    const { stdout } = await tessera(['replay', 'blocks', '--blocks', '1,3-4', '--rpc-url', node.url, '--workers', '1', '--json', json])
    expect(stdout).toMatch(/\| blocks +\| 3 +\|/)
    const report = JSON.parse(readFileSync(json, 'utf8'))
    expect(report.blocks.map((b: { first: string }) => b.first)).toEqual(['1', '3', '4'])
    expect(report.blocks.every((b: { ok: boolean; witnessSource: string }) => b.ok && b.witnessSource === 'debug_executionWitness')).toBe(true)
  }, 120_000)

  it('refuses blocks above the head, malformed lists and a list mixed with --from', async () => {
    // Independent CLI runs: in parallel to keep the test short.
    await Promise.all([
      expect(tessera(['replay', 'blocks', '--blocks', '2,9', '--rpc-url', node.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/block 9 is above the node's head 5/) }),
      expect(tessera(['replay', 'blocks', '--blocks', '2,x', '--rpc-url', node.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/blocks '2,x': 'x' is not a block number/) }),
      expect(tessera(['replay', 'blocks', '--blocks', '2', '--from', '1', '--rpc-url', node.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/cannot be combined with --from/) }),
      expect(tessera(['cache', 'blocks', '--blocks', '3,3', '--rpc-url', node.url, '--cache-dir', dir])).rejects.toMatchObject({ stderr: expect.stringMatching(/block 3 is named twice/) }),
    ])
  }, 60_000)

  it('cache blocks --blocks 1,2,4 writes one file per run of consecutive blocks, and replay file accepts them', async () => {
    const out = join(dir, 'cache')
    await tessera(['cache', 'blocks', '--blocks', '1,2,4', '--rpc-url', node.url, '--cache-dir', out])
    expect(readdirSync(out).sort()).toEqual(['cache_chain1337_1-2.json', 'cache_chain1337_4.json'])
    const { stdout } = await tessera(['replay', 'file', join(out, 'cache_chain1337_1-2.json'), join(out, 'cache_chain1337_4.json'), '--workers', '1'])
    expect(stdout).toMatch(/blocks 1-2: ok/)
    expect(stdout).toMatch(/block 4: ok/)
  }, 120_000)

  it('block-composition --blocks 2,3 --rpc-url: JSON and CSV agree with the blocks served', async () => {
    const json = join(dir, 'comp.json')
    const csv = join(dir, 'comp.csv')
    const svg = join(dir, 'comp.svg')
    await tessera(['block-composition', '--blocks', '2,3', '--rpc-url', node.url, '--out', svg, '--json', json, '--csv', csv])
    const report = JSON.parse(readFileSync(json, 'utf8'))
    expect(report.blocks.map((b: { number: number }) => b.number)).toEqual([2, 3])
    for (const b of report.blocks) {
      const served = node.perBlock[b.number - 1].blocks[0]
      expect(b.gasUsed).toBe(String(BigInt(served.header.gasUsed as string)))
      expect(b.transactions).toBe(served.body.transactions.length)
      // Mixed traffic: one DevWork call per five transactions reaches ecrecover, identity and sha256.
      expect(b.precompileCalls).toBe(3)
      expect(b.transactionsByKind.create).toBe(1)
    }
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(3)
    expect(readFileSync(svg, 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*Block composition, blocks 2–3/)
  }, 120_000)
})

describe('ethrex-replay habits against the scripted devnet node', () => {
  let node: L1DevnetNode
  let dir: string
  let chainId: number
  let txs: { hash: string; block: number; index: number; nonce: bigint }[]
  beforeAll(async () => {
    txs = []
    node = await startL1DevnetNode(5, 5, 'mixed', {
      eth_getTransactionByHash: ([hash]) => {
        const t = txs.find((x) => x.hash === String(hash).toLowerCase())
        return t === undefined ? null : { hash: t.hash, blockNumber: `0x${t.block.toString(16)}`, transactionIndex: `0x${t.index.toString(16)}` }
      },
    })
    for (const [i, cache] of node.perBlock.entries()) {
      ;(cache.blocks[0].body.transactions as { hash: string; nonce: string }[]).forEach((t, index) => txs.push({ hash: t.hash.toLowerCase(), block: i + 1, index, nonce: BigInt(t.nonce) }))
    }
    const answer = await fetch(node.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) })
    chainId = Number(BigInt(((await answer.json()) as { result: string }).result))
    dir = mkdtempSync(join(tmpdir(), 'tessera-habits-'))
  }, 180_000)
  afterAll(async () => {
    await node?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('positional lists (blocks 1,2 and blocks 3 4), block without a number = the latest', async () => {
    const a = join(dir, 'a.json')
    const b = join(dir, 'b.json')
    const c = join(dir, 'c.json')
    await Promise.all([
      tessera(['replay', 'blocks', '1,2', '--rpc-url', node.url, '--workers', '1', '--json', a]),
      tessera(['replay', 'blocks', '3', '4', '--rpc-url', node.url, '--workers', '1', '--json', b]),
      tessera(['replay', 'block', '--rpc-url', node.url, '--workers', '1', '--json', c]),
    ])
    const firsts = (f: string) => JSON.parse(readFileSync(f, 'utf8')).blocks.map((x: { first: string; ok: boolean }) => (x.ok ? x.first : 'FAILED'))
    expect(firsts(a)).toEqual(['1', '2'])
    expect(firsts(b)).toEqual(['3', '4'])
    expect(firsts(c)).toEqual(['5'])
  }, 120_000)

  it('--cache-level on keeps each block as a cache file; --cached --network replays them by number; --bench writes Mgas/s', async () => {
    const cacheDir = join(dir, 'replay_cache')
    await tessera(['replay', 'blocks', '--from', '2', '--to', '3', '--cache-level', 'on', '--cache-dir', cacheDir, '--rpc-url', node.url, '--workers', '1'])
    expect(readdirSync(cacheDir).sort()).toEqual([`cache_chain${chainId}_2.json`, `cache_chain${chainId}_3.json`])
    const bench = join(dir, 'bench.json')
    const { stdout } = await tessera(['replay', 'blocks', '2,3', '--cached', '--network', String(chainId), '--cache-dir', cacheDir, '--workers', '1', '--bench', '--bench-file', bench])
    expect(stdout).toMatch(/block 2: ok/)
    expect(stdout).toMatch(/block 3: ok/)
    const entries = JSON.parse(readFileSync(bench, 'utf8')) as { name: string; unit: string; value: number }[]
    expect(entries.map((e) => e.name.split(',')[0])).toEqual(['block 2', 'block 3'])
    for (const e of entries) {
      expect(e.unit).toBe('Mgas/s')
      expect(e.value).toBeGreaterThan(0)
    }
    // cache blocks takes the list as arguments too; replay --cached reads what it wrote.
    await tessera(['cache', 'blocks', '4', '5', '--per-block', '--rpc-url', node.url, '--cache-dir', cacheDir])
    expect(readdirSync(cacheDir).sort()).toEqual([2, 3, 4, 5].map((n) => `cache_chain${chainId}_${n}.json`))
    const single = await tessera(['replay', 'block', '3', '--cached', '--network', `chain${chainId}`, '--cache-dir', cacheDir, '--workers', '1'])
    expect(single.stdout).toMatch(/block 3: ok/)
    await expect(tessera(['replay', 'block', '1', '--cached', '--network', String(chainId), '--cache-dir', cacheDir])).rejects.toMatchObject({ stderr: expect.stringMatching(/block 1 is in no cache_chain\d+_\*\.json file/) })
  }, 120_000)

  it('replay transaction shows the account and storage changes the transaction made', async () => {
    const t = txs.find((x) => x.block === 2)!
    const { stdout } = await tessera(['replay', 'transaction', t.hash, '--rpc-url', node.url])
    expect(stdout).toMatch(/state changes: \d+ account\(s\)/)
    // The sender paid for gas and its nonce went up by one.
    expect(stdout).toMatch(new RegExp(`0x[0-9a-f]{40}: balance [0-9.]+ ETH -> [0-9.]+ ETH \\(-[0-9.]+ ETH\\), nonce ${t.nonce} -> ${t.nonce + 1n}`))
    // Mixed traffic writes contract storage: some transaction of block 2 shows a slot going from one value to another.
    const outputs = await Promise.all(txs.filter((x) => x.block === 2).map((x) => tessera(['replay', 'transaction', x.hash, '--rpc-url', node.url]).then((r) => r.stdout)))
    expect(outputs.join('\n')).toMatch(/^ {6}slot 0x[0-9a-f]+: 0x[0-9a-f]* -> 0x[0-9a-f]*$/m)
  }, 120_000)

  it('--endless without --from follows the head from the latest block', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', 'blocks', '--endless', '--poll-ms', '200', '--rpc-url', node.url, '--workers', '1'])
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const deadline = Date.now() + 60_000
    while (!/block 5: ok/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    await new Promise((r) => child.once('exit', r))
    expect(out).toMatch(/following the head from block 5/)
    expect(out).toMatch(/block 5: ok/)
    expect(out).not.toMatch(/block 4: ok/)
  }, 90_000)

  it('refuses what it would otherwise ignore or misread, with the reason', async () => {
    const fails = (args: string[], message: RegExp) => expect(tessera(args)).rejects.toMatchObject({ stderr: expect.stringMatching(message) })
    await Promise.all([
      fails(['replay', 'blocks', '1,2', '--wrokers', '2', '--rpc-url', node.url], /unknown option --wrokers\nhint: did you mean --workers\?/),
      fails(['replay', 'blocks', '--blocks', '5,3', '--rpc-url', node.url], /block 3 comes after 5/),
      fails(['replay', 'file', 'x.json', '--from', '3'], /--from does not apply to 'replay file'/),
      fails(['replay', 'transaction', `0x${'11'.repeat(32)}`, '--cache-dir', dir, '--rpc-url', node.url], /--cache-dir does not apply to 'replay transaction'/),
      fails(['replay', 'block', '2', '--zkvm', 'jolt', '--rpc-url', node.url], /--zkvm jolt: Tessera has no jolt backend/),
      fails(['replay', 'block', '2', '--zkvm', 'sp1', '--rpc-url', node.url], /backend 'sp1' is not available for replay/),
      fails(['replay', 'block', '2', '--zkvm', 'sp1', '--backend', 'risc0', '--rpc-url', node.url], /--zkvm sp1 and --backend risc0 disagree/),
      fails(['replay', 'block', '2', '--resource', 'gpu', '--rpc-url', node.url], /--resource gpu: the exec backend runs on the CPU/),
      fails(['replay', 'block', '2', '--cache-level', 'off', '--cache-dir', dir, '--rpc-url', node.url], /--cache-dir with --cache-level off/),
      fails(['replay', 'block', '2', '--cache-level', 'sometimes', '--rpc-url', node.url], /--cache-level must be on, failed or off/),
      fails(['replay', 'blocks', '--endless', '--to', '3', '--rpc-url', node.url], /--endless follows the head and has no end: drop --to/),
      fails(['replay', 'blocks', '--from', '1', '--to', '5', '--only-eth-proofs-blocks', '--rpc-url', node.url], /no block from 1 to 5 is a multiple of 100/),
      fails(['replay', 'blocks', '2,3', '--cached', '--cache-dir', dir], /--cached needs --network/),
      fails(['replay', 'blocks', '2,3', '--cached', '--network', '1', '--rpc-url', node.url], /either --rpc-url .* or --cached/),
      fails(['replay', 'blocks', '--rpc-url', node.url], /replay blocks needs blocks: a list/),
      fails(['replay', 'blocks', '--from', '2', '--to', '9', '--rpc-url', node.url], /block 9 is above the node's head 5/),
      fails(['replay', 'l2', 'batch', '1', '--from', '2', '--rpc-url', node.url], /--from does not apply to 'replay l2'/),
    ])
  }, 120_000)
})

const run = promisify(execFile)
const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname
function tessera(args: string[]) {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8' })
}
