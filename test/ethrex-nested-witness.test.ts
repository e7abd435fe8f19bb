import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createMerkleProof, createMPT } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { describe, expect, it } from 'vitest'
import { encodeL2ProgramInput } from '../guest/l2/input.js'
import { encodeProgramInput } from '../guest/input.js'
import { loadBackend } from '../src/backend/index.js'
import { l2CacheFileToInput } from '../src/l2/cache.js'
import { BatchInput } from '../src/protocol/batchInput.js'
import { ProtocolError } from '../src/protocol/errors.js'
import { chainConfigFromEthrex, chainConfigToEthrex } from '../src/protocol/ethrex/chainConfig.js'
import { embedTrie, EmbeddedTrieInvalid, nodesByHash, readEmbeddedTrie } from '../src/protocol/ethrex/embeddedTrie.js'
import { ethrexL1Json, programInputFromEthrexL1 } from '../src/protocol/ethrex/proverInput.js'
import { ethrexWitnessJson, parseEthrexWitness } from '../src/protocol/ethrex/witness.js'
import { parseJson, stringifyJson, type Json } from '../src/protocol/json.js'
import { cacheFileToProgramInput, readCacheFile } from '../src/witness/cache.js'
import { HOODI_CACHE, REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

const DIR = resolve(REPO_ROOT, 'test/fixtures/ethrex-nested')
const text = (name: string) => readFileSync(resolve(DIR, name), 'utf8')
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const asSet = (nodes: Uint8Array[]) => new Set(nodes.map(hex))

function thrown(f: () => unknown): ProtocolError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError)
    return e as ProtocolError
  }
  throw new Error('expected a ProtocolError')
}

describe("ethrex's trie Node JSON (hand-typed golden: the EF TrieTests smallValues trie)", () => {
  const golden = text('trie-small-values.json')
  const ef = JSON.parse(readFileSync(resolve(SHARED_FIXTURES, 'ethereum-tests/TrieTests/trieanyorder.json'), 'utf8')).smallValues

  it('reads to the root ethereum/tests gives, with the inline children in their parent', () => {
    const tree = readEmbeddedTrie(parseJson(golden), 'state_trie_root')
    expect(hex(tree.rootHash)).toBe(ef.root)
    // Two hashed nodes: the root extension and the branch below it; the rest is inline.
    expect(tree.nodes).toHaveLength(2)
  })

  it('writes the same JSON, byte for byte, from the nodes @ethereumjs/mpt builds', async () => {
    const trie = await createMPT()
    const keys = Object.keys(ef.in)
    for (const k of keys) await trie.put(Buffer.from(k), Buffer.from(ef.in[k]))
    expect(hex(trie.root())).toBe(ef.root)
    const proofNodes = (await Promise.all(keys.map((k) => createMerkleProof(trie, Buffer.from(k))))).flat()
    // An RPC witness lists hashed nodes only (those of 32 bytes and more); ethereumjs's proofs add the inline ones.
    const hashed = proofNodes.filter((n) => n.length >= 32)
    expect(stringifyJson(embedTrie(trie.root(), nodesByHash(hashed), 'trie')!.json)).toBe(golden)
    // A short node that is listed anyway is found by its keccak and embedded, as ethrex's get_embedded_root does.
    const all = embedTrie(trie.root(), nodesByHash(proofNodes), 'trie')!.json as any // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(all.Extension.child.Node[0].Branch.choices[2].Node[0].Extension.prefix.data).toEqual([6, 5])
    expect(all.Extension.child.Node[0].Branch.choices[4]).toEqual({ Node: [{ Leaf: { partial: { data: [6, 15, 6, 7, 16], already_consumed: [] }, value: [...Buffer.from('puppy')] } }] })
    expect(hex(readEmbeddedTrie(all, 't').rootHash)).toBe(ef.root)
  })
})

