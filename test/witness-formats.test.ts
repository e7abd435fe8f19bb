import { readFileSync } from 'node:fs'
import { createBlockHeaderFromRLP } from '@ethereumjs/block'
import { hostCommon } from '../src/witness/cache.js'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TesseraError, WitnessIncomplete } from '../guest/errors.js'
import { executeStateless } from '../guest/execute.js'
import { toHex } from '../src/witness/hex.js'
import { classifyJson } from '../src/witness/formats/read.js'
import { resolveInput } from '../src/witness/formats/resolve.js'
import { embedWitnesses } from '../src/witness/formats/eestWrite.js'
import { decodeStatelessInput, statelessOutputBytes } from '../src/witness/formats/ssz.js'
import { readInputs } from '../src/witness/formats/read.js'
import type { LoadedInput } from '../src/witness/formats/types.js'
import { DEVNET_DIR, EF_BLOCKCHAIN_TESTS, SHARED_FIXTURES } from './support/fixtures.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'

const DEVNET = join(DEVNET_DIR, 'cache_chain1337_1-3.json')
type J = Record<string, any>

async function inputsOf(doc: unknown, file = 'doc.json'): Promise<LoadedInput[]> {
  return (await classifyJson(doc, file)).flatMap((p) => (p.kind === 'input' ? p.inputs : []))
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
/** Re-spell a JSON value as a liberal producer might: quantities as JSON numbers, keys in snake_case, nulls. */
function liberal(v: any, keyName = ''): any {
  if (Array.isArray(v)) return v.map((x) => liberal(x))
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [snake(k), liberal(x, k)]))
  if (typeof v === 'string' && /^0x[0-9a-f]{1,12}$/.test(v) && ['number', 'gasLimit', 'gasUsed', 'timestamp', 'nonce', 'gas', 'value', 'index', 'validatorIndex', 'amount', 'chainId', 'type'].includes(keyName)) {
    return keyName === 'nonce' && v.length === 18 ? v : Number(v)
  }
  return v
}

