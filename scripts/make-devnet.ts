/**
 * Generates the bundled devnet: a small Cancun chain with varied traffic (legacy/2930/1559/blob txs,
 * contract deploys, storage writes and deletions, logs, BLOCKHASH, withdrawals, new accounts), split into
 * batches, each written as an ethrex-replay cache file with a witness recorded by Tessera's own recorder.
 *
 *   node dist/scripts/make-devnet.js [outDir] [--blocks N] [--batch M]
 *
 * Deterministic: same keys, timestamps and traffic every run, so the committed files can be regenerated.
 */
import { parseArgs } from 'node:util'
import { rm } from 'node:fs/promises'
import { createBlob4844Tx, createAccessList2930Tx, createEOACode7702Tx, createFeeMarket1559Tx, createLegacyTx, type TypedTransaction } from '@ethereumjs/tx'
import { Address, bigIntToHex, bytesToHex, createAddressFromString, eoaCode7702SignAuthorization, createContractAddress, hexToBytes, setLengthLeft, bigIntToBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { genesisChainConfig } from '../guest/chain.js'
import type { ChainConfig } from '../guest/types.js'
import { writeCacheFile } from '../src/witness/cache.js'
import type { Alloc } from '../src/witness/genesis.js'
import { BEACON_ROOTS, BEACON_ROOTS_CODE, buildDevnetChain, type BlockContext, devnetAccounts, recordDevnetBatches, DEVNET_CHAIN_ID } from '../src/devnet/chain.js'

export const DEVNET_CHAIN_CONFIG: ChainConfig = genesisChainConfig(DEVNET_CHAIN_ID, 'cancun')

/** Store(key,value) = SSTORE + LOG1; empty calldata clears slot 0. */
const STORE_INITCODE = '0x6021806000600b6000396000f3' + '36600a576000600055005b602035600035556020356000526000356020600060a100'
/** Stores BLOCKHASH(NUMBER-3) in slot 1. */
const BLOCKHASH_INITCODE = '0x600a80600b6000396000f3' + '43600390034060015500'

/** A blob whose field elements are all canonical (top byte zero), filled with a deterministic pattern. */
function devnetBlob(n: number): `0x${string}` {
  const blob = new Uint8Array(4096 * 32)
  for (let i = 0; i < 4096; i++) blob.set(keccak_256(new Uint8Array([n, i & 0xff, i >> 8])).subarray(1), i * 32 + 1)
  return bytesToHex(blob)
}

const WITHDRAWAL_REQUESTS = '0x00000961ef480eb55e80d19ad83579a64c007002'
const CONSOLIDATION_REQUESTS = '0x0000bbddc7ce488642fb579f8b00f3a590007251'

export interface DevnetOptions {
  /** 'cancun' (the bundled devnet) or 'prague' (adds EIP-7702 txs and EIP-7002/7251 requests). */
  fork?: 'cancun' | 'prague'
  /** Extra genesis accounts, e.g. the Prague system contracts (their code is not shipped here). */
  alloc?: Alloc
}

export async function makeDevnet(outDir: string, blockCount = 12, batchSize = 3, opts: DevnetOptions = {}): Promise<string[]> {
  const prague = opts.fork === 'prague'
  const accounts = devnetAccounts(8)
  const { keys, addresses: senders, nonces, next } = accounts
  const alloc: Alloc = { [BEACON_ROOTS]: { balance: '0x0', nonce: '0x1', code: BEACON_ROOTS_CODE }, ...opts.alloc }
  for (const s of senders) alloc[s.toString()] = { balance: '0x3635c9adc5dea00000' } // 1000 ether
  const contracts: { store?: Address; blockhash?: Address } = {}
  const traffic = ({ number: n, common: txCommon, baseFee }: BlockContext): TypedTransaction[] => {
    const txs: TypedTransaction[] = []
    const fee = { maxFeePerGas: baseFee * 2n + 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }
    // Plain transfers of each type, one to a fresh account each block.
    txs.push(createLegacyTx({ nonce: next(0), gasPrice: baseFee + 1_000_000_000n, gasLimit: 21000n, to: senders[1], value: 1000n + BigInt(n) }, { common: txCommon }).sign(keys[0]))
    txs.push(createAccessList2930Tx({ nonce: next(1), gasPrice: baseFee + 1_000_000_000n, gasLimit: 30000n, to: senders[2], value: 7n, accessList: [{ address: senders[3].toString(), storageKeys: [] }], chainId: 1337n }, { common: txCommon }).sign(keys[1]))
    txs.push(createFeeMarket1559Tx({ nonce: next(2), ...fee, gasLimit: 21000n, to: new Address(keccak_256(new Uint8Array([n])).slice(12)), value: 1n, chainId: 1337n }, { common: txCommon }).sign(keys[2]))
    if (n === 1) {
      contracts.store = createContractAddress(senders[3], nonces[3])
      txs.push(createFeeMarket1559Tx({ nonce: next(3), ...fee, gasLimit: 200000n, data: hexToBytes(STORE_INITCODE as `0x${string}`), chainId: 1337n }, { common: txCommon }).sign(keys[3]))
      contracts.blockhash = createContractAddress(senders[4], nonces[4])
      txs.push(createFeeMarket1559Tx({ nonce: next(4), ...fee, gasLimit: 200000n, data: hexToBytes(BLOCKHASH_INITCODE as `0x${string}`), chainId: 1337n }, { common: txCommon }).sign(keys[4]))
    } else {
      // Storage writes (several slots), then deletions of some of them in later blocks: exercises branch collapse.
      for (let s = 0; s < 3; s++) {
        const slot = BigInt(n * 3 + s)
        const value = n % 3 === 0 && s < 2 ? 0n : BigInt(n * 100 + s)
        const target = value === 0n ? BigInt((n - 1) * 3 + s) : slot
        const data = new Uint8Array([...setLengthLeft(bigIntToBytes(target), 32), ...setLengthLeft(bigIntToBytes(value), 32)])
        txs.push(createFeeMarket1559Tx({ nonce: next(5 + (s % 2)), ...fee, gasLimit: 100000n, to: contracts.store, data, chainId: 1337n }, { common: txCommon }).sign(keys[5 + (s % 2)]))
      }
      if (n % 4 === 0) {
        txs.push(createFeeMarket1559Tx({ nonce: next(7), ...fee, gasLimit: 100000n, to: contracts.store, chainId: 1337n }, { common: txCommon }).sign(keys[7]))
      }
      if (n >= 4) {
        txs.push(createFeeMarket1559Tx({ nonce: next(4), ...fee, gasLimit: 100000n, to: contracts.blockhash, chainId: 1337n }, { common: txCommon }).sign(keys[4]))
      }
      if (n % 3 === 1) {
        txs.push(
          createBlob4844Tx(
            { nonce: next(3), ...fee, maxFeePerBlobGas: 10n, gasLimit: 21000n, to: senders[0], value: 3n, blobs: [devnetBlob(n)], chainId: 1337n },
            { common: txCommon },
          ).sign(keys[3]),
        )
      }
    }
    if (prague) {
      if (n === 2) {
        // EIP-7702: senders[7] delegates to the store contract (authorized by its own key, sent by senders[1]).
        const authorization = eoaCode7702SignAuthorization({ chainId: '0x539', address: contracts.store!.toString(), nonce: bigIntToHex(nonces[7]) }, keys[7])
        nonces[7]++
        txs.push(createEOACode7702Tx({ nonce: next(1), ...fee, gasLimit: 100000n, to: senders[2], authorizationList: [authorization], chainId: 1337n }, { common: txCommon }).sign(keys[1]))
      }
      if (n > 2) {
        // Storage write through the delegation: the store code runs in senders[7]'s own storage.
        const data = new Uint8Array([...setLengthLeft(bigIntToBytes(BigInt(n)), 32), ...setLengthLeft(bigIntToBytes(BigInt(n) * 7n), 32)])
        txs.push(createFeeMarket1559Tx({ nonce: next(0), ...fee, gasLimit: 100000n, to: senders[7], data, chainId: 1337n }, { common: txCommon }).sign(keys[0]))
      }
      if (opts.alloc?.[WITHDRAWAL_REQUESTS] && n % 2 === 0) {
        const request = new Uint8Array([...new Uint8Array(48).fill(n), ...setLengthLeft(bigIntToBytes(BigInt(n)), 8)])
        txs.push(createFeeMarket1559Tx({ nonce: next(6), ...fee, gasLimit: 200000n, to: createAddressFromString(WITHDRAWAL_REQUESTS), value: 100n, data: request, chainId: 1337n }, { common: txCommon }).sign(keys[6]))
      }
      if (opts.alloc?.[CONSOLIDATION_REQUESTS] && n % 3 === 0) {
        const request = new Uint8Array([...new Uint8Array(48).fill(n), ...new Uint8Array(48).fill(n + 1)])
        txs.push(createFeeMarket1559Tx({ nonce: next(2), ...fee, gasLimit: 200000n, to: createAddressFromString(CONSOLIDATION_REQUESTS), value: 100n, data: request, chainId: 1337n }, { common: txCommon }).sign(keys[2]))
      }
    }
    return txs
  }
  const chain = await buildDevnetChain({
    fork: prague ? 'prague' : 'cancun',
    alloc,
    blockCount,
    traffic,
    withdrawals: (n) =>
      n % 2 === 0
        ? [
            { index: BigInt(n), validatorIndex: 7n, address: senders[n % 8].toString(), amount: 1000n },
            { index: BigInt(n) + 1000n, validatorIndex: 9n, address: `0x${'77'.repeat(19)}${n.toString(16).padStart(2, '0')}`, amount: 32n },
          ]
        : [],
  })
  await rm(outDir, { recursive: true, force: true })
  const written: string[] = []
  for (const cache of await recordDevnetBatches(chain, batchSize)) written.push(await writeCacheFile(outDir, cache))
  return written
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { blocks: { type: 'string' }, batch: { type: 'string' } } })
  const out = positionals[0] ?? 'fixtures/devnet'
  const files = await makeDevnet(out, Number(values.blocks ?? 12), Number(values.batch ?? 3))
  for (const f of files) console.log(f)
}
