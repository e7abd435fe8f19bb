import { createBlockHeaderFromRLP } from '@ethereumjs/block'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createVM, runTx } from '@ethereumjs/vm'
import { bytesToHex, createAddressFromString, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import { NodeStore, createStateManager } from '../../guest/state.js'
import type { ChainConfig } from '../../guest/types.js'
import type { Rpc } from './client.js'
import { loadRpcBatch } from './blocks.js'
import type { WitnessOptions, WitnessSource } from './witness.js'

export interface TransactionReplay {
  hash: string
  blockNumber: bigint
  index: number
  status: 'success' | 'reverted' | 'pre-byzantium'
  gasUsed: bigint
  cumulativeGasUsed: bigint
  logs: number
  witnessSource: WitnessSource
  /** The node's receipt summarised the same way, when eth_getTransactionReceipt answers. */
  nodeReceipt?: string
  matches?: boolean
  /** Accounts whose balance, nonce, code or storage the transaction changed (the block's coinbase fee included). */
  changes: AccountChange[]
}

export interface AccountChange {
  address: string
  /** undefined: the account did not exist before / does not exist after. */
  before?: { balance: bigint; nonce: bigint; codeHash: string }
  after?: { balance: bigint; nonce: bigint; codeHash: string }
  storage: { slot: string; before: string; after: string }[]
}

/**
 * Re-execute a block up to and including one transaction, statefully over the trie built from the block's
 * witness (no state outside the witness is read), and report that transaction's receipt.
 * Limit: the pre-block system calls of cancun+ (EIP-4788/2935 ring buffers) are not applied first, so a
 * transaction reading those contracts may differ; full blocks are checked by `replay block`.
 */
export async function replayTransaction(rpc: Rpc, hash: string, chainConfig: ChainConfig, opts: WitnessOptions = {}): Promise<TransactionReplay> {
  const tx = await rpc.request<{ blockNumber: string; transactionIndex: string }>('eth_getTransactionByHash', [hash])
  const number = BigInt(tx.blockNumber)
  const index = Number(BigInt(tx.transactionIndex))
  const batch = await loadRpcBatch(rpc, [number], chainConfig, opts)
  const block = batch.decoded[0]
  const common = batch.common.copy()
  const store = NodeStore.fromWitness(batch.witness.witness.state, batch.witness.witness.codes, keccak_256)
  const parent = createBlockHeaderFromRLP(batch.witness.witness.headers[0], { common: common.copy(), setHardfork: true })
  const hashes = new Map<bigint, Uint8Array>()
  for (const h of batch.witness.witness.headers) {
    const header = createBlockHeaderFromRLP(h, { common: common.copy(), setHardfork: true })
    hashes.set(header.number, header.hash())
  }
  const blockchain = {
    async getBlock(n: number | bigint) {
      const h = hashes.get(BigInt(n))
      if (h === undefined) throw new Error(`BLOCKHASH(${n}) is not in the witness`)
      return { hash: () => h }
    },
    async putBlock() {},
    shallowCopy() {
      return this
    },
    async validateHeader() {},
  }
  const stateManager = createStateManager(common, store, parent.stateRoot)
  const vm = await createVM({ common, stateManager, blockchain: blockchain as never, setHardfork: true })
  vm.common.setHardforkBy({ blockNumber: block.header.number, timestamp: block.header.timestamp })
  let result
  let cumulative = 0n
  for (let i = 0; i < index; i++) {
    const r = await runTx(vm, { tx: block.transactions[i], block, blockGasUsed: cumulative, skipHardForkValidation: true })
    cumulative += r.totalGasSpent
  }
  // The target transaction inside a checkpoint: what it touched is read after it, then again after a revert.
  const target = block.transactions[index]
  await vm.stateManager.checkpoint()
  result = await runTx(vm, { tx: target, block, blockGasUsed: cumulative, skipHardForkValidation: true, reportAccessList: vm.common.isActivatedEIP(2930) })
  cumulative += result.totalGasSpent
  const touched = new Map<string, Set<string>>()
  const touch = (a: string | undefined, slots: string[] = []) => {
    if (a === undefined) return
    const key = a.toLowerCase()
    const set = touched.get(key) ?? new Set<string>()
    for (const k of slots) set.add(k.toLowerCase())
    touched.set(key, set)
  }
  touch(target.getSenderAddress().toString())
  touch(target.to?.toString())
  touch(block.header.coinbase.toString())
  touch(result.createdAddress?.toString())
  for (const item of result.accessList ?? []) touch(item.address, item.storageKeys)
  const read = async () => {
    const out = new Map<string, { account?: { balance: bigint; nonce: bigint; codeHash: string }; slots: Map<string, string> }>()
    for (const [a, slots] of touched) {
      const address = createAddressFromString(a)
      const acc = await vm.stateManager.getAccount(address)
      const values = new Map<string, string>()
      for (const slot of slots) values.set(slot, acc ? bytesToHex(await vm.stateManager.getStorage(address, setLengthLeft(hexToBytes(slot as `0x${string}`), 32))) : '0x')
      out.set(a, { account: acc && { balance: acc.balance, nonce: acc.nonce, codeHash: bytesToHex(acc.codeHash) }, slots: values })
    }
    return out
  }
  const after = await read()
  await vm.stateManager.revert()
  const before = await read()
  const changes: AccountChange[] = []
  for (const [a, post] of after) {
    const pre = before.get(a)!
    const storage = [...post.slots].filter(([k, v]) => stripZeros(pre.slots.get(k)) !== stripZeros(v)).map(([slot, v]) => ({ slot, before: pre.slots.get(slot) ?? '0x', after: v }))
    const same = JSON.stringify(pre.account, (_, v) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(post.account, (_, v) => (typeof v === 'bigint' ? String(v) : v))
    if (!same || storage.length > 0) changes.push({ address: a, before: pre.account, after: post.account, storage })
  }
  const receipt = result!.receipt as { status?: 0 | 1; logs: unknown[] }
  const out: TransactionReplay = {
    hash,
    blockNumber: number,
    index,
    status: receipt.status === undefined ? 'pre-byzantium' : receipt.status === 1 ? 'success' : 'reverted',
    gasUsed: result!.totalGasSpent,
    cumulativeGasUsed: cumulative,
    logs: receipt.logs.length,
    witnessSource: batch.witness.source,
    changes,
  }
  const node = await rpc
    .request<{ status?: string; gasUsed: string; cumulativeGasUsed: string; logs: unknown[] } | null>('eth_getTransactionReceipt', [hash])
    .catch(() => null)
  if (node) {
    const status = node.status === undefined ? 'pre-byzantium' : BigInt(node.status) === 1n ? 'success' : 'reverted'
    out.nodeReceipt = `status ${status}, gas ${BigInt(node.gasUsed)}, logs ${node.logs.length}`
    out.matches = status === out.status && BigInt(node.gasUsed) === out.gasUsed && node.logs.length === out.logs
  }
  return out
}

/** A storage value as a quantity: 0x, 0x00 and 0x0000… are all zero. */
function stripZeros(v: string | undefined): string {
  return BigInt(v === undefined || v === '0x' ? 0 : v).toString(16)
}
