/**
 * Reading an ethrex L2 node over JSON-RPC, as ethrex-replay's `l2` commands do (lambdaclass/ethrex-replay
 * @ 45613043 src/fetcher.rs `get_batchdata`, src/run.rs): the batch from `ethrex_getBatchByNumber`, its blocks
 * from `eth_getBlockByNumber` (full transactions), one witness for the whole range from
 * `debug_executionWitness [from, to]`, the blob commitment and proof from the batch's `blobs_bundle` (zeros
 * when the node returns none: validium). Unlike ethrex-replay, which runs L2 batches with
 * `FeeConfig::default()`, Tessera reads each block's fee config from the node's fee methods, so batches with
 * fee vaults or operator/L1 fees verify too.
 *
 * ethrex's side (lambdaclass/ethrex crates/l2/networking/rpc/rpc.rs `map_l2_requests`; l2/batch.rs,
 * l2/fees.rs, l2/execution_witness.rs; crates/common/types/batch.rs, blobs_bundle.rs):
 *   ethrex_getBatchByNumber [hex n, bool]  → null, or Batch {number, first_block, last_block, state_root, …,
 *                                             blobs_bundle {blobs, commitments, proofs} (0x-hex bytes48)}
 *   ethrex_getBaseFeeVaultAddress [hex n]  → address | null
 *   ethrex_getOperatorFeeVaultAddress      → address | null;  ethrex_getOperatorFee → hex quantity
 *   ethrex_getL1FeeVaultAddress            → address | null;  ethrex_getL1BlobBaseFee → integer
 *   debug_executionWitness [from, to?]     → the list-form witness of blocks from..to
 */
import { createBlockHeaderFromRPC, Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { createTxFromRPC, type TypedTransaction } from '@ethereumjs/tx'
import { Address, bytesToHex } from '@ethereumjs/util'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { TesseraError } from '../../guest/errors.js'
import { encodeL2Block, type L2Block, type L2Transaction } from '../../guest/l2/block.js'
import { DEFAULT_ELASTICITY_MULTIPLIER, PRIVILEGED_TX_TYPE } from '../../guest/l2/constants.js'
import type { FeeConfig } from '../../guest/l2/feeConfig.js'
import { PrivilegedTransaction } from '../../guest/l2/privilegedTx.js'
import type { L2ProgramInput } from '../../guest/l2/types.js'
import type { ChainConfig } from '../../guest/types.js'
import { isMethodNotFound, RpcError, type Rpc } from '../rpc/client.js'
import { parseExecutionWitness } from '../witness/codec.js'
import { parseHex } from '../witness/hex.js'

/** The node has no batch with that number (ethrex answers null). */
export class L2BatchNotFound extends TesseraError {}
/** The node has no such block or transaction. */
export class L2BlockNotFound extends TesseraError {}
/** The node does not serve a method ethrex's L2 RPC has: probably not an ethrex L2 node. */
export class L2MethodNotServed extends TesseraError {}
/** The node answered, but not in the shape ethrex writes. Names the method and field. */
export class L2AnswerMalformed extends TesseraError {}

const hexNumber = (n: bigint | number) => `0x${BigInt(n).toString(16)}`

async function call<T>(rpc: Rpc, method: string, params: unknown[]): Promise<T> {
  try {
    return await rpc.request<T>(method, params)
  } catch (e) {
    if (isMethodNotFound(e)) {
      throw new L2MethodNotServed(`the node at ${rpc.url} does not serve ${method}`, 'point --rpc-url at an ethrex L2 node (its RPC serves the ethrex_* methods and debug_executionWitness)')
    }
    if (e instanceof RpcError) throw e
    throw new RpcError(method, (e as Error).message)
  }
}

function malformed(method: string, field: string, why: string): L2AnswerMalformed {
  return new L2AnswerMalformed(`${method}: ${field} ${why}`)
}

function u64(method: string, field: string, v: unknown): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) return BigInt(v)
  throw malformed(method, field, `is not an unsigned integer: ${JSON.stringify(v)}`)
}

function address(method: string, field: string, v: unknown): Address | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw malformed(method, field, `is not an address: ${JSON.stringify(v)}`)
  return new Address(parseHex(v, field))
}