describe('witness shapes: liberal in spelling, strict in what is verified', () => {
  it('numbers as JSON numbers, snake_case keys, nulls for absent fields, map-form witness with JSON headers in an RPC envelope', async () => {
    const cache = JSON.parse(readFileSync(DEVNET, 'utf8')) as J
    const reference = await resolveInput((await inputsOf(cache))[0])
    // One block + its witness as a node would serve them, re-spelled.
    const first = cache.blocks[0]
    const blockJson = liberal({ ...first.header, transactions: first.body.transactions.map((t: J) => ({ ...t, gasPrice: t.gasPrice ?? null, maxFeePerGas: t.maxFeePerGas ?? null, to: t.to ?? null })), withdrawals: first.body.withdrawals, uncles: [] })
    const { keccak_256 } = await import('@noble/hashes/sha3.js')
    const map = (list: string[]) => Object.fromEntries(list.map((h) => [toHex(keccak_256(Buffer.from(h.slice(2), 'hex'))), h]))
    // geth's variant: headers as JSON objects (here in ethereumjs' own spelling: coinbase, transactionsTrie, bloom…).
    const common = hostCommon(reference.chainConfig)
    const jsonHeaders = reference.program.witness.headers.map((raw) => liberal(createBlockHeaderFromRLP(raw, { common, setHardfork: true }).toJSON()))
    const witness = { jsonrpc: '2.0', id: 1, result: { state: map(cache.witness.state), codes: map(cache.witness.codes), keys: null, headers: jsonHeaders } }
    const dir = mkdtempSync(join(tmpdir(), 'tessera-liberal-'))
    writeFileSync(join(dir, 'block.json'), JSON.stringify({ jsonrpc: '2.0', id: 1, result: blockJson }))
    writeFileSync(join(dir, 'witness.json'), JSON.stringify(witness))
    const grouped = await readInputs([join(dir, 'block.json')], join(dir, 'witness.json'))
    expect(grouped.errors).toEqual([])
    const input = grouped.inputs[0]
    expect(input.shape).toBe('rpc-block+witness')
    const r = await resolveInput(input, { chain: { kind: 'config', config: reference.chainConfig, where: 'test' } })
    expect(toHex(r.program.blocks[0])).toBe(toHex(reference.program.blocks[0]))
    expect(new Set(r.program.witness.state.map(toHex))).toEqual(new Set(reference.program.witness.state.map(toHex)))
    expect(r.program.witness.headers.map(toHex)).toEqual(reference.program.witness.headers.map(toHex))
    await executeStateless(r.program)
  })

  it('reth/alloy transaction spelling (nested signature, tagged `to`, snake_case) normalises to the RPC form', async () => {
    const { normalizeTxJson } = await import('../src/witness/formats/json.js')
    const tx = normalizeTxJson({ type: 2, chain_id: 17000, nonce: 5, gas: 21000, max_fee_per_gas: '0x10', max_priority_fee_per_gas: 1, to: { Call: '0x00000000000000000000000000000000000000aa' }, value: 0, input: '0x', access_list: [{ address: '0x00000000000000000000000000000000000000bb', storage_keys: [] }], signature: { r: '0x1', s: '0x2', y_parity: '0x1' } }, 'tx')
    expect(tx).toMatchObject({ type: '0x2', chainId: '0x4268', nonce: '0x5', gas: '0x5208', maxFeePerGas: '0x10', maxPriorityFeePerGas: '0x1', to: '0x00000000000000000000000000000000000000aa', r: '0x1', s: '0x2', yParity: '0x1', accessList: [{ address: '0x00000000000000000000000000000000000000bb', storageKeys: [] }] })
    expect(normalizeTxJson({ type: '0x0', to: 'Create', gas: 1, nonce: 0, value: 0, v: 27, r: '0x1', s: '0x1', input: '0x' }, 'tx').to).toBeUndefined()
  })

  it('a header field spelled wrong is caught by the block hash, naming the file and field', async () => {
    const cache = JSON.parse(readFileSync(DEVNET, 'utf8')) as J
    cache.blocks[0].header.extraData = '0x01'
    await expect(resolveInput((await inputsOf(cache, 'bad.json'))[0])).rejects.toThrow(/bad\.json: blocks\[0\]\.hash: the block's fields hash to/)
  })

  it('a bad network name is a chain error naming the field, not a witness error', async () => {
    const cache = JSON.parse(readFileSync(DEVNET, 'utf8')) as J
    delete cache.network.config
    for (const k of Object.keys(cache)) if (!['blocks', 'witness'].includes(k)) delete cache[k]
    cache.network = { PublicNetwork: 'Hoody' }
    await expect(inputsOf(cache, 'net.json')).rejects.toThrow(/net\.json: network\.PublicNetwork: unknown network "Hoody"/)
    await expect(inputsOf(cache, 'net.json')).rejects.toMatchObject({ name: 'UnknownChain' })
  })

  it('ethrex network spellings of every vintage resolve to the chain', async () => {
    const cache = JSON.parse(readFileSync(DEVNET, 'utf8')) as J
    const config = cache.network.config ?? cache.network
    const variants: J[] = [
      { ...cache, network: 'LocalDevnet', ...config },
      { blocks: cache.blocks, witness: cache.witness, network: { L2Chain: 1337 } },
      { blocks: cache.blocks, witness: cache.witness, PublicNetwork: 'Hoodi' },
    ]
    expect((await inputsOf(variants[0]))[0].chain).toMatchObject({ kind: 'config' })
    expect((await classifyJson(variants[1], 'cache_l2.json'))[0].kind).toBe('l2-batch')
    expect((await inputsOf(variants[2]))[0]).toMatchObject({ shape: 'ethrex-cache-sep-2025', chain: { kind: 'public', name: 'hoodi' } })
  })

  it('an unanchored ProgramInput keeps its trusted root and block hashes through the worker encoding', async () => {
    const { encodeProgramInput, decodeProgramInput } = await import('../guest/input.js')
    const cache = JSON.parse(readFileSync(DEVNET, 'utf8')) as J
    const r = await resolveInput((await inputsOf(cache))[0])
    const unanchored = { preStateRoot: new Uint8Array(32).fill(7), blockHashes: [{ number: 5n, hash: new Uint8Array(32).fill(9) }] }
    const back = decodeProgramInput(encodeProgramInput({ ...r.program, unanchored }))
    expect(back.unanchored).toEqual(unanchored)
    expect(decodeProgramInput(encodeProgramInput(r.program)).unanchored).toBeUndefined()
  })

  it('a --network that contradicts the input is refused, naming both chain ids', async () => {
    const cache = JSON.parse(readFileSync(DEVNET, 'utf8')) as J
    await expect(resolveInput((await inputsOf(cache, 'dev.json'))[0], { chain: { kind: 'public', name: 'hoodi', where: '--network' } })).rejects.toThrow(/dev\.json: chain id: the input says chain 1337 .*the flag chain 560048/)
  })

  it('readCacheFile (the coordinator source) takes other shapes too: an ethrex 2025 cache comes back current', async () => {
    const { readCacheFile, cacheFileToProgramInput } = await import('../src/witness/cache.js')
    const cache = await readCacheFile(join(SHARED_FIXTURES, 'real/ethrex-replay-2025/cache_hoodi_974567.json'))
    expect(cache.network).toEqual({ PublicNetwork: 'Hoodi' })
    const input = cacheFileToProgramInput(cache)
    expect(input.witness.headers.length).toBe(19)
    await expect(readCacheFile(join(SHARED_FIXTURES, 'real/sbv/holesky_0x2caa27_blockwitness.json'))).rejects.toThrow(/parent header of block 2927143/)
  })

  it('mutated real inputs never crash with a JS TypeError: every failure is a typed Tessera error', async () => {
    const docs: [string, J][] = [
      ['devnet', JSON.parse(readFileSync(DEVNET, 'utf8'))],
      ['sbv', JSON.parse(readFileSync(join(SHARED_FIXTURES, 'real/sbv/holesky_0x2caa27_blockwitness.json'), 'utf8'))],
    ]
    const paths: (string | number)[][] = []
    const walk = (v: any, path: (string | number)[]) => {
      paths.push(path)
      if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => walk(x, [...path, i]))
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
    }
    const replacements = [null, 7, 'zz', {}, [], '0x', -1, 1e300]
    let tried = 0
    for (const [name, doc] of docs) {
      paths.length = 0
      walk(doc, [])
      for (const [i, path] of paths.entries()) {
        if (path.length === 0 || i % 3 !== 0) continue
        const value = replacements[i % replacements.length]
        const copy = structuredClone(doc)
        let parent: any = copy
        for (const k of path.slice(0, -1)) parent = parent[k]
        parent[path[path.length - 1]] = value
        tried++
        try {
          for (const input of await inputsOf(copy, `${name}.json`)) await resolveInput(input, { trustPreStateRoot: true })
        } catch (e) {
          if (!(e instanceof TesseraError)) throw new Error(`${name} ${path.join('.')} = ${JSON.stringify(value)}: ${(e as Error).name}: ${(e as Error).message}`)
        }
      }
    }
    expect(tried).toBeGreaterThan(100)
  }, 120_000)
})