describe('ethrex ExecutionWitness, nested and flat (goldens from make-nested-witness.mjs)', () => {
  const nestedText = text('execution-witness-nested.json')
  const flatText = text('execution-witness-flat.json')

  it('reads both layouts to the same witness; the nested one proves itself against the parent header', () => {
    const nested = parseEthrexWitness(parseJson(nestedText), 'execution_witness')
    const flat = parseEthrexWitness(parseJson(flatText), 'execution_witness')
    expect(nested.form).toBe('nested')
    expect(flat.form).toBe('flat')
    expect(asSet(nested.witness.state)).toEqual(asSet(flat.witness.state))
    expect(nested.witness.codes).toEqual(flat.witness.codes)
    expect(nested.witness.headers).toEqual(flat.witness.headers)
    expect(nested.firstBlockNumber).toBe(7)
    expect(nested.chainConfig).toEqual(flat.chainConfig)
  })

  it('writes each layout byte for byte from the flat witness', () => {
    const flat = parseEthrexWitness(parseJson(flatText), 'execution_witness')
    expect(stringifyJson(ethrexWitnessJson(flat.witness, 7, flat.chainConfig, 'nested'))).toBe(nestedText)
    expect(stringifyJson(ethrexWitnessJson(flat.witness, 7, flat.chainConfig, 'flat'))).toBe(flatText)
    // And back again from the nested read: the same nested text (node order does not matter to the writer).
    const nested = parseEthrexWitness(parseJson(nestedText), 'execution_witness')
    expect(stringifyJson(ethrexWitnessJson(nested.witness, 7, nested.chainConfig, 'nested'))).toBe(nestedText)
  })

  it('reads the ethrex v7-v9 layout (storage keyed by address, with keys)', () => {
    const w = JSON.parse(nestedText)
    const [hashed] = Object.keys(w.storage_trie_roots)
    w.storage_trie_roots = { '0x2000000000000000000000000000000000000002': w.storage_trie_roots[hashed] }
    w.keys = []
    const read = parseEthrexWitness(parseJson(JSON.stringify(w)), 'execution_witness')
    expect(read.form).toBe('nested-by-address')
    expect(asSet(read.witness.state)).toEqual(asSet(parseEthrexWitness(parseJson(nestedText), 'x').witness.state))
  })

  // Each defect: [what, mutate the parsed golden, the field named, the message].
  const defects: [string, (w: any) => void, string, RegExp][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['a leaf value changed', (w) => (firstLeaf(w.state_trie_root).value[0] ^= 1), 'execution_witness.state_trie_root', /re-hashes to 0x[0-9a-f]{64}, but the parent header \(block 6\) has state root/],
    ['17 choices', (w) => w.state_trie_root.Branch.choices.push(w.state_trie_root.Branch.choices[0]), 'execution_witness.state_trie_root.Branch.choices', /expected 16 NodeRefs, got 17/],
    ['a choice of the wrong type', (w) => (w.state_trie_root.Branch.choices[3] = 'x'), 'execution_witness.state_trie_root.Branch.choices[3]', /expected an object/],
    ['an unknown node variant', (w) => (w.state_trie_root = { Twig: {} }), 'execution_witness.state_trie_root', /expected one of \{"Branch"/],
    ['NodeRef::Node with no node', (w) => (embeddedChoice(w.state_trie_root).Node = []), 'execution_witness.state_trie_root.Branch.choices[', /expected \[<Node>\]/],
    ['a leaf path without terminator', (w) => firstLeaf(w.state_trie_root).partial.data.pop(), '.Leaf.partial.data', /must end with the terminator nibble 16/],
    ['a nibble out of range', (w) => (firstLeaf(w.state_trie_root).partial.data[0] = 17), '.Leaf.partial.data[0]', /nibble 17 is out of range/],
    ['a byte out of range', (w) => (firstLeaf(w.state_trie_root).value[2] = 256), '.Leaf.value[2]', /byte value 0..255/],
    ['an inline length over 31', (w) => (w.state_trie_root.Branch.choices[emptyChoice(w.state_trie_root)].Hash.Inline[1] = 40), '.Hash.Inline[1]', /length 0..31/],
    ['an inline buffer of 30 bytes', (w) => w.state_trie_root.Branch.choices[emptyChoice(w.state_trie_root)].Hash.Inline[0].pop(), '.Hash.Inline[0]', /exactly 31 numbers/],
    ['a hash of 31 bytes', (w) => (w.state_trie_root.Branch.choices[emptyChoice(w.state_trie_root)] = { Hash: { Hashed: `0x${'ab'.repeat(31)}` } }), '.Hash.Hashed', /0x-hex of 32 bytes/],
    ['a storage tree under no account', (w) => rekey(w, `0x${'11'.repeat(32)}`), 'execution_witness.storage_trie_roots["0x1111', /no account with hashed address/],
    ['a storage tree changed', (w) => (firstLeaf(Object.values(w.storage_trie_roots)[0]).value[1] ^= 1), 'execution_witness.storage_trie_roots["0x', /re-hashes to 0x[0-9a-f]{64}, but the account's storage root is/],
    ['a storage key that is not a hash', (w) => rekey(w, 'zz'), 'execution_witness.storage_trie_roots["zz"]', /neither 0x-hex of keccak\(address\)/],
    ['no parent header', (w) => (w.first_block_number = 9), 'execution_witness.block_headers_bytes', /no header of block 8/],
    ['an empty state for a non-empty parent', (w) => (w.state_trie_root = null), 'execution_witness.state_trie_root', /is null, but the parent header/],
  ]
  for (const [what, mutate, field, message] of defects) {
    it(`refuses ${what}, naming the path`, () => {
      const w = JSON.parse(nestedText)
      mutate(w)
      const e = thrown(() => parseEthrexWitness(parseJson(JSON.stringify(w)), 'execution_witness'))
      expect(e.field).toContain(field)
      expect(e.message).toMatch(message)
    })
  }

  it('reads a tree of 140 000 nodes (wide, not deep) without exhausting the stack', () => {
    // 16^4 branches at depth 4, each over 2 leaves: 139 810 nodes in one tree. One leaf object is shared by
    // every slot (the reader re-encodes each slot anyway), which keeps the test's memory small.
    const empty = { Hash: { Inline: [new Array(31).fill(0), 0] } }
    const leaf = { Leaf: { partial: { data: [...new Array(59).fill(1), 16], already_consumed: [] }, value: [1, 2, 3] } }
    let level: Json = { Branch: { choices: [{ Node: [leaf] }, { Node: [leaf] }, ...new Array(14).fill(empty)], value: [] } }
    for (let d = 0; d < 4; d++) level = { Branch: { choices: new Array(16).fill({ Node: [level] }), value: [] } }
    const root = readEmbeddedTrie(level, 's').rootHash
    const w = JSON.parse(nestedText)
    const header = RLP.decode(Uint8Array.from(w.block_headers_bytes[0])) as Uint8Array[]
    header[3] = root
    w.block_headers_bytes = [Array.from(RLP.encode(header))]
    w.state_trie_root = level
    w.storage_trie_roots = {}
    const read = parseEthrexWitness(w, 'execution_witness')
    // Identical subtrees give identical nodes, kept once: one branch per level and the leaf.
    expect(read.witness.state).toHaveLength(6)
  }, 120_000)

  it('refuses a tree deeper than a 32-byte key without recursing on (a chain of 10 000 branches)', () => {
    const w = JSON.parse(nestedText)
    let deep: Json = { Leaf: { partial: { data: [16], already_consumed: [] }, value: [1] } }
    const empty = w.state_trie_root.Branch.choices[emptyChoice(w.state_trie_root)]
    for (let i = 0; i < 10_000; i++) deep = { Branch: { choices: [{ Node: [deep] }, ...new Array(15).fill(empty)], value: [] } }
    w.state_trie_root = deep
    // Built in memory (the wire's JSON reader stops at 512 levels before this would be reached).
    const e = thrown(() => parseEthrexWitness(w, 'execution_witness'))
    expect(e).toBeInstanceOf(EmbeddedTrieInvalid)
    expect(e.message).toMatch(/65 nibbles deep, longer than a 32-byte key/)
    expect(e.field).toMatch(/^execution_witness\.state_trie_root(\.Branch\.choices\[0\]\.Node\[0\]){65}$/)
  })
})

/** The first embedded Leaf under a node (depth first). */
function firstLeaf(n: any): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (n.Leaf) return n.Leaf
  if (n.Extension) return firstLeaf(n.Extension.child.Node[0])
  return firstLeaf(embeddedChoice(n).Node[0])
}
const embeddedChoice = (n: any) => n.Branch.choices.find((c: any) => c.Node) // eslint-disable-line @typescript-eslint/no-explicit-any
const emptyChoice = (n: any) => n.Branch.choices.findIndex((c: any) => c.Hash?.Inline?.[1] === 0) // eslint-disable-line @typescript-eslint/no-explicit-any
function rekey(w: any, key: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  const [tree] = Object.values(w.storage_trie_roots)
  w.storage_trie_roots = { [key]: tree }
}

describe('ChainConfig of the nested-witness era (terminalTotalDifficulty as "0x…", ethrex #6230)', () => {
  it('reads the hex string as ethrex\'s hex_str_opt does, and writes it so in the nested form only', () => {
    const base = { chainId: 7, londonBlock: 0, depositContractAddress: '0x00000000219ab540356cbb839cbe05303d7705fa' }
    expect(chainConfigFromEthrex({ ...base, terminalTotalDifficulty: '0xc70d808a128d7380000' }, 'c').terminalTotalDifficulty).toBe('58750000000000000000000')
    expect(chainConfigFromEthrex({ ...base, terminalTotalDifficulty: '' }, 'c').terminalTotalDifficulty).toBeUndefined()
    expect(() => chainConfigFromEthrex({ ...base, terminalTotalDifficulty: '0xzz' }, 'c')).toThrow(/c\.terminalTotalDifficulty/)
    const config = { chainId: 7, londonBlock: 0, terminalTotalDifficulty: '58750000000000000000000' }
    expect(chainConfigToEthrex(config, true).terminalTotalDifficulty).toBe('0xc70d808a128d7380000')
    expect(chainConfigToEthrex(config).terminalTotalDifficulty).toBe(58750000000000000000000n)
  })
})

describe('the same block proves to the same public values in every form', () => {
  it('a real Hoodi block: flat, nested, and nested read back', async () => {
    const program = cacheFileToProgramInput(await readCacheFile(HOODI_CACHE))
    const exec = await loadBackend('exec')
    const direct = (await exec.prove(encodeProgramInput(program))).publicValues
    for (const form of ['nested', 'flat'] as const) {
      const wire = stringifyJson(ethrexL1Json(program, form))
      const back = programInputFromEthrexL1(parseJson(wire), 'input')
      expect((await exec.prove(encodeProgramInput(back))).publicValues).toEqual(direct)
    }
    // The nested form's state tree is the parent's state: its root is the parent header's state root.
    const nested = ethrexL1Json(program, 'nested') as { execution_witness: { state_trie_root: Json } }
    expect(readEmbeddedTrie(nested.execution_witness.state_trie_root, 's').rootHash).toHaveLength(32)
    expect(direct.subarray(0, 32)).toEqual(readEmbeddedTrie(nested.execution_witness.state_trie_root, 's').rootHash)
  }, 120_000)

  it('an L2 devnet batch (ethrex ProverInputData): flat and nested', async () => {
    const l2 = l2CacheFileToInput(JSON.parse(readFileSync(resolve(REPO_ROOT, 'fixtures/l2/cache_batch_1.json'), 'utf8')))
    const exec = await loadBackend('exec')
    const stored = encodeL2ProgramInput(l2)
    const direct = (await exec.prove(stored)).publicValues
    for (const form of ['nested', 'flat'] as const) {
      const wire = stringifyJson(BatchInput.fromStored(stored, form).ethrexJson())
      expect(wire.includes('"state_trie_root"')).toBe(form === 'nested')
      const received = BatchInput.fromEthrexJson(parseJson(wire), 'input')
      expect(received.form).toBe('l2')
      expect((await exec.prove(received.runnableBytes())).publicValues).toEqual(direct)
    }
  }, 120_000)
})
