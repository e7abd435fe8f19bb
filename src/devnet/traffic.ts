/**
 * Traffic for `tessera replay custom`: K transactions per block of one kind (or a mix), on the devnet chain
 * builder (src/devnet/chain.ts). Deterministic: the same flags build the same blocks.
 */
import { createAccessList2930Tx, createBlob4844Tx, createFeeMarket1559Tx, createLegacyTx, type TypedTransaction } from '@ethereumjs/tx'
import { Address, bytesToHex, createContractAddress, hexToBytes } from '@ethereumjs/util'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { encodeDeployData, encodeFunctionData, type Hex } from 'viem'
import { TesseraError } from '../../guest/errors.js'
import type { Alloc } from '../witness/genesis.js'
import { BEACON_ROOTS, BEACON_ROOTS_CODE, DEVNET_CHAIN_ID, devnetAccounts, type BlockContext, type DevnetAccounts } from './chain.js'
import { devnetContracts } from './contracts.js'

export const TRAFFIC_KINDS = ['transfer', 'erc20', 'storage', 'mixed'] as const
export type TrafficKind = (typeof TRAFFIC_KINDS)[number]

export class CustomTrafficInvalid extends TesseraError {}

/** Gas limit given to each transaction of a kind (generous: the block builder charges only what is used). */
const TX_GAS = { transfer: 21_000n, erc20: 80_000n, storage: 60_000n, work: 120_000n, create: 400_000n, blob: 21_000n } as const
const CHAIN_ID = BigInt(DEVNET_CHAIN_ID)
export const MAX_TXS_PER_BLOCK = 2000
export const MAX_CUSTOM_BLOCKS = 512

export interface CustomTraffic {
  alloc: Alloc
  accounts: DevnetAccounts
  /** Block gas limit large enough for K transactions of the kind plus the deployments of block 1. */
  gasLimit: bigint
  traffic(ctx: BlockContext): TypedTransaction[]
}

/** A blob whose field elements are canonical (top byte zero), from a deterministic pattern. */
function blob(n: number): Hex {
  const b = new Uint8Array(4096 * 32)
  for (let i = 0; i < 4096; i++) b.set(keccak_256(new Uint8Array([n & 0xff, n >> 8, i & 0xff, i >> 8])).subarray(1), i * 32 + 1)
  return bytesToHex(b)
}

function freshAddress(n: number, j: number): Address {
  return new Address(keccak_256(new TextEncoder().encode(`custom-recipient-${n}-${j}`)).slice(12))
}