/** bytes48 as ethrex's serde writes it (0x-hex); a 48-number array is accepted too. */
function bytes48(method: string, field: string, v: unknown): Uint8Array {
  if (Array.isArray(v) && v.length === 48 && v.every((x) => Number.isInteger(x) && x >= 0 && x < 256)) return Uint8Array.from(v as number[])
  if (typeof v === 'string' && /^0x[0-9a-fA-F]{96}$/.test(v)) return parseHex(v, field)
  throw malformed(method, field, 'is not 48 bytes')
}

export interface L2BatchInfo {
  number: bigint
  firstBlock: bigint
  lastBlock: bigint
  /** Zeros when the node returned no blob (validium, or a node that does not serialise blobs). */
  blobCommitment: Uint8Array
  blobProof: Uint8Array
}

export async function fetchL2Batch(rpc: Rpc, n: bigint): Promise<L2BatchInfo> {
  const method = 'ethrex_getBatchByNumber'
  const b = await call<Record<string, unknown> | null>(rpc, method, [hexNumber(n), false])
  if (b === null) throw new L2BatchNotFound(`batch ${n} is not known to the node at ${rpc.url}`, 'ethrex_batchNumber gives the latest batch')
  if (typeof b !== 'object' || Array.isArray(b)) throw malformed(method, 'result', 'is not an object')
  const number = u64(method, 'number', b.number)
  const firstBlock = u64(method, 'first_block', b.first_block)
  const lastBlock = u64(method, 'last_block', b.last_block)
  if (number !== n) throw malformed(method, 'number', `is ${number}, asked for batch ${n}`)
  if (lastBlock < firstBlock) throw malformed(method, 'last_block', `${lastBlock} is below first_block ${firstBlock}`)
  const bundle = b.blobs_bundle as { commitments?: unknown; proofs?: unknown } | undefined | null
  let blobCommitment: Uint8Array = new Uint8Array(48)
  let blobProof: Uint8Array = new Uint8Array(48)
  if (bundle !== undefined && bundle !== null) {
    if (typeof bundle !== 'object' || !Array.isArray(bundle.commitments) || !Array.isArray(bundle.proofs)) {
      throw malformed(method, 'blobs_bundle', 'needs commitments and proofs lists')
    }
    // One blob per batch, as ethrex-replay reads it (the first commitment and proof).
    if (bundle.commitments.length > 0) blobCommitment = bytes48(method, 'blobs_bundle.commitments[0]', bundle.commitments[0])
    if (bundle.proofs.length > 0) blobProof = bytes48(method, 'blobs_bundle.proofs[0]', bundle.proofs[0])
  }
  return { number, firstBlock, lastBlock, blobCommitment, blobProof }
}

/** The fee config of block n, from ethrex's five fee methods. */
export async function fetchL2FeeConfig(rpc: Rpc, n: bigint): Promise<FeeConfig> {
  const p = [hexNumber(n)]
  const [baseVault, opVault, opFee, l1Vault, l1BlobFee] = await Promise.all([
    call<unknown>(rpc, 'ethrex_getBaseFeeVaultAddress', p),
    call<unknown>(rpc, 'ethrex_getOperatorFeeVaultAddress', p),
    call<unknown>(rpc, 'ethrex_getOperatorFee', p),
    call<unknown>(rpc, 'ethrex_getL1FeeVaultAddress', p),
    call<unknown>(rpc, 'ethrex_getL1BlobBaseFee', p),
  ])
  const config: FeeConfig = {}
  const base = address('ethrex_getBaseFeeVaultAddress', 'result', baseVault)
  if (base) config.baseFeeVault = base
  const operator = address('ethrex_getOperatorFeeVaultAddress', 'result', opVault)
  if (operator) config.operatorFee = { vault: operator, feePerGas: u64('ethrex_getOperatorFee', 'result', opFee) }
  const l1 = address('ethrex_getL1FeeVaultAddress', 'result', l1Vault)
  if (l1) config.l1Fee = { vault: l1, feePerBlobGas: u64('ethrex_getL1BlobBaseFee', 'result', l1BlobFee) }
  return config
}

