import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { bytesToHex } from '@ethereumjs/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeL2PublicValues } from '../guest/l2/output.js'
import { executeL2Batch } from '../guest/l2/program.js'
import { l2CacheFileToInput } from '../src/l2/cache.js'
import { fetchL2Batch, fetchL2FeeConfig, L2AnswerMalformed, L2BatchNotFound, L2MethodNotServed } from '../src/l2/rpc.js'
import { createRpc } from '../src/rpc/client.js'
import { freePort } from '../src/l1/localNode.js'
import { REPO_ROOT } from './support/fixtures.js'
import { L2_FIXTURES, startL2DevnetNode, type L2DevnetNode } from './support/l2DevnetRpc.js'
import { RawReply, startScriptedRpc } from './support/scriptedRpc.js'

/** Public values of a bundled batch, computed from its cache file (what the node's batch must prove). */
async function bundledPublicValues(n: number): Promise<string> {
  const json = JSON.parse(readFileSync(join(L2_FIXTURES, `cache_batch_${n}.json`), 'utf8'))
  return bytesToHex(encodeL2PublicValues(await executeL2Batch(l2CacheFileToInput(json))))
}

describe('replay l2 against a scripted ethrex L2 node serving the bundled L2 devnet', () => {
  let node: L2DevnetNode
  let dir: string
  beforeAll(async () => {
    node = await startL2DevnetNode()
    dir = mkdtempSync(join(tmpdir(), 'tessera-l2-'))
  }, 180_000)
  afterAll(async () => {
    await node?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads a batch, its blob commitment and each block’s fee config as ethrex serves them', async () => {
    const rpc = createRpc({ url: node.url })
    const batch = await fetchL2Batch(rpc, 2n)
    expect([batch.firstBlock, batch.lastBlock]).toEqual([3n, 4n])
    expect(Array.from(batch.blobCommitment)).toEqual(node.batches[1].blob_commitment)
    const fee = await fetchL2FeeConfig(rpc, 3n)
    expect(fee.operatorFee?.feePerGas).toBe(1_000_000n)
    expect(fee.baseFeeVault?.toString()).toBe('0x000c0d6b7c4516a5b274c51ea331a9410fe69127')
    await expect(fetchL2Batch(rpc, 9n)).rejects.toBeInstanceOf(L2BatchNotFound)
  })

  it('replay l2 batch 2 --action prove: the same public values as the bundled batch file', async () => {
    const json = join(dir, 'b2.json')
    const { stdout } = await tessera(['replay', 'l2', 'batch', '2', '--rpc-url', node.url, '--action', 'prove', '--backend', 'exec', '--json', json])
    const expected = await bundledPublicValues(2)
    expect(stdout).toMatch(/batch 2: ok \(prove, backend exec\)/)
    expect(stdout).toContain(`public values ${expected}`)
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ first: '3', last: '4', publicValues: expected })
  }, 120_000)

  it('replay l2 block and replay l2 transaction run one block to the node’s state root', async () => {
    const block = await tessera(['replay', 'l2', 'block', '2', '--rpc-url', node.url])
    expect(block.stdout).toMatch(/block 2: ok \(execute\)/)
    expect(block.stdout).toContain(`final state root     ${node.batches[0].blocks[1].header.stateRoot}`)
    const hash = node.batches[2].blocks[0].body.transactions[0].hash as string
    const tx = await tessera(['replay', 'l2', 'transaction', hash, '--rpc-url', node.url])
    expect(tx.stdout).toMatch(new RegExp(`transaction ${hash} \\(block 5, index 0\\): ok`))
  }, 120_000)

  it('cache l2 batch writes cache_batch_<n>.json that replay file proves to the same public values', async () => {
    const out = join(dir, 'cache')
    await tessera(['cache', 'l2', 'batch', '1', '--rpc-url', node.url, '--cache-dir', out])
    const written = JSON.parse(readFileSync(join(out, 'cache_batch_1.json'), 'utf8'))
    expect(bytesToHex(encodeL2PublicValues(await executeL2Batch(l2CacheFileToInput(written))))).toBe(await bundledPublicValues(1))
  }, 120_000)

  it('node errors are named, never a crash: unknown batch, unknown block, bad arguments', async () => {
    await Promise.all([
      expect(tessera(['replay', 'l2', 'batch', '7', '--rpc-url', node.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/batch 7 is not known to the node/) }),
      expect(tessera(['replay', 'l2', 'block', '99', '--rpc-url', node.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/block 99 not found on the node|block 99 is not known/) }),
      expect(tessera(['replay', 'l2', 'batch', 'x', '--rpc-url', node.url])).rejects.toMatchObject({ stderr: expect.stringMatching(/batch number must be a number, got 'x'/) }),
      expect(tessera(['replay', 'l2', 'batch', '1', '--rpc-url', node.url, '--action', 'prove', '--backend', 'risc0'])).rejects.toMatchObject({ stderr: expect.stringMatching(/backend risc0 is not available/) }),
    ])
  }, 120_000)
})

