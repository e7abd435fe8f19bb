import { shortText } from '../errors/shortText.js'
import { WitnessIncomplete } from '../../guest/errors.js'
import { encodeProgramInput } from '../witness/programInput.js'
import { checkGas, declaredGas, withTimeBudget, type Budget } from '../budget/budget.js'
import { encodePublicValues } from '../../guest/output.js'
import type { ChainConfig } from '../../guest/types.js'
import type { ExecutePool } from '../pool/execute.js'
import type { VerifyPool } from '../pool/verify.js'
import { witnessSize } from '../witness/codec.js'
import { toHex } from '../witness/hex.js'
import type { Rpc } from './client.js'
import { batchProgramInput, loadRpcBatch, type RpcBatch } from './blocks.js'
import type { WitnessOptions, WitnessSource } from './witness.js'

/** What replaying one unit (a block, or consecutive blocks sharing a witness) produced. */
export interface ReplayRecord {
  first: bigint
  last: bigint
  ok: boolean
  transactions: number
  gasUsed: bigint
  /** Guest time in the worker. */
  executeMs: number
  /** Fetching blocks and building the witness. */
  witnessMs: number
  witnessBytes: number
  witnessSource?: WitnessSource
  /** The node served debug_executionWitness but its answer was not usable (eth_getProof was used instead). */
  fallbackReason?: string
  /** Witness rebuild rounds after WitnessIncomplete. */
  extensions: number
  publicValues?: string
  error?: { name: string; message: string }
}

const MAX_EXTENSIONS = 8

/**
 * Fetch `numbers` (consecutive) from the node, build their witness, execute statelessly in the pool and
 * require the node's own state root and block hash. On WitnessIncomplete, extend the witness and retry a
 * bounded number of times.
 */
export async function replayRpcBlocks(
  rpc: Rpc,
  pool: ExecutePool,
  numbers: bigint[],
  chainConfig: ChainConfig,
  opts: WitnessOptions & { verify?: VerifyPool; onBatch?: (b: RpcBatch) => void; budget?: Budget } = {},
): Promise<ReplayRecord> {
  const first = numbers[0]
  const last = numbers[numbers.length - 1]
  const record: ReplayRecord = { first, last, ok: false, transactions: 0, gasUsed: 0n, executeMs: 0, witnessMs: 0, witnessBytes: 0, extensions: 0 }
  const t0 = performance.now()
  let batch: RpcBatch
  try {
    batch = await loadRpcBatch(rpc, numbers, chainConfig, opts)
    // Check the node's proofs before trusting them (large sets run in the verify pool).
    if (opts.verify && batch.witness.parentStateRoot !== undefined) {
      await opts.verify.verify(batch.witness.parentStateRoot, batch.witness.proofs)
    }
  } catch (e) {
    record.witnessMs = performance.now() - t0
    record.error = { name: (e as Error).name ?? 'Error', message: shortText(String((e as Error).message)) }
    return record
  }
  record.witnessMs = performance.now() - t0
  record.witnessSource = batch.witness.source
  record.fallbackReason = batch.witness.fallbackReason
  opts.onBatch?.(batch)
  for (;;) {
    const input = batchProgramInput(batch)
    record.witnessBytes = witnessSize(input.witness).bytes
    try {
      const what = `block ${first}${last === first ? '' : `-${last}`}`
      const budget = opts.budget ?? {}
      checkGas(budget, declaredGas(input.blocks), what)
      const bytes = encodeProgramInput(input)
      const r = await withTimeBudget(budget, what, (signal) => pool.run(bytes, what, signal))
      record.executeMs += r.ms
      record.transactions = r.transactions
      record.gasUsed = r.gasUsed
      const tip = batch.blocks[batch.blocks.length - 1]
      if (toHex(r.output.finalStateRoot) !== tip.stateRoot.toLowerCase()) {
        throw new Error(`final state root ${toHex(r.output.finalStateRoot)} differs from the node's ${tip.stateRoot}`)
      }
      if (toHex(r.output.lastBlockHash) !== tip.hash.toLowerCase()) {
        throw new Error(`last block hash ${toHex(r.output.lastBlockHash)} differs from the node's ${tip.hash}`)
      }
      record.publicValues = toHex(encodePublicValues(r.output))
      record.ok = true
      return record
    } catch (e) {
      if (e instanceof WitnessIncomplete && record.extensions < MAX_EXTENSIONS) {
        const t = performance.now()
        const extended = await batch.witness.extend(e).catch(() => false)
        record.witnessMs += performance.now() - t
        if (extended) {
          record.extensions++
          continue
        }
      }
      const err = e as Error
      const fallback = batch.witness.fallbackReason ? ` (${batch.witness.fallbackReason})` : ''
      record.error = { name: err.name ?? 'Error', message: shortText(String(err.message)) + (e instanceof WitnessIncomplete && batch.witness.source === 'eth_getProof' ? ' (not coverable from eth_getProof: see docs/replay.md, "eth_getProof witnesses")' : '') + fallback }
      return record
    }
  }
}
