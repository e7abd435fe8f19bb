import type { Log } from '@ethereumjs/evm'
import { bytesToHex, concatBytes, equalsBytes, utf8ToBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { BlockInvalid } from '../errors.js'
import { L1_MESSENGER_ADDRESS } from './constants.js'

/** A message from L2 to L1 (a withdrawal or a `sendToL1`), as crates/l2/common/src/l1_messages.rs @ 6fbd93b5. */
export interface L1Message {
  /** Who called the messenger. */
  from: Uint8Array
  /** keccak of the message data. */
  dataHash: Uint8Array
  /** Message id assigned by the messenger (u256, 32 bytes BE). */
  messageId: Uint8Array
}

const L1_MESSAGE_TOPIC = keccak_256(utf8ToBytes('L1Message(address,bytes32,uint256)'))
const MESSENGER = L1_MESSENGER_ADDRESS.slice(2)

/**
 * ethrex get_block_l1_messages: every log of the messenger system contract that has the
 * `L1Message(address,bytes32,uint256)` topic among its topics; from = topic 1 (low 20 bytes),
 * data hash = topic 2, message id = topic 3. Logs missing a topic are skipped, as ethrex does.
 */
export function l1MessagesFromLogs(logs: Log[]): L1Message[] {
  const out: L1Message[] = []
  for (const [address, topics] of logs) {
    if (bytesToHex(address).slice(2) !== MESSENGER) continue
    if (!topics.some((t) => equalsBytes(t, L1_MESSAGE_TOPIC))) continue
    if (topics.length < 4) continue
    out.push({ from: topics[1].slice(12, 32), dataHash: topics[2], messageId: topics[3] })
  }
  return out
}

/** keccak(from 20 ‖ data hash 32 ‖ message id 32). */
export function l1MessageHash(m: L1Message, keccak256: (b: Uint8Array) => Uint8Array = keccak_256): Uint8Array {
  return keccak256(concatBytes(m.from, m.dataHash, m.messageId))
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

/**
 * ethrex compute_merkle_root (crates/l2/common/src/merkle_tree.rs, lambdaworks MerkleTree): leaves are the
 * hashes themselves, padded to a power of two by repeating the last one; a parent is keccak of its two
 * children in ascending byte order (OpenZeppelin's commutative hash, so L1 verifies with MerkleProof).
 * No leaves: zero. One leaf: the leaf.
 */
export function merkleRoot(leaves: Uint8Array[], keccak256: (b: Uint8Array) => Uint8Array = keccak_256): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32)
  let level = leaves.slice()
  let size = 1
  while (size < level.length) size *= 2
  while (level.length < size) level.push(level[level.length - 1])
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = compareBytes(level[i], level[i + 1]) < 0 ? [level[i], level[i + 1]] : [level[i + 1], level[i]]
      next.push(keccak256(concatBytes(a, b)))
    }
    level = next
  }
  return level[0]
}

/**
 * ethrex compute_privileged_transactions_hash (crates/l2/common/src/privileged_transactions.rs): zero when
 * there are none, else count as u16 BE ‖ bytes 2..32 of keccak(hash_1 ‖ … ‖ hash_n). More than 65535
 * hashes is an error there too.
 */
export function privilegedTransactionsHash(hashes: Uint8Array[], keccak256: (b: Uint8Array) => Uint8Array = keccak_256): Uint8Array {
  if (hashes.length === 0) return new Uint8Array(32)
  if (hashes.length > 0xffff) throw new BlockInvalid(undefined, 'privileged tx rolling hash', { reason: `${hashes.length} privileged transactions do not fit in u16` })
  const out = new Uint8Array(32)
  out[0] = hashes.length >> 8
  out[1] = hashes.length & 0xff
  out.set(keccak256(concatBytes(...hashes)).subarray(2), 2)
  return out
}
