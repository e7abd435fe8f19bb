/**
 * An optional observer of guest execution: per transaction, its type, what kind of transaction it is, the gas
 * it used and the calls it made (how many reached precompiles). The host passes one in to describe blocks
 * (`tessera block-composition`); it never changes execution, and the guest does no I/O for it — the
 * callback is the host's.
 */
import type { EVMResult, Message } from '@ethereumjs/evm'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { VM } from '@ethereumjs/vm'
import type { AfterTxEvent } from '@ethereumjs/vm'

/** What a transaction does: value to an account without code, a call into code, a deployment, … */
export type TransactionKind = 'transfer' | 'call' | 'create' | 'privileged' | 'blob'

/** ethrex's privileged (L1 → L2) transaction type. */
export const PRIVILEGED_TX_TYPE = 0x7e
export const BLOB_TX_TYPE = 3

export interface TransactionObservation {
  blockNumber: bigint
  /** Position in the block. */
  index: number
  /** EIP-2718 type (0 legacy … 4 set-code, 0x7e privileged). */
  type: number
  kind: TransactionKind
  gasUsed: bigint
  /** Message calls the transaction made, its own top-level call included. */
  calls: number
  /** Of those, calls whose target was a precompile. */
  precompileCalls: number
  /** Gas those precompile calls used. */
  precompileGas: bigint
}

export interface ExecutionObserver {
  onTransaction(observation: TransactionObservation): void
}

/** Kind from the transaction type and, for calls, whether the top-level target ran code. */
export function transactionKind(type: number, creates: boolean, targetRanCode: boolean): TransactionKind {
  if (type === PRIVILEGED_TX_TYPE) return 'privileged'
  if (type === BLOB_TX_TYPE) return 'blob'
  if (creates) return 'create'
  return targetRanCode ? 'call' : 'transfer'
}

/** Hook `observer` to a VM's events. System calls outside transactions are not counted. */
export function observeExecution(vm: VM, observer: ExecutionObserver): void {
  let blockNumber = 0n
  let index = 0
  let current: { calls: number; precompileCalls: number; precompileGas: bigint; targetRanCode: boolean; open: Message[] } | undefined
  vm.events.on('beforeBlock', (block) => {
    blockNumber = block.header.number
    index = 0
  })
  vm.events.on('beforeTx', () => {
    current = { calls: 0, precompileCalls: 0, precompileGas: 0n, targetRanCode: false, open: [] }
  })
  vm.evm.events!.on('beforeMessage', (message: Message) => {
    if (current === undefined) return
    current.calls++
    current.open.push(message)
  })
  vm.evm.events!.on('afterMessage', (result: EVMResult) => {
    const message = current?.open.pop()
    if (current === undefined || message === undefined) return
    // The EVM sets isCompiled / code while loading the call's target, which happens after beforeMessage.
    if (message.isCompiled) {
      current.precompileCalls++
      current.precompileGas += result.execResult.executionGasUsed
    }
    if (message.depth === 0) current.targetRanCode = message.isCompiled === true || (message.code !== undefined && message.code.length > 0)
  })
  vm.events.on('afterTx', (event: AfterTxEvent) => {
    const tx: TypedTransaction = event.transaction
    const c = current ?? { calls: 0, precompileCalls: 0, precompileGas: 0n, targetRanCode: false }
    observer.onTransaction({
      blockNumber,
      index: index++,
      type: tx.type,
      kind: transactionKind(tx.type, tx.to === undefined, c.targetRanCode),
      gasUsed: event.blockGasSpent,
      calls: c.calls,
      precompileCalls: c.precompileCalls,
      precompileGas: c.precompileGas,
    })
    current = undefined
  })
}