export function customTraffic(kind: TrafficKind, txsPerBlock: number): CustomTraffic {
  if (!TRAFFIC_KINDS.includes(kind)) throw new CustomTrafficInvalid(`--kind must be one of ${TRAFFIC_KINDS.join(', ')}, got ${kind}`)
  if (!Number.isInteger(txsPerBlock) || txsPerBlock < 1 || txsPerBlock > MAX_TXS_PER_BLOCK) {
    throw new CustomTrafficInvalid(`--txs-per-block must be an integer from 1 to ${MAX_TXS_PER_BLOCK}, got ${txsPerBlock}`)
  }
  // Enough senders that no account needs hundreds of nonces in one block, at least 8 for variety.
  const accounts = devnetAccounts(Math.min(256, Math.max(8, txsPerBlock)))
  const alloc: Alloc = { [BEACON_ROOTS]: { balance: '0x0', nonce: '0x1', code: BEACON_ROOTS_CODE } }
  for (const a of accounts.addresses) alloc[a.toString()] = { balance: '0x3635c9adc5dea00000' } // 1000 ether
  const needsContracts = kind !== 'transfer'
  const contracts = needsContracts ? devnetContracts() : undefined
  // Block 1 starts with the deployments, from account 0 (nonces 0, 1, 2).
  const deployer = accounts.addresses[0]
  const tokenAddress = createContractAddress(deployer, 0n)
  const storeAddress = createContractAddress(deployer, 1n)
  const workAddress = createContractAddress(deployer, 2n)
  const perTx = kind === 'mixed' ? TX_GAS.work : kind === 'transfer' ? TX_GAS.transfer : TX_GAS[kind]
  const gasLimit = [30_000_000n, (BigInt(txsPerBlock) * perTx + 4n * TX_GAS.create) * 2n].reduce((a, b) => (a > b ? a : b))

  const traffic = ({ number: n, common, baseFee }: BlockContext): TypedTransaction[] => {
    const txs: TypedTransaction[] = []
    const fee = { maxFeePerGas: baseFee * 2n + 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, chainId: CHAIN_ID }
    const opts = { common }
    if (n === 1 && contracts !== undefined) {
      const deploys: Hex[] = [
        encodeDeployData({ abi: contracts.token.abi, bytecode: contracts.token.bytecode, args: [accounts.addresses.map((a) => a.toString() as Hex), 10n ** 24n] }),
        contracts.store.bytecode,
        contracts.work.bytecode,
      ]
      // The token's constructor writes one slot per holder: give it what that costs.
      const tokenGas = TX_GAS.create + 25_000n * BigInt(accounts.addresses.length)
      for (const [i, data] of deploys.entries()) {
        txs.push(createFeeMarket1559Tx({ nonce: accounts.next(0), ...fee, gasLimit: i === 0 ? tokenGas : TX_GAS.create, data: hexToBytes(data) }, opts).sign(accounts.keys[0]))
      }
    }
    const count = accounts.addresses.length
    for (let j = 0; j < txsPerBlock; j++) {
      // Rotate senders across blocks so every account sends; account 0 skips block 1 (it deployed).
      const s = (1 + ((n - 1) * txsPerBlock + j) % (count - 1)) % count
      const key = accounts.keys[s]
      const to = accounts.addresses[(s + 1 + (j % 3)) % count]
      const which = kind === 'mixed' ? (['transfer', 'erc20', 'storage', 'work', 'fresh'] as const)[j % 5] : kind
      switch (which) {
        case 'transfer':
          // Mixed traffic keeps legacy transactions in the picture.
          txs.push(
            kind === 'mixed'
              ? createLegacyTx({ nonce: accounts.next(s), gasPrice: baseFee + 1_000_000_000n, gasLimit: TX_GAS.transfer, to, value: 1000n + BigInt(j) }, opts).sign(key)
              : createFeeMarket1559Tx({ nonce: accounts.next(s), ...fee, gasLimit: TX_GAS.transfer, to, value: 1000n + BigInt(j) }, opts).sign(key),
          )
          break
        case 'fresh':
          txs.push(createFeeMarket1559Tx({ nonce: accounts.next(s), ...fee, gasLimit: TX_GAS.transfer, to: freshAddress(n, j), value: 1n }, opts).sign(key))
          break
        case 'erc20': {
          const data = encodeFunctionData({ abi: contracts!.token.abi, functionName: 'transfer', args: [freshOrHolder(n, j, to), 1000n + BigInt(n)] })
          txs.push(createFeeMarket1559Tx({ nonce: accounts.next(s), ...fee, gasLimit: TX_GAS.erc20, to: tokenAddress, data: hexToBytes(data) }, opts).sign(key))
          break
        }
        case 'storage': {
          // Writes new slots, overwrites last block's, and every third block clears some: trie inserts and deletions.
          const slot = BigInt(n % 3 === 0 ? (n - 1) * txsPerBlock + j : n * txsPerBlock + j)
          const value = n % 3 === 0 && j % 2 === 0 ? 0n : BigInt(n * 1000 + j)
          const data = encodeFunctionData({ abi: contracts!.store.abi, functionName: 'set', args: [slot, value] })
          const tx = { nonce: accounts.next(s), gasLimit: TX_GAS.storage, to: storeAddress, data: hexToBytes(data) }
          txs.push(
            kind === 'mixed'
              ? createAccessList2930Tx({ ...tx, gasPrice: baseFee + 1_000_000_000n, chainId: CHAIN_ID, accessList: [{ address: storeAddress.toString(), storageKeys: [] }] }, opts).sign(key)
              : createFeeMarket1559Tx({ ...tx, ...fee }, opts).sign(key),
          )
          break
        }
        case 'work': {
          const digest = keccak_256(new TextEncoder().encode(`custom-work-${n}-${j}`))
          const sig = secp256k1.sign(digest, key, { prehash: false, format: 'recovered' })
          const data = encodeFunctionData({
            abi: contracts!.work.abi,
            functionName: 'work',
            args: [bytesToHex(digest), 27 + sig[0], bytesToHex(sig.subarray(1, 33)), bytesToHex(sig.subarray(33, 65)), bytesToHex(digest)],
          })
          txs.push(createFeeMarket1559Tx({ nonce: accounts.next(s), ...fee, gasLimit: TX_GAS.work, to: workAddress, data: hexToBytes(data) }, opts).sign(key))
          break
        }
      }
    }
    if (kind === 'mixed') {
      // One contract creation per block and, every other block, a blob transaction.
      const s = 1 + (n % (count - 1))
      txs.push(createFeeMarket1559Tx({ nonce: accounts.next(s), ...fee, gasLimit: TX_GAS.create, data: hexToBytes(contracts!.store.bytecode) }, opts).sign(accounts.keys[s]))
      if (n % 2 === 0) {
        const b = 1 + ((n + 3) % (count - 1))
        txs.push(
          createBlob4844Tx({ nonce: accounts.next(b), ...fee, maxFeePerBlobGas: 10n, gasLimit: TX_GAS.blob, to: accounts.addresses[0], value: 3n, blobs: [blob(n)] }, opts).sign(accounts.keys[b]),
        )
      }
    }
    return txs
  }
  return { alloc, accounts, gasLimit, traffic }
}

/** ERC-20 recipients: holders most of the time, a new address every fourth transfer (a new balance slot). */
function freshOrHolder(n: number, j: number, holder: Address): Hex {
  return (j % 4 === 3 ? freshAddress(n, j) : holder).toString() as Hex
}
