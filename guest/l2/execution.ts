import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { Log } from '@ethereumjs/evm'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { Capability, type TypedTransaction } from '@ethereumjs/tx'
import { Account, Address, bytesToHex, equalsBytes, hexToBytes, KECCAK256_RLP, KECCAK256_RLP_ARRAY } from '@ethereumjs/util'
import { Bloom, encodeReceipt, runTx, type TxReceipt, type VM } from '@ethereumjs/vm'
import { sha256 } from '@noble/hashes/sha2.js'
import { BlockInvalid } from '../errors.js'
import type { BlockRunner, BlockRunOutcome } from '../execute.js'
import type { WitnessStateManager } from '../state.js'
import type { L2Transaction } from './block.js'
import { COMMON_BRIDGE_L2_ADDRESS, GAS_PER_BLOB, SAFE_BYTES_PER_BLOB } from './constants.js'
import type { FeeConfig } from './feeConfig.js'
import { installL2Precompiles } from './precompiles.js'
import { PrivilegedTransaction } from './privilegedTx.js'

/**
 * ethrex L2 block execution (LEVM with the L2 hook, crates/vm/backends/levm/mod.rs and
 * crates/vm/levm/src/hooks/l2_hook.rs @ 6fbd93b5), on ethereumjs:
 * - no system calls (no EIP-4788/2935 writes), no withdrawals, no EIP-7685 requests;
 * - P256VERIFY at 0x100 on every fork (guest/l2/precompiles.ts);
 * - privileged (0x7e) transactions run around `evm.runCall` (runPrivileged);
 * - ordinary transactions run through ethereumjs runTx and their fees are then moved to where ethrex's
 *   L2 hook sends them (settleOrdinaryFees): base fee vault, operator fee vault, L1 fee vault.
 */

/** A receipt as the L2 guest needs it afterwards (L1 messages are read from the logs). */
export interface L2Receipt {
  txType: number
  status: 0 | 1
  cumulativeGasUsed: bigint
  logs: Log[]
}

export interface L2BlockRunnerOptions {
  /** Fee config of each block, by block number. */
  feeConfigOf(block: Block): FeeConfig
  /** Called with each executed block's receipts. */
  onReceipts?(block: Block, receipts: L2Receipt[]): void
}

export function createL2BlockRunner(opts: L2BlockRunnerOptions): BlockRunner {
  return {
    prepare: installL2Precompiles,
    validateBody: (block) => validateL2Body(block),
    run: async (vm, block) => {
      const { outcome, receipts } = await runL2Block(vm, block, opts.feeConfigOf(block))
      opts.onReceipts?.(block, receipts)
      return outcome
    },
  }
}

/** Body checks ethrex's validate_block applies to an L2 block: tx root, no ommers, empty withdrawals root, valid signatures. */
export async function validateL2Body(block: Block): Promise<void> {
  const header = block.header
  const txs = block.transactions as L2Transaction[]
  const trie = new MerklePatriciaTrie({ common: header.common })
  for (const [i, tx] of txs.entries()) await trie.put(RLP.encode(i), tx.serialize())
  if (!equalsBytes(trie.root(), header.transactionsTrie)) {
    throw new BlockInvalid(header.number, 'transactions root', { expected: bytesToHex(header.transactionsTrie), actual: bytesToHex(trie.root()) })
  }
  if (!equalsBytes(header.uncleHash, KECCAK256_RLP_ARRAY)) {
    throw new BlockInvalid(header.number, 'ommers hash', { expected: bytesToHex(KECCAK256_RLP_ARRAY), actual: bytesToHex(header.uncleHash) })
  }
  if (header.withdrawalsRoot !== undefined && !equalsBytes(header.withdrawalsRoot, KECCAK256_RLP)) {
    throw new BlockInvalid(header.number, 'withdrawals root (an L2 block has no withdrawals)', { expected: bytesToHex(KECCAK256_RLP), actual: bytesToHex(header.withdrawalsRoot) })
  }
  for (const [i, tx] of txs.entries()) {
    if (tx instanceof PrivilegedTransaction) {
      if (tx.to === undefined) throw new BlockInvalid(header.number, `transaction ${i}`, { reason: 'a privileged transaction cannot create a contract' })
      continue
    }
    const errors = tx.getValidationErrors()
    if (errors.length > 0) throw new BlockInvalid(header.number, `transaction ${i}`, { reason: errors.join('; ') })
    if (tx.type === 3) throw new BlockInvalid(header.number, `transaction ${i}`, { reason: 'blob transactions are not accepted on an ethrex L2' })
  }
}

