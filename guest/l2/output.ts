import { BlockInvalid } from '../errors.js'
/**
 * ethrex's L2 public values (crates/l2/prover/src/guest_program/src/output.rs @ 6fbd93b5, ProgramOutput::encode
 * with the `l2` feature): eight 32-byte words, 256 bytes, in this order. The OnChainProposer contract on L1
 * rebuilds the same bytes from what it stored at commit time and checks the proof against them.
 * That revision has no balance diffs and no L2-to-L2 message hashes; later ethrex versions append them after
 * these 256 bytes.
 */
export const L2_PUBLIC_VALUES_LENGTH = 256

export interface L2ProgramOutput {
  /** State root before the batch (the parent of its first block). */
  initialStateRoot: Uint8Array
  /** State root after the batch's last block. */
  finalStateRoot: Uint8Array
  /** Merkle root of the batch's L1 messages (withdrawals, sendToL1), zero if none. */
  l1MessagesMerkleRoot: Uint8Array
  /** Rolling hash of the batch's privileged transactions, zero if none. */
  privilegedTransactionsHash: Uint8Array
  /** Versioned hash of the blob commitment (zero for a validium). */
  blobVersionedHash: Uint8Array
  /** Hash of the batch's last block. */
  lastBlockHash: Uint8Array
  chainId: bigint
  /** Transactions in the batch that are not privileged. */
  nonPrivilegedCount: bigint
}

const WORDS: (keyof L2ProgramOutput)[] = [
  'initialStateRoot',
  'finalStateRoot',
  'l1MessagesMerkleRoot',
  'privilegedTransactionsHash',
  'blobVersionedHash',
  'lastBlockHash',
  'chainId',
  'nonPrivilegedCount',
]

function uint256(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new RangeError(`value ${value} does not fit in uint256`)
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0 && value > 0n; i--) {
    out[i] = Number(value & 0xffn)
    value >>= 8n
  }
  return out
}

export function encodeL2PublicValues(output: L2ProgramOutput): Uint8Array {
  const out = new Uint8Array(L2_PUBLIC_VALUES_LENGTH)
  WORDS.forEach((name, i) => {
    const v = output[name]
    const word = typeof v === 'bigint' ? uint256(v) : v
    if (word.length !== 32) throw new RangeError(`public value ${name} must be 32 bytes, got ${word.length}`)
    out.set(word, i * 32)
  })
  return out
}

export function decodeL2PublicValues(bytes: Uint8Array): L2ProgramOutput {
  if (bytes.length !== L2_PUBLIC_VALUES_LENGTH) throw new RangeError(`L2 public values must be ${L2_PUBLIC_VALUES_LENGTH} bytes, got ${bytes.length}`)
  const word = (i: number) => bytes.slice(i * 32, i * 32 + 32)
  const num = (i: number) => word(i).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n)
  return {
    initialStateRoot: word(0),
    finalStateRoot: word(1),
    l1MessagesMerkleRoot: word(2),
    privilegedTransactionsHash: word(3),
    blobVersionedHash: word(4),
    lastBlockHash: word(5),
    chainId: num(6),
    nonPrivilegedCount: num(7),
  }
}

/** Check names used when a claimed value differs from what the guest computed. */
const CLAIM_CHECKS: Record<keyof L2ProgramOutput, string> = {
  initialStateRoot: 'initial state root',
  finalStateRoot: 'final state root',
  l1MessagesMerkleRoot: 'L1 messages merkle root',
  privilegedTransactionsHash: 'privileged tx rolling hash',
  blobVersionedHash: 'blob versioned hash',
  lastBlockHash: 'last block hash',
  chainId: 'chain id',
  nonPrivilegedCount: 'non-privileged tx count',
}

/**
 * Compare what someone claims about a batch (e.g. what the sequencer committed on L1, or public values a
 * prover submitted) with what the guest computed. The first difference is a BlockInvalid naming the field.
 */
export function checkL2Claims(computed: L2ProgramOutput, claimed: Partial<L2ProgramOutput>): void {
  for (const name of WORDS) {
    const want = claimed[name]
    if (want === undefined) continue
    const got = computed[name]
    const same = typeof got === 'bigint' ? got === want : (want as Uint8Array).length === got.length && (want as Uint8Array).every((b, i) => b === got[i])
    if (!same) {
      const show = (v: unknown) => (typeof v === 'bigint' ? String(v) : `0x${Array.from(v as Uint8Array, (b) => b.toString(16).padStart(2, '0')).join('')}`)
      throw new BlockInvalid(undefined, `claimed ${CLAIM_CHECKS[name]}`, { expected: show(got), actual: show(want) })
    }
  }
}
