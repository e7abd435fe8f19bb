import { describe, expect, it } from 'vitest'
import { concat, keccak256, toHex, type Hex } from 'viem'
import { messagesMerkleProof, messagesMerkleRoot } from '../src/l1/messages.js'

/** OpenZeppelin MerkleProof.verify, as CommonBridge runs it (MerkleProofLib.sol). */
function verify(proof: Hex[], root: Hex, leaf: Hex): boolean {
  let node = leaf
  for (const s of proof) node = BigInt(node) <= BigInt(s) ? keccak256(concat([node, s])) : keccak256(concat([s, node]))
  return node === root
}

describe('L1-message Merkle proofs against the guest\'s root', () => {
  for (let n = 1; n <= 9; n++) {
    it(`${n} leaves: every leaf proves, a wrong leaf or index does not`, () => {
      const leaves = Array.from({ length: n }, (_, i) => keccak256(toHex(`message ${i}`)))
      const root = messagesMerkleRoot(leaves)
      for (let i = 0; i < n; i++) {
        const proof = messagesMerkleProof(leaves, i)
        expect(verify(proof, root, leaves[i])).toBe(true)
        expect(verify(proof, root, keccak256(toHex('forged')))).toBe(false)
        if (n > 1) expect(verify(messagesMerkleProof(leaves, (i + 1) % n), root, leaves[i])).toBe(leaves[(i + 1) % n] === leaves[i])
      }
    })
  }
  it('refuses an index outside the tree', () => {
    expect(() => messagesMerkleProof([keccak256('0x01')], 1)).toThrow(RangeError)
  })
})
