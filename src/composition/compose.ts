/**
 * Block composition: per block, the gas used split by transaction kind and by transaction type, and how
 * many of the block's message calls reached a precompile. Measured by running the guest with an observer,
 * so the numbers are the stateless execution's own, not a trace from a node.
 */
import { RLP } from '@ethereumjs/rlp'
import { executeStateless } from '../../guest/execute.js'
import type { TransactionKind, TransactionObservation } from '../../guest/observer.js'
import type { ProgramInput } from '../../guest/types.js'
import { hostGuestOptions } from '../crypto/guestOptions.js'

export const TRANSACTION_KINDS: readonly TransactionKind[] = ['transfer', 'call', 'create', 'privileged', 'blob']

/** What the kinds mean, for legends and help. */
export const KIND_LABELS: Record<TransactionKind, string> = {
  transfer: 'plain transfer',
  call: 'contract call',
  create: 'contract creation',
  privileged: 'privileged (0x7e)',
  blob: 'blob (EIP-4844)',
}

const TYPE_NAMES: Record<number, string> = {
  0: 'legacy (0)',
  1: 'EIP-2930 (1)',
  2: 'EIP-1559 (2)',
  3: 'EIP-4844 (3)',
  4: 'EIP-7702 (4)',
  0x7d: 'fee token (0x7d)',
  0x7e: 'privileged (0x7e)',
}

export function typeLabel(type: number): string {
  return TYPE_NAMES[type] ?? `type 0x${type.toString(16)}`
}

export interface BlockComposition {
  number: bigint
  transactions: number
  gasUsed: bigint
  /** Gas by transaction kind; every kind present, zero when absent. */
  gasByKind: Record<TransactionKind, bigint>
  transactionsByKind: Record<TransactionKind, number>
  /** Gas by type label (typeLabel), only the types the block has. */
  gasByType: Record<string, bigint>
  calls: number
  precompileCalls: number
  precompileGas: bigint
  /** precompileCalls / calls, 0 for a block without calls. */
  precompileCallShare: number
}

function emptyByKind<T>(zero: T): Record<TransactionKind, T> {
  return { transfer: zero, call: zero, create: zero, privileged: zero, blob: zero }
}

export function summarise(number: bigint, txs: TransactionObservation[]): BlockComposition {
  const c: BlockComposition = {
    number,
    transactions: txs.length,
    gasUsed: 0n,
    gasByKind: emptyByKind(0n),
    transactionsByKind: emptyByKind(0),
    gasByType: {},
    calls: 0,
    precompileCalls: 0,
    precompileGas: 0n,
    precompileCallShare: 0,
  }
  for (const t of txs) {
    c.gasUsed += t.gasUsed
    c.gasByKind[t.kind] += t.gasUsed
    c.transactionsByKind[t.kind]++
    const label = typeLabel(t.type)
    c.gasByType[label] = (c.gasByType[label] ?? 0n) + t.gasUsed
    c.calls += t.calls
    c.precompileCalls += t.precompileCalls
    c.precompileGas += t.precompileGas
  }
  c.precompileCallShare = c.calls === 0 ? 0 : c.precompileCalls / c.calls
  return c
}

/**
 * Execute `input` statelessly (the guest checks every block as in a replay: a block that does not verify
 * is an error, not a chart) and return each block's composition.
 */
export async function composeBlocks(input: ProgramInput): Promise<BlockComposition[]> {
  const seen = new Map<bigint, TransactionObservation[]>()
  const output = await executeStateless(input, {
    ...(await hostGuestOptions()),
    observer: {
      onTransaction(o) {
        let list = seen.get(o.blockNumber)
        if (list === undefined) seen.set(o.blockNumber, (list = []))
        list.push(o)
      },
    },
  })
  // Blocks without transactions still get a (zero) entry: read their numbers from the input order.
  const numbers = blockNumbers(input, output.stats.blockCount)
  return numbers.map((n) => summarise(n, seen.get(n) ?? []))
}

/** Block numbers of the input's blocks, from their RLP headers (field 8). */
function blockNumbers(input: ProgramInput, count: number): bigint[] {
  const out: bigint[] = []
  for (const raw of input.blocks.slice(0, count)) out.push(headerNumber(raw))
  return out
}

function headerNumber(rawBlock: Uint8Array): bigint {
  const block = RLP.decode(rawBlock) as unknown as Uint8Array[][]
  const number = block[0][8]
  let n = 0n
  for (const b of number) n = (n << 8n) | BigInt(b)
  return n
}
