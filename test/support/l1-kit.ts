import { concat, decodeEventLog, numberToHex, type Abi, type Address, type Hex, type TransactionReceipt } from 'viem'
import { loadArtifact } from '../../src/l1/artifacts.js'
export { read, revertReason, send } from '../../src/l1/calls.js'
import type { PrivilegedTxFields } from '../../src/l1/messages.js'

export function privilegedTxsOf(receipt: TransactionReceipt, bridge: Address): PrivilegedTxFields[] {
  const abi: Abi = loadArtifact('CommonBridge').abi
  const out: PrivilegedTxFields[] = []
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== bridge.toLowerCase()) continue
    const ev = decodeEventLog({ abi, data: log.data, topics: log.topics })
    if (ev.eventName !== 'PrivilegedTxSent') continue
    const a = ev.args as unknown as { from: Address; to: Address; transactionId: bigint; value: bigint; gasLimit: bigint; data: Hex }
    out.push({ from: a.from, to: a.to, transactionId: a.transactionId, value: a.value, gasLimit: a.gasLimit, data: a.data })
  }
  return out
}

/** The 256 fixed bytes of ethrex's L2 public values (test-side encoder, independent of the contract's). */
export function publicValues256(v: {
  initialStateRoot: Hex
  finalStateRoot: Hex
  l1OutMessagesRoot: Hex
  l1InRollingHash: Hex
  blobVersionedHash: Hex
  lastBlockHash: Hex
  chainId: bigint
  nonPrivilegedCount: bigint
}): Hex {
  return concat([
    v.initialStateRoot,
    v.finalStateRoot,
    v.l1OutMessagesRoot,
    v.l1InRollingHash,
    v.blobVersionedHash,
    v.lastBlockHash,
    numberToHex(v.chainId, { size: 32 }),
    numberToHex(v.nonPrivilegedCount, { size: 32 }),
  ])
}
