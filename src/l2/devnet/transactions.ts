import type { Common } from '@ethereumjs/common'
import { createFeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { Address, createAddressFromString, privateToAddress } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { encodeFunctionData, hexToBytes, type Abi, type Hex } from 'viem'
import { PrivilegedTransaction } from '../../../guest/l2/privilegedTx.js'
import { loadArtifact } from '../../l1/artifacts.js'
import type { PrivilegedTxFields } from '../../l1/messages.js'

/** A deterministic devnet key: keccak("tessera-l2-devnet-<i>"). Public by construction; never use with value. */
export function devnetKey(i: number): Uint8Array {
  return keccak_256(new TextEncoder().encode(`tessera-l2-devnet-${i}`))
}

export function addressOfKey(key: Uint8Array): Address {
  return new Address(privateToAddress(key))
}

export function calldata(contract: string, functionName: string, args: unknown[] = []): Uint8Array {
  const abi: Abi = loadArtifact(contract).abi
  return hexToBytes(encodeFunctionData({ abi, functionName, args }))
}

/**
 * The L2 transaction for one `PrivilegedTxSent` event of the L1 bridge, as ethrex's L1 watcher builds it:
 * nonce = the bridge's transaction id, sender = the event's `from`, no fee paid (max fee only has to cover
 * the base fee, which ethrex checks).
 */
export function privilegedTxFromL1(chainId: bigint, e: PrivilegedTxFields, maxFeePerGas: bigint): PrivilegedTransaction {
  return new PrivilegedTransaction(
    chainId,
    e.transactionId,
    0n,
    maxFeePerGas,
    e.gasLimit,
    createAddressFromString(e.to),
    e.value,
    hexToBytes(e.data),
    [],
    createAddressFromString(e.from),
  )
}

export interface SignedTxParams {
  common: Common
  key: Uint8Array
  nonce: bigint
  to?: Address
  data?: Uint8Array
  value?: bigint
  gasLimit: bigint
  maxFeePerGas: bigint
}

/** An EIP-1559 transaction signed by `key` (priority fee 1 wei: the devnet has no tips to speak of). */
export function signed1559(p: SignedTxParams): TypedTransaction {
  return createFeeMarket1559Tx(
    {
      chainId: p.common.chainId(),
      nonce: p.nonce,
      maxPriorityFeePerGas: 1n,
      maxFeePerGas: p.maxFeePerGas,
      gasLimit: p.gasLimit,
      to: p.to,
      value: p.value ?? 0n,
      data: p.data ?? new Uint8Array(),
    },
    { common: p.common },
  ).sign(p.key)
}

export const asHex = (a: Address): Hex => a.toString() as Hex