async function runL2Block(vm: VM, block: Block, fees: FeeConfig): Promise<{ outcome: BlockRunOutcome; receipts: L2Receipt[] }> {
  const header = block.header
  vm.common.setHardforkBy({ blockNumber: header.number, timestamp: header.timestamp })
  const receipts: L2Receipt[] = []
  const trie = new MerklePatriciaTrie({ common: vm.common })
  const bloom = new Bloom(undefined, vm.common)
  let cumulative = 0n
  for (const [i, tx] of (block.transactions as L2Transaction[]).entries()) {
    // LEVM's block loop: the tx's gas limit must fit in what is left of the block (privileged included).
    if (cumulative + tx.gasLimit > header.gasLimit) {
      throw new BlockInvalid(header.number, `transaction ${i} gas allowance`, { reason: `gas limit ${tx.gasLimit} exceeds the ${header.gasLimit - cumulative} left in the block` })
    }
    const gasPrice = l2GasPrice(tx, header, fees, i)
    const r = tx instanceof PrivilegedTransaction ? await runPrivileged(vm, tx, block, gasPrice) : await runOrdinary(vm, tx, block, fees, gasPrice, cumulative)
    cumulative += r.gasUsed
    const receipt: L2Receipt = { txType: tx.type, status: r.status, cumulativeGasUsed: cumulative, logs: r.logs }
    receipts.push(receipt)
    const txBloom = logsBloom(r.logs, vm.common)
    bloom.or(txBloom)
    const ejsReceipt = { status: r.status, cumulativeBlockGasUsed: cumulative, bitvector: txBloom.bitvector, logs: r.logs } as TxReceipt
    await trie.put(RLP.encode(i), encodeReceipt(ejsReceipt, tx.type as never))
  }
  const stateRoot = await vm.stateManager.getStateRoot()
  return {
    outcome: {
      gasUsed: cumulative,
      receiptsRoot: trie.root(),
      logsBloom: bloom.bitvector,
      stateRoot,
      // ethrex L2 blocks carry no requests: their hash is that of the empty list, sha256("").
      requestsHash: vm.common.isActivatedEIP(7685) ? sha256(new Uint8Array()) : undefined,
    },
    receipts,
  }
}

function logsBloom(logs: Log[], common: Common): Bloom {
  const bloom = new Bloom(undefined, common)
  for (const [address, topics] of logs) {
    bloom.add(address)
    for (const t of topics) bloom.add(t)
  }
  return bloom
}

/**
 * ethrex calculate_gas_price_for_tx (backends/levm/mod.rs): for fee-market txs (privileged included)
 * min(max_priority_fee + base_fee + operator_fee, max_fee), and the tx is invalid when base_fee +
 * operator_fee exceeds max_fee; legacy txs pay their gas price, which must also cover both.
 */
function l2GasPrice(tx: L2Transaction, header: BlockHeader, fees: FeeConfig, index: number): bigint {
  const base = header.baseFeePerGas ?? 0n
  const op = fees.operatorFee?.feePerGas ?? 0n
  let maxFee: bigint
  let price: bigint
  if (tx instanceof PrivilegedTransaction || (tx as TypedTransaction).supports(Capability.EIP1559FeeMarket)) {
    const t = tx as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
    maxFee = t.maxFeePerGas
    price = t.maxPriorityFeePerGas + base + op < maxFee ? t.maxPriorityFeePerGas + base + op : maxFee
  } else {
    maxFee = (tx as { gasPrice: bigint }).gasPrice
    price = maxFee
  }
  if (base + op > maxFee) {
    throw new BlockInvalid(header.number, `transaction ${index} max fee per gas`, { reason: `${maxFee} < base fee ${base} + operator fee ${op}` })
  }
  return price
}

interface TxOutcome {
  gasUsed: bigint
  status: 0 | 1
  logs: Log[]
}

/** EIP-2028/2930 intrinsic gas (an ethrex L2 runs post-Istanbul forks only; no create, no auth list for 0x7e). */
function intrinsicGas(tx: PrivilegedTransaction): bigint {
  let gas = 21000n
  for (const b of tx.data) gas += b === 0 ? 4n : 16n
  for (const [, slots] of tx.accessList) gas += 2400n + BigInt(slots.length) * 1900n
  return gas
}