describe('replay l2 against nodes that are not ethrex L2 nodes or answer badly', () => {
  it('method not found, malformed batch fields, a truncated answer, a garbage witness: typed errors', async () => {
    const plain = await startScriptedRpc({ eth_chainId: () => '0x1' })
    const bad = await startL2DevnetNode({
      ethrex_getBatchByNumber: ([n]) => (n === '0x1' ? { number: 1, first_block: 'one', last_block: 2 } : n === '0x2' ? new RawReply('{"jsonrpc":"2.0","id":1,"result":') : { number: 3, first_block: 5, last_block: 6, blobs_bundle: { commitments: ['0x12'], proofs: [] } }),
      debug_executionWitness: () => ({ state: 'not a list' }),
    })
    try {
      const rpc = createRpc({ url: plain.url, retries: 1 })
      await expect(fetchL2Batch(rpc, 1n)).rejects.toBeInstanceOf(L2MethodNotServed)
      const badRpc = createRpc({ url: bad.url, retries: 1 })
      await expect(fetchL2Batch(badRpc, 1n)).rejects.toThrow(L2AnswerMalformed)
      await expect(fetchL2Batch(badRpc, 1n)).rejects.toThrow(/first_block is not an unsigned integer/)
      await expect(fetchL2Batch(badRpc, 3n)).rejects.toThrow(/blobs_bundle.commitments\[0\] is not 48 bytes/)
      await expect(fetchL2Batch(badRpc, 2n)).rejects.toThrow(/ethrex_getBatchByNumber/)
      const witness = await tessera(['replay', 'l2', 'block', '1', '--rpc-url', bad.url]).catch((e) => e)
      expect(witness.stderr).toMatch(/debug_executionWitness: blocks 1-1 is not an execution witness/)
      const cli = await tessera(['replay', 'l2', 'batch', '1', '--rpc-url', plain.url]).catch((e) => e)
      expect(cli.code).toBe(1)
      expect(cli.stderr).toMatch(/does not serve ethrex_getBatchByNumber[\s\S]*hint: point --rpc-url at an ethrex L2 node/)
    } finally {
      await plain.stop()
      await bad.stop()
    }
  }, 180_000)

  it('a block whose fields do not hash to the hash the node claims is refused', async () => {
    const node = await startL2DevnetNode()
    const tampered = await startScriptedRpc({
      eth_chainId: () => '0x3e803e7',
      eth_getBlockByNumber: async ([n, full]) => {
        const r = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: [n, full] }) })
        const block = ((await r.json()) as { result: Record<string, unknown> }).result
        return { ...block, gasUsed: '0x1' }
      },
    })
    try {
      const out = await tessera(['replay', 'l2', 'block', '2', '--rpc-url', tampered.url]).catch((e) => e)
      expect(out.code).toBe(1)
      expect(out.stderr).toMatch(/eth_getBlockByNumber: block 0x2 hash is 0x[0-9a-f]{64}, its fields hash to/)
    } finally {
      await tampered.stop()
      await node.stop()
    }
  }, 180_000)
})

describe('tessera replay custom --l2', () => {
  it('builds an L2 batch with deposits and the chosen traffic, proves it, public values match the builder', async () => {
    const { stdout } = await tessera(['replay', 'custom', '--l2', '--blocks', '2', '--txs-per-block', '2', '--kind', 'storage', '--action', 'prove'])
    expect(stdout).toMatch(/L2 blocks 1-2: ok \(prove, backend exec\)/)
    expect(stdout).toMatch(/privileged txs hash  0x[0-9a-f]{64}/)
    expect(stdout).toMatch(/public values 0x[0-9a-f]{512}\n/)
  }, 180_000)
})

