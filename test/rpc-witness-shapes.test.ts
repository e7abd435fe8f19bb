import { createBlockHeaderFromRLP } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostCommon } from '../src/witness/cache.js'
import { blockToCacheBlock } from '../src/witness/rpcJson.js'
import { DEVNET_DIR, REPO_ROOT } from './support/fixtures.js'

/**
 * `replay block` against a node that serves debug_executionWitness the way geth does (JSON headers, no parent
 * header), and against one whose answer is unusable: the run falls back to eth_getProof and, when that is not
 * served either, the error names what the node answered. The node is a small JSON-RPC stub on 127.0.0.1 serving
 * the bundled devnet's block 1 and the witness Tessera recorded for it.
 */
type J = Record<string, any>
const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')

const cache = JSON.parse(readFileSync(join(DEVNET_DIR, 'cache_chain1337_1-3.json'), 'utf8')) as J
const config = cache.network.config ?? cache.network
const common = hostCommon(config)
const headerJson = (raw: string) => {
  const header = createBlockHeaderFromRLP(Buffer.from(raw.slice(2), 'hex'), { common, setHardfork: true })
  return blockToCacheBlock({ header, transactions: [], uncleHeaders: [], withdrawals: undefined, hash: () => header.hash() } as never).header as J
}
const rpcBlocks = new Map<bigint, J>()
for (const raw of cache.witness.headers as string[]) {
  const h = headerJson(raw)
  rpcBlocks.set(BigInt(h.number), { ...h, transactions: [], uncles: [], withdrawals: [] })
}
for (const b of cache.blocks as J[]) rpcBlocks.set(BigInt(b.header.number), { ...b.header, ...b.body, uncles: [] })

let mode: 'geth' | 'headerless' | 'rlp' | 'unusable' = 'geth'
const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))
/** geth's ExtWitness `[headers, codes, state, keys]` as RLP hex. */
const extWitnessHex = () =>
  `0x${Buffer.from(RLP.encode([(cache.witness.headers as string[]).map((h) => RLP.decode(hexBytes(h))), (cache.witness.codes as string[]).map(hexBytes), (cache.witness.state as string[]).map(hexBytes), []] as never)).toString('hex')}`
function answer(method: string, params: any[]): { result?: unknown; error?: { code: number; message: string } } {
  switch (method) {
    case 'eth_chainId':
      return { result: `0x${Number(config.chainId).toString(16)}` }
    case 'web3_clientVersion':
      return { result: 'Geth/v1.16-stub' }
    case 'eth_blockNumber':
      return { result: '0x3' }
    case 'eth_getBlockByNumber': {
      const b = rpcBlocks.get(BigInt(params[0] === 'latest' ? 3 : params[0]))
      if (b === undefined) return { result: null }
      return { result: params[1] ? b : { ...b, transactions: (b.transactions as J[]).map((t) => t.hash) } }
    }
    case 'eth_getBlockByHash': {
      const b = [...rpcBlocks.values()].find((x) => x.hash === params[0])
      return { result: b === undefined ? null : { ...b, transactions: [] } }
    }
    case 'debug_executionWitness':
      if (mode === 'unusable') return { error: { code: -32000, message: 'historical state 0xabc is not available' } }
      if (mode === 'rlp') return { result: extWitnessHex() }
      // geth: headers as JSON objects; 'headerless': none at all, Tessera must fetch the parent.
      return { result: { state: cache.witness.state, codes: cache.witness.codes, keys: [], headers: mode === 'geth' ? (cache.witness.headers as string[]).map(headerJson) : [] } }
    default:
      return { error: { code: -32601, message: `the method ${method} does not exist/is not available` } }
  }
}

let server: Server
let url: string
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const msg = JSON.parse(body)
      const one = (m: J) => ({ jsonrpc: '2.0', id: m.id, ...answer(m.method, m.params ?? []) })
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(Array.isArray(msg) ? msg.map(one) : one(msg)))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()))
})

async function replayBlock1() {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rpc-shapes-'))
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'replay', 'block', '1', '--rpc-url', url, '--chain-config', join(dir, 'config.json'), '--workers', '1'])
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

describe('replay block against geth-style debug_executionWitness', () => {
  it('reads JSON headers (geth) with no header encoder error', async () => {
    mode = 'geth'
    const { code, out } = await replayBlock1()
    expect(out).toMatch(/block 1: ok, \d+ txs, \d+ gas, \d+ ms \(witness: debug_executionWitness\)/)
    expect(code).toBe(0)
  }, 120_000)

  it('reads an ExtWitness served as RLP hex', async () => {
    mode = 'rlp'
    const { code, out } = await replayBlock1()
    expect(out).toMatch(/block 1: ok, \d+ txs, \d+ gas, \d+ ms \(witness: debug_executionWitness\)/)
    expect(code).toBe(0)
  }, 120_000)

  it('uses a witness without headers by fetching the parent header from the node', async () => {
    mode = 'headerless'
    const { code, out } = await replayBlock1()
    expect(out).toMatch(/block 1: ok, \d+ txs, \d+ gas, \d+ ms \(witness: debug_executionWitness\)/)
    expect(code).toBe(0)
  }, 120_000)

  it('an unusable answer falls back to eth_getProof; when that fails too, the error names both answers', async () => {
    mode = 'unusable'
    const { code, out } = await replayBlock1()
    expect(code).toBe(1)
    expect(out).toMatch(/eth_getProof fallback failed: .*debug_executionWitness not used: the node answered .*historical state 0xabc is not available/)
    expect(out).not.toMatch(/TypeError/)
  }, 120_000)
})

describe('replay file: the parent header of a headerless witness from --rpc-url or --parent-header', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-parent-'))
  const block1 = cache.blocks[0] as J
  writeFileSync(join(dir, 'block.json'), JSON.stringify({ ...block1.header, ...block1.body, uncles: [] }))
  writeFileSync(join(dir, 'witness.json'), JSON.stringify({ state: cache.witness.state, codes: cache.witness.codes }))
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
  writeFileSync(join(dir, 'parent.json'), JSON.stringify(headerJson((cache.witness.headers as string[])[0])))
  const replay = async (extra: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [CLI, 'replay', 'file', join(dir, 'block.json'), join(dir, 'witness.json'), '--chain-config', join(dir, 'config.json'), '--workers', '1', ...extra])
      return { code: 0, out: stdout }
    } catch (e) {
      const err = e as { code: number; stdout: string }
      return { code: err.code, out: err.stdout }
    }
  }

  it('fetches it by hash from the node, or reads it from a file; without either the error names it', async () => {
    const fetched = await replay(['--rpc-url', url])
    expect(fetched.out).toMatch(/block 1: ok.*parent header from --rpc-url/)
    expect(fetched.code).toBe(0)
    const given = await replay(['--parent-header', join(dir, 'parent.json')])
    expect(given.out).toMatch(/block 1: ok.*parent header from --parent-header/)
    const none = await replay([])
    expect(none.code).toBe(1)
    expect(none.out).toMatch(/FAILED ParentHeaderMissing: .*parent header of block 1 \(block 0, hash 0x/)
  }, 120_000)
})