/**
 * A privileged transaction as ethrex's L2 hook runs it: no signature, no nonce bump, no fee charged or paid,
 * no refund (gas used = intrinsic + execution gas, before refunds, no EIP-7623 floor). Sent by the bridge,
 * its value is minted and stays minted even if the call fails; sent by anyone else, it moves value only on
 * success. A tx that cannot pay its value or its intrinsic gas is still included: it consumes its whole gas
 * limit and fails.
 */
async function runPrivileged(vm: VM, tx: PrivilegedTransaction, block: Block, gasPrice: bigint): Promise<TxOutcome> {
  const sm = vm.stateManager as WitnessStateManager
  const journal = vm.evm.journal
  const common = vm.common
  const from = tx.from
  const to = tx.to!
  const fromBridge = from.toString() === COMMON_BRIDGE_L2_ADDRESS
  sm.inTransaction = true
  await journal.cleanup()
  await journal.checkpoint()
  try {
    // Warm set as LEVM's Substate::initialize: sender, recipient, coinbase, precompiles, access list.
    for (const [address] of vm.evm.precompiles.entries()) journal.addAlwaysWarmAddress(address)
    journal.addAlwaysWarmAddress(from.toString())
    journal.addAlwaysWarmAddress(to.toString())
    if (common.isActivatedEIP(3651)) journal.addAlwaysWarmAddress(block.header.coinbase.toString())
    for (const [address, slots] of tx.accessList) {
      journal.addAlwaysWarmAddress(bytesToHex(address))
      for (const s of slots) journal.addAlwaysWarmSlot(bytesToHex(address), bytesToHex(s).slice(2))
    }
    const intrinsic = intrinsicGas(tx)
    const sender = await sm.getAccount(from)
    const cannotPay = !fromBridge && tx.value > (sender?.balance ?? 0n)
    let outcome: TxOutcome
    if (intrinsic > tx.gasLimit || cannotPay) {
      outcome = { gasUsed: tx.gasLimit, status: 0, logs: [] }
    } else {
      // The bridge mints: credit it first so the call's own transfer leaves its balance unchanged.
      if (fromBridge && tx.value > 0n) await addBalance(vm, from, tx.value)
      const result = await vm.evm.runCall({
        block,
        gasPrice,
        caller: from,
        origin: from,
        gasLimit: tx.gasLimit - intrinsic,
        to,
        value: tx.value,
        data: tx.data,
        skipNonceIncrement: true,
      })
      const failed = result.execResult.exceptionError !== undefined
      // ethereumjs undid the transfer of a failed call; for the bridge ethrex keeps it (minted).
      if (failed && fromBridge && tx.value > 0n) {
        await addBalance(vm, from, -tx.value)
        await addBalance(vm, to, tx.value)
      }
      if (!failed) await deleteSelfdestructed(vm, result.execResult.selfdestruct, result.execResult.createdAddresses)
      outcome = { gasUsed: intrinsic + result.execResult.executionGasUsed, status: failed ? 0 : 1, logs: failed ? [] : (result.execResult.logs ?? []) }
    }
    await journal.cleanup()
    await journal.commit()
    return outcome
  } catch (e) {
    await journal.revert()
    throw e
  } finally {
    if (common.isActivatedEIP(2929)) journal.cleanJournal()
    sm.originalStorageCache.clear()
    sm.inTransaction = false
  }
}

async function deleteSelfdestructed(vm: VM, selfdestruct: Map<string, unknown> | undefined, created: Set<string> | undefined): Promise<void> {
  for (const hex of selfdestruct?.keys() ?? []) {
    // EIP-6780: only contracts created in the same transaction are deleted.
    if (vm.common.isActivatedEIP(6780) && !(created?.has(hex) ?? false)) continue
    await vm.evm.journal.deleteAccount(new Address(hexToBytes(hex as `0x${string}`)))
  }
}

async function addBalance(vm: VM, address: Address, delta: bigint): Promise<void> {
  if (delta === 0n) return
  const account = (await vm.stateManager.getAccount(address)) ?? new Account()
  account.balance += delta
  if (account.balance < 0n) throw new BlockInvalid(undefined, 'balance', { reason: `${address} would go negative` })
  await vm.evm.journal.putAccount(address, account)
}