describe('tessera node + tessera l2 devnet --http: replay l2 and cache l2 out of the box', () => {
  const children: ChildProcess[] = []
  let l2Url: string
  let tx: string
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-l2-http-'))
    const [l1Port, l2Port] = [await freePort(), await freePort()]
    const node = spawn(process.execPath, [CLI, 'node', '--port', String(l1Port), '--hardfork', 'cancun'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(node)
    await waitFor(() => rpcCall(`http://127.0.0.1:${l1Port}`, 'eth_chainId'))
    const devnet = spawn(process.execPath, [CLI, 'l2', 'devnet', '--l1-rpc-url', `http://127.0.0.1:${l1Port}`, '--http', `127.0.0.1:${l2Port}`, '--seed', '--interval', '300', '--db', join(dir, 'l2.db'), '--out', join(dir, 'batches'), '--log-level', 'warn'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(devnet)
    l2Url = `http://127.0.0.1:${l2Port}`
    await waitFor(async () => {
      if (BigInt((await rpcCall(l2Url, 'ethrex_batchNumber')) as string) < 1n) throw new Error('no batch yet')
    })
    tx = ((await rpcCall(l2Url, 'eth_getBlockByNumber', ['0x1', false])) as { transactions: string[] }).transactions[0]
  }, 120_000)
  afterAll(async () => {
    for (const c of children.reverse()) {
      if (c.exitCode !== null) continue
      const exited = new Promise((r) => c.once('exit', r))
      c.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('replay l2 batch 1, block 1, transaction and cache l2 batch 1 against the devnet', async () => {
    const batch = await tessera(['replay', 'l2', 'batch', '1', '--rpc-url', l2Url])
    expect(batch.stdout).toMatch(/batch 1: ok \(execute\)/)
    const stateRoot = ((await rpcCall(l2Url, 'eth_getBlockByNumber', ['0x1', false])) as { stateRoot: string }).stateRoot
    expect(batch.stdout).toContain(`final state root     ${stateRoot}`)
    expect((await tessera(['replay', 'l2', 'block', '1', '--rpc-url', l2Url])).stdout).toMatch(/block 1: ok/)
    // ethrex-replay's spelling of the batch number.
    expect((await tessera(['replay', 'l2', 'batch', '--batch', '1', '--rpc-url', l2Url])).stdout).toContain(batch.stdout.match(/public values 0x[0-9a-f]+/)![0])
    expect((await tessera(['replay', 'l2', 'transaction', tx, '--rpc-url', l2Url])).stdout).toMatch(new RegExp(`transaction ${tx} \\(block 1, index 0\\): ok`))
    await tessera(['cache', 'l2', 'batch', '1', '--rpc-url', l2Url, '--cache-dir', join(dir, 'cache')])
    const written = JSON.parse(readFileSync(join(dir, 'cache', 'cache_batch_1.json'), 'utf8'))
    const publicValues = batch.stdout.match(/public values (0x[0-9a-f]+)/)![1]
    expect(bytesToHex(encodeL2PublicValues(await executeL2Batch(l2CacheFileToInput(written))))).toBe(publicValues)
    // Unknown batch: null from the node, a named error from the CLI.
    await expect(tessera(['replay', 'l2', 'batch', '9', '--rpc-url', l2Url])).rejects.toMatchObject({ stderr: expect.stringMatching(/batch 9 is not known to the node/) })
  }, 120_000)

  it('a second devnet run on the same --db is refused (it would be a new chain under the old numbers)', async () => {
    const again = await run(process.execPath, [CLI, 'l2', 'devnet', '--l1-rpc-url', 'http://127.0.0.1:9', '--db', join(dir, 'l2.db')], { encoding: 'utf8' }).catch((e) => e)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/l2\.db holds \d+ batch\(es\) of an earlier devnet chain; each run starts a new chain\nhint: give a new file with --db/)
  })

  it('answers JSON-RPC batches (viem batches calls) and names unknown methods', async () => {
    const res = await fetch(l2Url, {
      method: 'POST',
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
        { jsonrpc: '2.0', id: 2, method: 'ethrex_getOperatorFee', params: ['0x1'] },
        { jsonrpc: '2.0', id: 3, method: 'eth_nope', params: [] },
      ]),
    })
    const body = (await res.json()) as { id: number; result?: unknown; error?: { code: number; message: string } }[]
    expect(body.map((b) => b.id)).toEqual([1, 2, 3])
    expect(body[0].result).toBe('0x3e803e7')
    expect(body[1].result).toBe('0xf4240')
    expect(body[2].error).toEqual({ code: -32601, message: 'Method not found: eth_nope' })
  })
})

async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const body = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (body.error) throw new Error(`${method}: ${body.error.message}`)
  return body.result
}

async function waitFor(f: () => Promise<unknown>, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      await f()
      return
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, 300))
    }
  }
}

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')
function tessera(args: string[]) {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 })
}
