import type { Address, TransactionReceipt } from 'viem'
import { loadArtifact } from './artifacts.js'
import type { L1Clients } from './client.js'

export class L1CallReverted extends Error {
  constructor(readonly contract: string, readonly functionName: string, readonly tx: string) {
    super(`${contract}.${functionName} reverted on chain (tx ${tx})`)
    this.name = 'L1CallReverted'
  }
}

export class L1CallDidNotRevert extends Error {
  constructor(readonly contract: string, readonly functionName: string) {
    super(`${contract}.${functionName} did not revert`)
    this.name = 'L1CallDidNotRevert'
  }
}

/** Send a contract call (simulated first, so a revert surfaces with its reason), wait for it, fail if it reverted. */
export async function send(c: L1Clients, address: Address, contract: string, functionName: string, args: unknown[], value?: bigint): Promise<TransactionReceipt> {
  const abi = loadArtifact(contract).abi
  const { request } = await c.publicClient.simulateContract({ address, abi, functionName, args, value, account: c.account })
  const hash = await c.walletClient.writeContract(request)
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new L1CallReverted(contract, functionName, hash)
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
  throw new L1CallDidNotRevert(contract, functionName)
}