/**
 * An ordinary transaction: ethereumjs runTx executes it (nonce, signature, balance and intrinsic-gas rules
 * are the L1 ones, as in ethrex's default hook), then the fee flows are corrected to ethrex's L2 hook:
 * sender pays (execution gas + L1 gas) × L2 gas price; coinbase gets execution gas × (price − base fee −
 * operator fee); base fee vault gets execution gas × base fee (else burned); operator vault gets execution
 * gas × operator fee; L1 fee vault gets L1 gas × price. If the L1 gas does not fit in the gas limit, the
 * execution is undone and the whole gas limit is charged (ethrex's "insufficient max fee" revert).
 */
async function runOrdinary(vm: VM, tx: TypedTransaction, block: Block, fees: FeeConfig, gasPrice: bigint, blockGasUsed: bigint): Promise<TxOutcome> {
  const header = block.header
  const base = header.baseFeePerGas ?? 0n
  const op = fees.operatorFee?.feePerGas ?? 0n
  const l1Gas = l1FeeGas(tx, fees, gasPrice, header)
  const sm = vm.stateManager
  await sm.checkpoint()
  let committed = false
  try {
    const result = await runTx(vm, { tx, block, blockGasUsed, skipBlockGasLimitValidation: true, skipHardForkValidation: true })
    const execGas = result.totalGasSpent
    const sender = tx.getSenderAddress()
    let gasUsed = execGas + l1Gas
    let status: 0 | 1 = result.execResult.exceptionError === undefined ? 1 : 0
    let logs = status === 1 ? (result.execResult.logs ?? []) : []
    let paidL1Gas = l1Gas
    let minerPaid = 0n
    if (gasUsed > tx.gasLimit) {
      // Not enough gas left for the L1 fee: ethrex restores the pre-execution state (nonce bumped) and
      // charges the whole gas limit, the L1 fee vault taking what execution did not use.
      await sm.revert()
      await sm.checkpoint()
      const account = (await sm.getAccount(sender)) ?? new Account()
      account.nonce += 1n
      await sm.putAccount(sender, account)
      await addBalance(vm, sender, -tx.gasLimit * gasPrice)
      paidL1Gas = tx.gasLimit - execGas
      gasUsed = tx.gasLimit
      status = 0
      logs = []
    } else {
      // ethereumjs charged execGas × its own effective price and paid the coinbase result.minerValue.
      const ejsPrice = tx.supports(Capability.EIP1559FeeMarket)
        ? base + min((tx as { maxPriorityFeePerGas: bigint }).maxPriorityFeePerGas, (tx as { maxFeePerGas: bigint }).maxFeePerGas - base)
        : (tx as { gasPrice: bigint }).gasPrice
      await addBalance(vm, sender, execGas * ejsPrice - gasUsed * gasPrice)
      minerPaid = result.minerValue
    }
    // One net correction, so a coinbase that ethrex pays nothing is not left behind as an empty account.
    await addBalance(vm, header.coinbase, execGas * (gasPrice - base - op) - minerPaid)
    const coinbase = await sm.getAccount(header.coinbase)
    if (coinbase !== undefined && coinbase.isEmpty()) await vm.evm.journal.deleteAccount(header.coinbase)
    if (fees.baseFeeVault) await addBalance(vm, fees.baseFeeVault, execGas * base)
    if (fees.operatorFee) await addBalance(vm, fees.operatorFee.vault, execGas * op)
    if (fees.l1Fee) await addBalance(vm, fees.l1Fee.vault, paidL1Gas * gasPrice)
    await sm.commit()
    committed = true
    return { gasUsed, status, logs }
  } finally {
    if (!committed) await sm.revert()
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

/**
 * ethrex calculate_l1_fee_gas: the tx's share of a blob, priced at the configured L1 blob gas price,
 * converted to gas at the tx's gas price (at least 1 when the fee is non-zero). Size = the tx as ethrex's
 * RLPEncode writes it inside a block (typed txs wrapped as an RLP byte string).
 */
export function l1FeeGas(tx: TypedTransaction, fees: FeeConfig, gasPrice: bigint, header: BlockHeader): bigint {
  if (!fees.l1Fee) return 0n
  const size = BigInt(tx.type === 0 ? tx.serialize().length : RLP.encode(tx.serialize()).length)
  const perByte = (fees.l1Fee.feePerBlobGas * GAS_PER_BLOB) / BigInt(SAFE_BYTES_PER_BLOB)
  const fee = perByte * size
  if (gasPrice === 0n) throw new BlockInvalid(header.number, 'L1 fee', { reason: 'gas price is zero (ethrex divides the L1 fee by it)' })
  const gas = fee / gasPrice
  return gas === 0n && fee > 0n ? 1n : gas
}
