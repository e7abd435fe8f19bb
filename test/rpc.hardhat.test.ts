import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeStateless } from '../guest/execute.js'
import { WitnessIncomplete } from '../guest/errors.js'
import { inferChainConfig, nodeInfo } from '../src/rpc/chain.js'
import { createRpc, type Rpc } from '../src/rpc/client.js'
import { batchProgramInput, loadRpcBatch } from '../src/rpc/blocks.js'
import { fetchBlock } from '../src/rpc/witness.js'
import { toHex } from '../src/witness/hex.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'
import { generateTraffic } from './hardhat/traffic.js'

let node: HardhatNode
let rpc: Rpc
let head: bigint

beforeAll(async () => {
  node = await startHardhatNode()
  rpc = createRpc({ url: node.url })
  head = (await generateTraffic(node.url)).head
}, 120_000)

afterAll(async () => {
  await node?.stop()
})

describe('eth_getProof witness against a live Hardhat node', () => {
  it('detects Hardhat/EDR and infers shanghai', async () => {
    const info = await nodeInfo(rpc)
    expect(info.chainId).toBe(31337)
    expect(info.edr).toBe(true)
    const config = inferChainConfig(info.chainId, await fetchBlock(rpc, head, false))
    expect(config.shanghaiTime).toBe(0)
    expect(config.cancunTime).toBeUndefined()
  })

  it('replays every block statelessly to the node state roots', async () => {
    const info = await nodeInfo(rpc)
    const config = inferChainConfig(info.chainId, await fetchBlock(rpc, head, false))
    for (let n = 1n; n <= head; n++) {
      const batch = await loadRpcBatch(rpc, [n], config)
      expect(batch.witness.source).toBe('eth_getProof')
      let output
      for (let attempt = 0; ; attempt++) {
        try {
          output = await executeStateless(batchProgramInput(batch))
          break
        } catch (e) {
          if (e instanceof WitnessIncomplete && attempt < 3 && (await batch.witness.extend(e))) continue
          throw new Error(`block ${n}: ${(e as Error).message}`)
        }
      }
      expect(toHex(output.finalStateRoot)).toBe(batch.blocks[0].stateRoot)
      expect(toHex(output.lastBlockHash)).toBe(batch.blocks[0].hash)
    }
  }, 120_000)

  it('tessera replay blocks --from 1 --to head: every block valid, exit 0, JSON written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-replay-'))
    try {
      const { stdout } = await tessera(['replay', 'blocks', '--from', '1', '--to', String(head), '--rpc-url', node.url, '--workers', '2', '--json', join(dir, 'r.json')])
      expect(stdout).toMatch(/\| blocks +\| \d+ +\|/)
      const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))
      expect(json.blocks).toHaveLength(Number(head))
      expect(json.blocks.every((b: { ok: boolean; witnessSource: string }) => b.ok && b.witnessSource === 'eth_getProof')).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('tessera cache blocks writes one multi-block cache file that replay file accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cache-'))
    try {
      await tessera(['cache', 'blocks', '--from', '2', '--to', '6', '--rpc-url', node.url, '--cache-dir', dir])
      expect(readdirSync(dir)).toEqual(['cache_chain31337_2-6.json'])
      const { stdout } = await tessera(['replay', 'file', join(dir, 'cache_chain31337_2-6.json'), '--workers', '1'])
      expect(stdout).toMatch(/blocks 2-6: ok/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('tessera replay transaction matches the node receipt', async () => {
    const block = await fetchBlock(rpc, 3n, false)
    const { stdout } = await tessera(['replay', 'transaction', block.transactions[2] as string, '--rpc-url', node.url])
    expect(stdout).toMatch(/node receipt: +matches/)
  }, 60_000)

  it('tessera replay blocks --endless follows the head and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', 'blocks', '--from', String(head), '--endless', '--poll-ms', '200', '--rpc-url', node.url, '--workers', '1'])
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    const seen = async (re: RegExp) => {
      for (let i = 0; i < 300 && !re.test(stdout); i++) await new Promise((r) => setTimeout(r, 100))
      expect(stdout).toMatch(re)
    }
    try {
      await seen(new RegExp(`block ${head}: ok`))
      // A new block appears at the node: the follower picks it up.
      await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'evm_mine', params: [] }) })
      await seen(new RegExp(`block ${head + 1n}: ok`))
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGINT')
      expect(await exited).toBe(0)
      expect(stdout).toMatch(/\| blocks +\| 2 +\|/)
    } finally {
      child.kill('SIGKILL')
    }
  }, 90_000)
})

const run = promisify(execFile)
const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname
function tessera(args: string[]) {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8' })
}
