import { concat, encodePacked, keccak256, numberToHex, pad, type Address, type Hex } from 'viem'

/**
 * Host-side hashing of L1<->L2 messages, the way ethrex's contracts and L2 program hash them. The L2 guest
 * (guest/l2) computes the same roots when proving; these are for the sequencer side: commitments, claims,
 * withdrawal proofs.
 */

/** ethrex's L2 bridge address, sender of every withdrawal message. */
export const L2_BRIDGE_ADDRESS: Address = '0x000000000000000000000000000000000000FFff'
export const L2_MESSENGER_ADDRESS: Address = '0x000000000000000000000000000000000000FFFE'
/** Stands for ETH in withdrawal messages (ethrex's NATIVE_TOKEN_L2 / ETH_ADDRESS). */
export const NATIVE_TOKEN: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE'

/** keccak(tokenL1 ‖ tokenL2 ‖ receiver ‖ amount): what CommonBridgeL2 sends to L1 for a withdrawal. */
export function withdrawalMessage(tokenL1: Address, tokenL2: Address, receiver: Address, amount: bigint): Hex {
  return keccak256(encodePacked(['address', 'address', 'address', 'uint256'], [tokenL1, tokenL2, receiver, amount]))
}

/**
 * Leaf of the L1-messages tree: sender(20) ‖ data(32) ‖ message id(32), as ethrex's L1Message encodes it
 * (lambdaclass/ethrex, crates/l2/common/src/messages.rs) and CommonBridge._claim rebuilds it.
 */
export function l1MessageLeaf(from: Address, data: Hex, messageId: bigint): Hex {
  return keccak256(encodePacked(['address', 'bytes32', 'uint256'], [from, data, messageId]))
}

function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) <= BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]))
}

function nextLevel(level: Hex[]): Hex[] {
  const out: Hex[] = []
  for (let i = 0; i < level.length; i += 2) out.push(i + 1 < level.length ? hashPair(level[i], level[i + 1]) : level[i])
  return out
}

/**
 * ethrex's L1-messages Merkle root: sorted-pair keccak, an odd last node promoted unchanged, one leaf is its
 * own root, no leaves give zero (lambdaclass/ethrex@37aa4934a0ac8a514d94a0120c513eff61b3a010:crates/common/merkle_tree.rs).
 */
export function messagesMerkleRoot(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) return pad('0x00', { size: 32 })
  let level = [...leaves]
  while (level.length > 1) level = nextLevel(level)
  return level[0]
}

/** Sibling path from leaf `index` to the root, for CommonBridge.claimWithdrawal (same tree as above). */
export function messagesMerkleProof(leaves: readonly Hex[], index: number): Hex[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf index ${index} out of range (0..${leaves.length - 1})`)
  const proof: Hex[] = []
  let level = [...leaves]
  let i = index
  while (level.length > 1) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1
    if (sibling < level.length) proof.push(level[sibling])
    level = nextLevel(level)
    i = Math.floor(i / 2)
  }
  return proof
}

export interface PrivilegedTxFields {
  from: Address
  to: Address
  transactionId: bigint
  value: bigint
  gasLimit: bigint
  data: Hex
}

/** The hash CommonBridge queues per privileged transaction: from ‖ to ‖ id ‖ value ‖ gas limit ‖ keccak(data). */
export function privilegedTxHash(t: PrivilegedTxFields): Hex {
  return keccak256(
    concat([t.from, t.to, numberToHex(t.transactionId, { size: 32 }), numberToHex(t.value, { size: 32 }), numberToHex(t.gasLimit, { size: 32 }), keccak256(t.data)]),
  )
}

/** ethrex's privileged-transactions "versioned hash": count in the top 2 bytes, then the low 30 bytes of keccak(hashes). */
export function privilegedRollingHash(hashes: readonly Hex[]): Hex {
  if (hashes.length === 0) return pad('0x00', { size: 32 })
  if (hashes.length > 0xffff) throw new RangeError(`${hashes.length} privileged transactions do not fit the 2-byte count`)
  const digest = keccak256(concat([...hashes]))
  return concat([numberToHex(hashes.length, { size: 2 }), `0x${digest.slice(6)}`])
}