/** An RPC block (full transactions) as the ethrex L2 block the guest executes; its hash must be the node's. */
export async function l2BlockFromRpc(json: Record<string, unknown>, common: Common): Promise<L2Block> {
  const method = 'eth_getBlockByNumber'
  const number = json.number
  let header
  try {
    header = createBlockHeaderFromRPC(json as never, { common, setHardfork: true })
  } catch (e) {
    throw malformed(method, `block ${String(number)} header`, `does not decode (${(e as Error).message})`)
  }
  if (!Array.isArray(json.transactions)) throw malformed(method, `block ${String(number)} transactions`, 'is not a list')
  const txs: L2Transaction[] = await Promise.all(json.transactions.map(async (t: unknown, i: number): Promise<L2Transaction> => {
    const field = `block ${String(number)} transactions[${i}]`
    if (typeof t !== 'object' || t === null) throw malformed(method, field, 'is not a full transaction object (ask with full=true)')
    const tx = t as Record<string, unknown>
    try {
      if (u64(method, `${field}.type`, tx.type ?? '0x0') === BigInt(PRIVILEGED_TX_TYPE)) {
        return new PrivilegedTransaction(
          u64(method, `${field}.chainId`, tx.chainId),
          u64(method, `${field}.nonce`, tx.nonce),
          u64(method, `${field}.maxPriorityFeePerGas`, tx.maxPriorityFeePerGas),
          u64(method, `${field}.maxFeePerGas`, tx.maxFeePerGas),
          u64(method, `${field}.gas`, tx.gas),
          address(method, `${field}.to`, tx.to),
          u64(method, `${field}.value`, tx.value),
          parseHex(tx.input ?? '0x', `${field}.input`),
          ((tx.accessList as { address: string; storageKeys: string[] }[] | undefined) ?? []).map((a) => [parseHex(a.address, `${field}.accessList`), a.storageKeys.map((k) => parseHex(k, `${field}.accessList`))]),
          address(method, `${field}.from`, tx.from) ?? (() => {
            throw malformed(method, `${field}.from`, 'is missing')
          })(),
        )
      }
      return (await createTxFromRPC(tx as never, { common })) as TypedTransaction
    } catch (e) {
      if (e instanceof L2AnswerMalformed) throw e
      throw malformed(method, field, `does not decode (${(e as Error).message})`)
    }
  }))
  const block = new Block(header, txs as TypedTransaction[], [], undefined, { common })
  const claimed = typeof json.hash === 'string' ? json.hash.toLowerCase() : undefined
  if (claimed !== bytesToHex(block.hash())) {
    throw malformed(method, `block ${String(number)} hash`, `is ${json.hash}, its fields hash to ${bytesToHex(block.hash())}`)
  }
  return block
}

export interface L2RangeInput {
  input: L2ProgramInput
  first: bigint
  last: bigint
  transactions: number
}

/**
 * Everything the L2 guest needs for blocks first..last from the node: the blocks, one witness for the range,
 * each block's fee config; the blob commitment/proof are the batch's (zeros for a block range outside a
 * published blob: the guest then runs it as validium).
 */
export async function fetchL2Range(
  rpc: Rpc,
  chainConfig: ChainConfig,
  first: bigint,
  last: bigint,
  blob: { commitment: Uint8Array; proof: Uint8Array } = { commitment: new Uint8Array(48), proof: new Uint8Array(48) },
): Promise<L2RangeInput> {
  const common = commonFromChainConfig(chainConfig, guestCrypto())
  const numbers = Array.from({ length: Number(last - first + 1n) }, (_, i) => first + BigInt(i))
  const blocks = await Promise.all(
    numbers.map(async (n) => {
      const json = await call<Record<string, unknown> | null>(rpc, 'eth_getBlockByNumber', [hexNumber(n), true])
      if (json === null) throw new L2BlockNotFound(`block ${n} is not known to the node at ${rpc.url}`)
      if (typeof json !== 'object') throw malformed('eth_getBlockByNumber', `block ${n}`, 'is not an object')
      return l2BlockFromRpc(json, common.copy())
    }),
  )
  const params = first === last ? [hexNumber(first)] : [hexNumber(first), hexNumber(last)]
  const rawWitness = await call<unknown>(rpc, 'debug_executionWitness', params)
  let witness
  try {
    witness = parseExecutionWitness(rawWitness)
  } catch (e) {
    throw malformed('debug_executionWitness', `blocks ${first}-${last}`, `is not an execution witness (${(e as Error).message})`)
  }
  const feeConfigs = await Promise.all(numbers.map((n) => fetchL2FeeConfig(rpc, n)))
  return {
    input: {
      blocks: blocks.map(encodeL2Block),
      witness,
      chainConfig,
      elasticityMultiplier: DEFAULT_ELASTICITY_MULTIPLIER,
      feeConfigs,
      blobCommitment: blob.commitment,
      blobProof: blob.proof,
    },
    first,
    last,
    transactions: blocks.reduce((n, b) => n + b.transactions.length, 0),
  }
}
