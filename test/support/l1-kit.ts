import { concat, decodeEventLog, numberToHex, type Abi, type Address, type Hex, type TransactionReceipt } from 'viem'
import { loadArtifact } from '../../src/l1/artifacts.js'
import type { L1Clients } from '../../src/l1/client.js'
import type { PrivilegedTxFields } from '../../src/l1/messages.js'

/** Send a contract call, wait for it, and fail loudly if it reverted. */
export async function send(c: L1Clients, address: Address, contract: string, functionName: string, args: unknown[], value?: bigint): Promise<TransactionReceipt> {
  const abi = loadArtifact(contract).abi
  const { request } = await c.publicClient.simulateContract({ address, abi, functionName, args, value, account: c.account })
  const hash = await c.walletClient.writeContract(request)
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`${contract}.${functionName} reverted on chain (tx ${hash})`)
  return receipt
}

export async function read<T>(c: L1Clients, address: Address, contract: string, functionName: string, args: unknown[] = []): Promise<T> {
  return (await c.publicClient.readContract({ address, abi: loadArtifact(contract).abi, functionName, args })) as T
}

/** The revert reason of a call that must fail (simulated, so nothing is mined). */
export async function revertReason(c: L1Clients, address: Address, contract: string, functionName: string, args: unknown[], value?: bigint): Promise<string> {
  try {
    await c.publicClient.simulateContract({ address, abi: loadArtifact(contract).abi, functionName, args, value, account: c.account })
  } catch (e) {
    return (e as { shortMessage?: string; message: string }).shortMessage ?? (e as Error).message
  }
  throw new Error(`${contract}.${functionName} did not revert`)
}

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