describe('EEST fixtures with embedded witnesses (written by Tessera for this test)', () => {
  const efFile = join(EF_BLOCKCHAIN_TESTS, 'ValidBlocks/bcStateTests/blockhashNonConstArg.json')
  const efTest = () => (JSON.parse(readFileSync(efFile, 'utf8')) as J).blockhashNonConstArg_Cancun

  it('runs each block on its embedded SSZ input and reproduces statelessOutputBytes byte for byte', async () => {
    const fixture = { blockhashNonConstArg_Cancun: await embedWitnesses(efTest(), { ssz: true, tamper: true }) }
    const inputs = await inputsOf(fixture, 'eest.json')
    expect(inputs.map((i) => i.expected?.valid)).toEqual([true, true, false])
    for (const input of inputs) {
      const r = await resolveInput(input)
      let ok = true
      try {
        const out = await executeStateless(r.program)
        expect(toHex(out.finalStateRoot)).toBe(toHex(r.blocks[0].header.stateRoot))
      } catch (e) {
        expect(e).toBeInstanceOf(TesseraError)
        ok = false
      }
      expect(ok).toBe(input.expected!.valid)
      const produced = statelessOutputBytes(decodeStatelessInput(input.expected!.statelessInputBytes!, 'eest.json'), ok)
      expect(toHex(produced)).toBe(toHex(input.expected!.statelessOutputBytes!))
      // Layout (execution-specs@3f042e0b SSZStatelessValidationResult, 43 bytes):
      // new_payload_request_root(32) ‖ successful_validation(1) ‖ chain_id (u64 LE) ‖ schema_id (u16 LE, 0x1501).
      expect(produced.length).toBe(43)
      expect(produced[32]).toBe(ok ? 1 : 0)
      expect(Buffer.from(produced).readBigUInt64LE(33)).toBe(1n)
      expect(Buffer.from(produced).readUInt16LE(41)).toBe(0x1501)
    }
  }, 120_000)

  it('a full pre-state (EELS style: pre, parentHeader, blocks, chainConfig) is recorded, then run on that witness alone', async () => {
    const { chainConfigForNetwork } = await import('../src/conformance/networks.js')
    const { createBlockFromRLP } = await import('@ethereumjs/block')
    const t = efTest()
    const config = chainConfigForNetwork(t.network)
    const genesis = createBlockFromRLP(Buffer.from(t.genesisRLP.slice(2), 'hex'), { common: hostCommon(config), setHardfork: true })
    const doc = { pre: t.pre, parentHeader: toHex(genesis.header.serialize()), blocks: t.blocks.map((b: J) => b.rlp), chainConfig: config }
    const [input] = await inputsOf(doc, 'eels.json')
    expect(input.shape).toBe('pre-state')
    const r = await resolveInput(input)
    expect(r.program.witness.state.length).toBeGreaterThan(0)
    const out = await executeStateless(r.program)
    expect(toHex(out.lastBlockHash)).toBe(t.lastblockhash)
    const wrongPre = structuredClone(doc)
    const first = Object.keys(wrongPre.pre)[0]
    wrongPre.pre[first].balance = '0x1234'
    await expect(resolveInput((await inputsOf(wrongPre, 'eels.json'))[0])).rejects.toThrow(/eels\.json: pre: the pre-state hashes to 0x[0-9a-f]{64}, the parent header's state root is/)
  }, 120_000)

  it('also reads the chain_config layout of execution-specs@19f7bdea (same schema id, container told apart by its offsets)', async () => {
    const { SszStatelessInput, STATELESS_INPUT_SCHEMA_ID } = await import('../src/witness/formats/ssz.js')
    const fixture = { blockhashNonConstArg_Cancun: await embedWitnesses(efTest(), { ssz: true }) }
    const current = decodeStatelessInput((await inputsOf(fixture, 'eest.json'))[0].expected!.statelessInputBytes!, 'eest.json')
    const old = SszStatelessInput.serialize({
      newPayloadRequest: current.newPayloadRequest,
      witness: current.witness,
      chainConfig: { chainId: 1n, activeFork: { activation: { blockNumber: [], timestamp: [0] } } },
      publicKeys: current.publicKeys,
    })
    const decoded = decodeStatelessInput(Uint8Array.from([...STATELESS_INPUT_SCHEMA_ID, ...old]), 'old.ssz')
    expect(decoded.layout).toBe('chain-config')
    expect(decoded.witness.state.map(toHex)).toEqual(current.witness.state.map(toHex))
    const out = statelessOutputBytes(decoded, true)
    // Same new_payload_request_root, then the chain_config container after an offset.
    expect(toHex(out.subarray(0, 32))).toBe(toHex(statelessOutputBytes(current, true).subarray(0, 32)))
    expect(Buffer.from(out).readUInt32LE(33)).toBe(37)
  })

  it('runs on the embedded executionWitness, not one Tessera records: a node removed from it is missed', async () => {
    const fixture = { blockhashNonConstArg_Cancun: await embedWitnesses(efTest(), { ssz: false }) }
    const input = (await inputsOf(fixture, 'eest.json'))[1]
    expect(input.shape).toBe('eest-witness')
    const r = await resolveInput(input)
    await executeStateless(r.program)
    const pruned = { ...r.program, witness: { ...r.program.witness, state: r.program.witness.state.slice(1) } }
    await expect(executeStateless(pruned)).rejects.toBeInstanceOf(WitnessIncomplete)
  }, 120_000)
})
