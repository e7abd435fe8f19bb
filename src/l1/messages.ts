import { createAddressFromString } from '@ethereumjs/util'
import { bytesToHex, concat, encodePacked, hexToBytes, keccak256, type Address, type Hex } from 'viem'
import { l1MessageHash, merkleRoot, privilegedTransactionsHash } from '../../guest/l2/messages.js'
import { PrivilegedTransaction } from '../../guest/l2/privilegedTx.js'

/**
 * Host-side L1<->L2 message hashing for the sequencer side (commitments, claims, withdrawal proofs). The
 * roots and hashes are the L2 guest's own functions (guest/l2/messages.ts, ethrex @ 6fbd93b5), so what the
 * sequencer commits and what the prover proves cannot drift apart; this file adds the Merkle *proofs*.
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

/** Leaf of the L1-messages tree: keccak(sender 20 ‖ data 32 ‖ message id 32); CommonBridge._claim rebuilds it. */
export function l1MessageLeaf(from: Address, data: Hex, messageId: bigint): Hex {
  const id = hexToBytes(`0x${messageId.toString(16).padStart(64, '0')}`)
  return bytesToHex(l1MessageHash({ from: hexToBytes(from), dataHash: hexToBytes(data), messageId: id }))
}

/** The batch's L1-messages Merkle root, exactly as the L2 guest computes it. */
export function messagesMerkleRoot(leaves: readonly Hex[]): Hex {
  return bytesToHex(merkleRoot(leaves.map((l) => hexToBytes(l))))
}

function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) <= BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]))
}

/**
 * Sibling path from leaf `index` to messagesMerkleRoot, for CommonBridge.claimWithdrawal. Same tree as the
 * guest's (ethrex @ 6fbd93b5, lambdaworks): leaves padded to a power of two by repeating the last one,
 * sorted-pair keccak, so OpenZeppelin-style verification on L1 accepts it.
 */
export function messagesMerkleProof(leaves: readonly Hex[], index: number): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf index ${index} out of range (0..${leaves.length - 1})`)
  let level = [...leaves]
  let size = 1
  while (size < level.length) size *= 2
  while (level.length < size) level.push(level[level.length - 1])
  const proof: Hex[] = []
  let i = index
  while (level.length > 1) {
    proof.push(level[i ^ 1])
    const next: Hex[] = []
    for (let j = 0; j < level.length; j += 2) next.push(hashPair(level[j], level[j + 1]))
    level = next
    i >>= 1
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

/** The hash CommonBridge queues per privileged transaction (the guest's PrivilegedTransaction.privilegedHash). */
export function privilegedTxHash(t: PrivilegedTxFields): Hex {
  const tx = new PrivilegedTransaction(0n, t.transactionId, 0n, 0n, t.gasLimit, createAddressFromString(t.to), t.value, hexToBytes(t.data), [], createAddressFromString(t.from))
  return bytesToHex(tx.privilegedHash()!)
}

/** ethrex's privileged-transactions rolling ("versioned") hash, as the guest computes it. */
export function privilegedRollingHash(hashes: readonly Hex[]): Hex {
  return bytesToHex(privilegedTransactionsHash(hashes.map((h) => hexToBytes(h))))
}
