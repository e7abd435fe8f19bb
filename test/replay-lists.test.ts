import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BlockListInvalid, consecutiveRuns, parseBlockList } from '../src/cli/blockList.js'
import { startL1DevnetNode, type L1DevnetNode } from './support/l1DevnetRpc.js'

describe('--blocks list parser', () => {
  it('reads numbers and ranges, in ascending order', () => {
    expect(parseBlockList('1,5,9')).toEqual([1n, 5n, 9n])
    expect(parseBlockList('9, 3-5 ,1')).toEqual([1n, 3n, 4n, 5n, 9n])
    expect(parseBlockList('0x10')).toEqual([16n])
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
      expect(tessera(['replay', 'blocks', '--blocks', '2,x', '--rpc-url', node.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/--blocks '2,x': 'x' is not a block number/) }),
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

const run = promisify(execFile)
const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname
function tessera(args: string[]) {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8' })
}
