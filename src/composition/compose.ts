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
  /** Calls by 4-byte selector (0x-hex) of the top-level calldata; only calls with 4+ bytes of calldata. */
  selectors: Record<string, Tally>
  /** Calls and transfers by destination address (creations have none). */
  destinations: Record<string, Tally>
}

export interface Tally {
  count: number
  gas: bigint
}

/** What a transaction's envelope says: its destination and its calldata's selector. */
export interface TransactionTarget {
  to?: string
  selector?: string
}

function emptyByKind<T>(zero: T): Record<TransactionKind, T> {
  return { transfer: zero, call: zero, create: zero, privileged: zero, blob: zero }
}

export function summarise(number: bigint, txs: TransactionObservation[], targets: TransactionTarget[] = []): BlockComposition {
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
    selectors: {},
    destinations: {},
  }
  const add = (table: Record<string, Tally>, key: string, gas: bigint) => {
    const t = (table[key] ??= { count: 0, gas: 0n })
    t.count++
    t.gas += gas
  }
  for (const t of txs) {
    const target = targets[t.index]
    if (target?.to !== undefined) add(c.destinations, target.to, t.gasUsed)
    if (target?.selector !== undefined) add(c.selectors, target.selector, t.gasUsed)
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
  return numbers.map((n, i) => summarise(n, seen.get(n) ?? [], blockTargets(input.blocks[i])))
}

/** Field positions of `to` and `data` in each transaction type's RLP list (EIP-2718 payloads; legacy is type 0). */
const TO_DATA: Record<number, [number, number]> = { 0: [3, 5], 1: [4, 6], 2: [5, 7], 3: [5, 7], 4: [5, 7] }

const hex = (b: Uint8Array) => `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`

/** Destination and selector of each transaction of an RLP block, read from the envelopes (the guest has run them already). */
export function blockTargets(rawBlock: Uint8Array): TransactionTarget[] {
  const txs = (RLP.decode(rawBlock) as unknown as unknown[][])[1] as (Uint8Array | Uint8Array[])[]
  return txs.map((tx) => {
    let type = 0
    let fields: Uint8Array[]
    if (tx instanceof Uint8Array) {
      type = tx[0]
      fields = RLP.decode(tx.subarray(1)) as unknown as Uint8Array[]
    } else {
      fields = tx
    }
    const at = TO_DATA[type]
    if (at === undefined) return {}
    const to = fields[at[0]]
    const data = fields[at[1]]
    return {
      to: to instanceof Uint8Array && to.length === 20 ? hex(to) : undefined,
      selector: to instanceof Uint8Array && to.length === 20 && data instanceof Uint8Array && data.length >= 4 ? hex(data.subarray(0, 4)) : undefined,
    }
  })
}

/** A few selectors everyone knows (ERC-20, WETH), so the chart can name them; the rest show as hex. */
const SELECTOR_NAMES: Record<string, string> = {
  '0xa9059cbb': 'transfer(address,uint256)',
  '0x23b872dd': 'transferFrom(address,address,uint256)',
  '0x095ea7b3': 'approve(address,uint256)',
  '0xd0e30db0': 'deposit()',
  '0x2e1a7d4d': 'withdraw(uint256)',
}

export function selectorLabel(selector: string): string {
  const name = SELECTOR_NAMES[selector]
  return name ? `${selector} ${name}` : selector
}

/** The `n` largest entries of the blocks' tallies, summed over blocks, by count or gas. */
export function topTallies(blocks: BlockComposition[], field: 'selectors' | 'destinations', by: 'count' | 'gas', n = 10): [string, Tally][] {
  const total = new Map<string, Tally>()
  for (const b of blocks) {
    for (const [k, t] of Object.entries(b[field])) {
      const sum = total.get(k) ?? { count: 0, gas: 0n }
      total.set(k, { count: sum.count + t.count, gas: sum.gas + t.gas })
    }
  }
  const key = (t: Tally) => (by === 'count' ? BigInt(t.count) : t.gas)
  return [...total].sort((a, b) => (key(b[1]) > key(a[1]) ? 1 : key(b[1]) < key(a[1]) ? -1 : a[0] < b[0] ? -1 : 1)).slice(0, n)
}

/** One label style for a chain everywhere (title, JSON): a public network's name, else "chain <id>". */
export function chainLabel(config: { chainId: number | bigint; publicNetwork?: string }): string {
  const name = config.publicNetwork
  return name ? name.charAt(0).toUpperCase() + name.slice(1) : `chain ${config.chainId}`
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
