import { MerklePatriciaTrie, createMerkleProof } from '@ethereumjs/mpt'
import { ValueEncoding, bytesToHex } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { NodeStore } from '../guest/state.js'
import { MAX_SEARCH_DEPTH, positionOf, preimageWithPrefix } from '../src/rpc/siblings.js'

describe('finding a key through a trie position', () => {
  it('finds preimages whose hash starts with the nibbles, for addresses and slots', () => {
    for (const nibbles of [[], [7], [0xa, 3], [1, 2, 3]]) {
      for (const size of [20, 32] as const) {
        const p = preimageWithPrefix(nibbles, size)!
        expect(p.length).toBe(size)
        expect(bytesToHex(keccak_256(p)).slice(2, 2 + nibbles.length)).toBe(nibbles.map((n) => n.toString(16)).join(''))
      }
    }
    expect(preimageWithPrefix(new Array(MAX_SEARCH_DEPTH + 1).fill(0), 32)).toBeUndefined()
  })

  it('locates a referenced node (present or not) by its path from the root', async () => {
    const store = new NodeStore()
    const trie = new MerklePatriciaTrie({ db: store, valueEncoding: ValueEncoding.Bytes, useKeyHashing: true })
    const keys = Array.from({ length: 40 }, (_, i) => new Uint8Array([i]))
    for (const k of keys) await trie.put(k, new Uint8Array(40).fill(1))
    // The live nodes (the store also keeps nodes that later writes replaced): the union of all proofs.
    const nodes = new Map<string, Uint8Array>()
    for (const k of keys) for (const n of await createMerkleProof(trie, k)) nodes.set(bytesToHex(keccak_256(n)), n)
    // Every node's position, checked against a key proven through it.
    for (const [hash] of nodes) {
      const pos = positionOf(hash, [{ root: trie.root() }], nodes)
      expect(pos).toBeDefined()
      const key = preimageWithPrefix(pos!.path, 32)!
      const proof = await createMerkleProof(trie, key)
      expect(proof.map((n) => bytesToHex(keccak_256(n)))).toContain(hash)
    }
    expect(positionOf(`0x${'ab'.repeat(32)}`, [{ root: trie.root() }], nodes)).toBeUndefined()
  })
})
