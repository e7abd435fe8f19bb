import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { ValueEncoding, bytesToHex, hexToBytes, utf8ToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { WitnessIncomplete } from '../guest/errors.js'
import { NodeStore, RecordingNodeStore } from '../guest/state.js'
import { EF_TRIE_TESTS } from './support/fixtures.js'

const trieOver = (store: NodeStore, root?: Uint8Array, secure = false) => {
  const trie = new MerklePatriciaTrie({ db: store, valueEncoding: ValueEncoding.Bytes, useKeyHashing: secure })
  if (root) trie.root(root)
  return trie
}

/** 40-byte values keep leaves over 32 bytes, so they are stored by hash instead of inlined. */
const value = (tag: number) => new Uint8Array(40).fill(tag)
const key = (hex: string) => hexToBytes(`0x${hex.padEnd(64, '0')}` as `0x${string}`)

async function fullTrie(entries: [Uint8Array, Uint8Array][]) {
  const store = new NodeStore()
  const trie = trieOver(store)
  for (const [k, v] of entries) await trie.put(k, v)
  return { store, root: trie.root() }
}

/**
 * Delete `victim` statelessly: record the reads of the deletion over the full trie, then replay the deletion
 * over a store holding only the recorded nodes. Returns both roots and the recorded node list.
 */
async function statelessDelete(entries: [Uint8Array, Uint8Array][], victim: Uint8Array) {
  const { store, root } = await fullTrie(entries)
  const recording = new RecordingNodeStore(store.contents())
  const full = trieOver(recording, root)
  await full.del(victim)
  const { state } = recording.recorded()
  const pruned = trieOver(NodeStore.fromWitness(state, [], (b) => new MerklePatriciaTrie().hash(b)), root)
  await pruned.del(victim)
  return { expected: full.root(), got: pruned.root(), state, root }
}

async function deleteWithout(entries: [Uint8Array, Uint8Array][], victim: Uint8Array, state: Uint8Array[], drop: Uint8Array, root: Uint8Array) {
  const hash = (b: Uint8Array) => new MerklePatriciaTrie().hash(b)
  const kept = state.filter((n) => bytesToHex(hash(n)) !== bytesToHex(hash(drop)))
  expect(kept.length).toBe(state.length - 1)
  const pruned = trieOver(NodeStore.fromWitness(kept, [], hash), root)
  return pruned.del(victim)
}

describe('pruned trie deletions (branch collapse)', () => {
  it('collapses a branch whose remaining child is a leaf, and needs that leaf', async () => {
    const k1 = key('10')
    const k2 = key('20')
    const entries: [Uint8Array, Uint8Array][] = [[k1, value(1)], [k2, value(2)]]
    const { expected, got, state, root } = await statelessDelete(entries, k1)
    expect(bytesToHex(got)).toBe(bytesToHex(expected))
    // The remaining leaf must be in the witness: the new root is that leaf with a longer key.
    const leaf2 = state.find((n) => bytesToHex(n).includes(bytesToHex(value(2)).slice(2)))!
    expect(leaf2).toBeDefined()
    await expect(deleteWithout(entries, k1, state, leaf2, root)).rejects.toBeInstanceOf(WitnessIncomplete)
    // And the full trie after the deletion is the single-leaf trie.
    expect(bytesToHex(expected)).toBe(bytesToHex((await fullTrie([[k2, value(2)]])).root))
  })

  it('collapses a branch whose remaining child is a branch, and needs that branch', async () => {
    const k1 = key('10')
    const k2 = key('21')
    const k3 = key('22')
    const entries: [Uint8Array, Uint8Array][] = [[k1, value(1)], [k2, value(2)], [k3, value(3)]]
    const { expected, got, state, root } = await statelessDelete(entries, k1)
    expect(bytesToHex(got)).toBe(bytesToHex(expected))
    expect(bytesToHex(expected)).toBe(bytesToHex((await fullTrie([[k2, value(2)], [k3, value(3)]])).root))
    // The child branch is read to turn the root into an extension; every recorded node is needed.
    expect(state.length).toBe(3)
    for (const node of state) await expect(deleteWithout(entries, k1, state, node, root)).rejects.toBeInstanceOf(WitnessIncomplete)
  })

  it('collapses a branch whose remaining child is an extension, merging the paths', async () => {
    const k1 = key('10')
    const k2 = key('2341')
    const k3 = key('2342')
    const entries: [Uint8Array, Uint8Array][] = [[k1, value(1)], [k2, value(2)], [k3, value(3)]]
    const { expected, got, state, root } = await statelessDelete(entries, k1)
    expect(bytesToHex(got)).toBe(bytesToHex(expected))
    expect(bytesToHex(expected)).toBe(bytesToHex((await fullTrie([[k2, value(2)], [k3, value(3)]])).root))
    // Every recorded node is needed: dropping any one makes the deletion fail, never silently succeed.
    for (const node of state) await expect(deleteWithout(entries, k1, state, node, root)).rejects.toBeInstanceOf(WitnessIncomplete)
  })

  it('reports a missing node as WitnessIncomplete instead of treating the key as absent', async () => {
    const { store, root } = await fullTrie([[key('10'), value(1)], [key('20'), value(2)]])
    const rootNode = store.contents().get(bytesToHex(root).slice(2))!
    const pruned = trieOver(NodeStore.fromWitness([rootNode], [], (b) => new MerklePatriciaTrie().hash(b)), root)
    await expect(pruned.get(key('20'))).rejects.toBeInstanceOf(WitnessIncomplete)
  })
})

// EF TrieTests: keys/values are hex when 0x-prefixed, else UTF-8.
const bytesOf = (s: string | null) => (s === null ? null : s.startsWith('0x') ? hexToBytes(s as `0x${string}`) : utf8ToBytes(s))
const load = (f: string) => JSON.parse(readFileSync(join(EF_TRIE_TESTS, f), 'utf8')) as Record<string, { in: unknown; root: string }>

describe('EF TrieTests over the witness node store', () => {
  for (const [file, secure] of [
    ['trietest.json', false],
    ['trieanyorder.json', false],
    ['trietest_secureTrie.json', true],
    ['trieanyorder_secureTrie.json', true],
    ['hex_encoded_securetrie_test.json', true],
  ] as const) {
    for (const [name, t] of Object.entries(load(file))) {
      it(`${file} ${name}`, async () => {
        const pairs: [string, string | null][] = Array.isArray(t.in) ? (t.in as [string, string | null][]) : Object.entries(t.in as Record<string, string>)
        const store = new NodeStore()
        const trie = trieOver(store, undefined, secure)
        for (const [k, v] of pairs) {
          const vb = bytesOf(v)
          if (vb === null || vb.length === 0) await trie.del(bytesOf(k)!)
          else await trie.put(bytesOf(k)!, vb)
        }
        expect(bytesToHex(trie.root())).toBe(t.root)
        // Each surviving key read back through a store holding only the nodes that read touched.
        const final = new Map<string, Uint8Array | null>()
        for (const [k, v] of pairs) final.set(k, bytesOf(v))
        for (const [k, v] of final) {
          if (v === null || v.length === 0) continue
          const recording = new RecordingNodeStore(store.contents())
          await trieOver(recording, trie.root(), secure).get(bytesOf(k)!)
          const pruned = trieOver(NodeStore.fromWitness(recording.recorded().state, [], (b) => new MerklePatriciaTrie().hash(b)), trie.root(), secure)
          expect(bytesToHex((await pruned.get(bytesOf(k)!))!)).toBe(bytesToHex(v))
        }
      })
    }
  }

  it('trietestnextprev.json: in-order iteration gives the expected neighbours', async () => {
    const t = load('trietestnextprev.json').basic as unknown as { in: string[]; tests: [string, string, string][] }
    const trie = trieOver(new NodeStore())
    // Values padded past 32 bytes so every leaf is stored by hash (the walker looks nodes up by hash).
    const padded = (k: string) => new Uint8Array([...utf8ToBytes(k), ...new Uint8Array(40)])
    for (const k of t.in) await trie.put(utf8ToBytes(k), padded(k))
    const keys: string[] = []
    for await (const { node } of trie.walkTrieIterable(trie.root())) {
      const v = (node as { value?: () => Uint8Array | null }).value?.()
      if (v) keys.push(new TextDecoder().decode(v.subarray(0, v.indexOf(0))))
    }
    expect(keys).toEqual([...t.in].sort())
    for (const [probe, prev, next] of t.tests) {
      expect(keys.filter((k) => k < probe).at(-1) ?? '').toBe(prev)
      expect(keys.find((k) => k > probe) ?? '').toBe(next)
    }
  })
})
