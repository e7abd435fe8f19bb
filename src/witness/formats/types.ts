import type { ChainConfig } from '../../../guest/types.js'
import type { Json } from './json.js'

/** Every input shape Tessera recognises, named after its producer (see docs/witness-shapes.md). */
export type ShapeName =
  | 'ethrex-cache'
  | 'ethrex-cache-2025'
  | 'ethrex-cache-sep-2025'
  | 'zk-pig'
  | 'sbv-block-witness'
  | 'rpc-block+witness'
  | 'geth-rlp'
  | 'geth-keeper-payload'
  | 'zevm-binary'
  | 'ssz-stateless-input'
  | 'pre-state'
  | 'eest-witness'
  | 'keth-eels'

/** A block as its producer gave it: RPC-style JSON (flat: header fields + transactions...) or RLP. */
export type BlockSource =
  | { json: Json; where: string }
  | { rlp: Uint8Array; where: string }
  /** Engine-API execution payload (SSZ stateless input): block hash, tx and withdrawals roots recomputed and checked. */
  | { payload: Json; requests: Uint8Array[]; versionedHashes: string[]; where: string }

/** A witness header as given: RLP bytes, or a JSON header to be encoded (and hash-checked) later. */
export type HeaderSource = Uint8Array | { json: Json; where: string }

/** How the chain (id and fork schedule) is known. */
export type ChainSource =
  | { kind: 'config'; config: ChainConfig; where: string }
  | { kind: 'public'; name: string; where: string }
  | { kind: 'chain-id'; chainId: number; where: string }
  | { kind: 'unknown' }

/**
 * One stateless-execution input read from one or more files, before the chain is resolved. Producer-specific
 * facts that matter for honesty (which root is claimed, which rule drops nodes) travel with it.
 */
export interface LoadedInput {
  shape: ShapeName
  files: string[]
  blocks: BlockSource[]
  state: Uint8Array[]
  codes: Uint8Array[]
  keys: Uint8Array[]
  headers: HeaderSource[]
  chain: ChainSource
  /** A pre-state root the producer claims without a header that links it (SBV `pre_state_root`). */
  claimedPreStateRoot?: Uint8Array
  /** Ancestor hashes without headers (SBV `block_hashes`), oldest first ending at the parent. */
  blockHashes?: Uint8Array[]
  /** Why the producer's witness may omit nodes, named in missing-node errors. */
  producerRule?: string
  /** What this shape does and does not let Tessera verify, printed with the result. */
  notes: string[]
  /** Expected outcome carried by test fixtures (EEST). */
  expected?: ExpectedOutcome
  /** Full pre-state instead of a witness: the witness is recorded from it when the input is resolved. */
  preState?: { alloc: Json; parent: HeaderSource | { rlpBlock: Uint8Array }; ancestors?: HeaderSource[] }
  /** Why the producer's `preState` may not hash to the parent's state root (keth: a partial pre-state). */
  preStateMayBePartial?: string
}

export interface ExpectedOutcome {
  /** Whether the block must be accepted; absent when the input does not say. */
  valid?: boolean
  /** EIP-8025 stateless validation result bytes the run must reproduce byte for byte. */
  statelessOutputBytes?: Uint8Array
  /** The SSZ stateless input the output refers to. */
  statelessInputBytes?: Uint8Array
  postStateRoot?: string
  lastBlockHash?: string
  /** Test name / block index inside a fixture file. */
  label?: string
}

/** A file read and recognised, before files are paired into inputs. */
export type ReadPart =
  | { kind: 'input'; inputs: LoadedInput[] }
  | { kind: 'block'; blocks: BlockSource[]; chain: ChainSource; file: string; shape: ShapeName }
  | { kind: 'witness'; witness: Pick<LoadedInput, 'state' | 'codes' | 'keys' | 'headers'>; file: string; shape: ShapeName }
  | { kind: 'l2-batch'; file: string; json: Json }
  | { kind: 'l2-genesis'; file: string; json: Json }
  | { kind: 'l2-blob'; file: string; bytes: Uint8Array }
  | { kind: 'header'; header: HeaderSource; file: string }
