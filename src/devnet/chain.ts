/**
 * The embedded devnet's chain builder: a genesis from an allocation, then blocks built with @ethereumjs/vm
 * over a full in-memory state, with the traffic of each block supplied by the caller. Used by
 * scripts/make-devnet.ts (the bundled fixtures) and by `tessera replay custom` (traffic chosen by flags), so
 * both produce blocks the same way and record their witnesses with the same recorder.
 */
import { createBlock, type Block, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Address, bigIntToBytes, createAddressFromString, privateToAddress, setLengthLeft, type WithdrawalData } from '@ethereumjs/util'
import { buildBlock, createVM } from '@ethereumjs/vm'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { installBlake2f, type Blake2fKernel } from '../../guest/blake2f.js'
import { commonFromChainConfig, genesisChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { createStateManager, NodeStore } from '../../guest/state.js'
import type { ChainConfig } from '../../guest/types.js'
import { executionWitnessToJson } from '../witness/codec.js'
import type { CacheFile } from '../witness/cache.js'
import { buildStateFromAlloc, type Alloc } from '../witness/genesis.js'
import { recordWitness } from '../witness/record.js'
import { blockToCacheBlock } from '../witness/rpcJson.js'

export const DEVNET_CHAIN_ID = 1337
export const DEVNET_COINBASE = '0xc014ba5e00000000000000000000000000000000'
export const BEACON_ROOTS = '0x000f3df6d732807ef1319fb7b8bb8522d0beac02'
/** The EIP-4788 beacon roots contract's runtime code (from the EIP). */
export const BEACON_ROOTS_CODE =
  '0x3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500'

/** Deterministic devnet account i: private key keccak256("tessera-devnet-<i>"). */
export function devnetKey(i: number): Uint8Array {
  return keccak_256(new TextEncoder().encode(`tessera-devnet-${i}`))
}

export interface DevnetAccounts {
  keys: Uint8Array[]
  addresses: Address[]
  /** Next nonce of each account; `next(i)` hands it out and increments it. */
  nonces: bigint[]
  next(i: number): bigint
}

export function devnetAccounts(count: number): DevnetAccounts {
  const keys = Array.from({ length: count }, (_, i) => devnetKey(i))
  const nonces = keys.map(() => 0n)
  return { keys, addresses: keys.map((k) => new Address(privateToAddress(k))), nonces, next: (i) => nonces[i]++ }
}

/** What the traffic callback of block `number` gets. */
export interface BlockContext {
  number: number
  /** Common of the block being built (fork already set). */
  common: Common
  baseFee: bigint
}

export interface DevnetChainParams {
  fork: 'cancun' | 'prague'
  /** Complete genesis allocation (funded accounts, system contracts, pre-deployed contracts). */
  alloc: Alloc
  blockCount: number
  /** Transactions of block n, in order. */
  traffic(ctx: BlockContext): TypedTransaction[] | Promise<TypedTransaction[]>
  /** Beacon-chain withdrawals of block n (none when absent). */
  withdrawals?(n: number): WithdrawalData[]
  gasLimit?: bigint
  /** BLAKE2F kernel of the building VM (default the EVM's JS one). */
  blake2f?: Blake2fKernel
}

export interface DevnetChain {
  chainConfig: ChainConfig
  common: Common
  /** Genesis first, then every built block's header. */
  headers: BlockHeader[]
  blocks: Block[]
  /** Full genesis state: trie nodes and codes keyed as guest/state.ts's NodeStore. */
  genesisNodes: Map<string, Uint8Array>
}

export async function buildDevnetChain(params: DevnetChainParams): Promise<DevnetChain> {
  const prague = params.fork === 'prague'
  const chainConfig = genesisChainConfig(DEVNET_CHAIN_ID, params.fork)
  const common = commonFromChainConfig(chainConfig, guestCrypto())
  const gasLimit = params.gasLimit ?? 30_000_000n
  const { nodes, stateRoot } = await buildStateFromAlloc(params.alloc, common.copy())
  const genesis = createBlock(
    {
      header: {
        number: 0n,
        stateRoot,
        gasLimit,
        timestamp: 1_700_000_000n,
        baseFeePerGas: 1_000_000_000n,
        excessBlobGas: 0n,
        blobGasUsed: 0n,
        parentBeaconBlockRoot: new Uint8Array(32),
        extraData: new TextEncoder().encode('tessera devnet'),
        ...(prague ? { requestsHash: sha256(new Uint8Array()) } : {}),
      },
    },
    { common, setHardfork: true },
  )

  const headers: BlockHeader[] = [genesis.header]
  // The builder's BLOCKHASH source: the headers built so far.
  const blockchain = {
    async getBlock(n: number) {
      const h = headers[n]
      return { hash: () => h.hash(), header: h }
    },
    async putBlock() {},
    shallowCopy() {
      return this
    },
    async validateHeader() {},
  }
  const sm = createStateManager(common, new NodeStore(new Map(nodes)), stateRoot)
  const vm = await createVM({ common: common.copy(), stateManager: sm, blockchain: blockchain as never, setHardfork: true })
  if (params.blake2f) installBlake2f(vm.evm as never, params.blake2f)
  const blocks: Block[] = []
  let parent = genesis
  for (let n = 1; n <= params.blockCount; n++) {
    const builder = await buildBlock(vm, {
      parentBlock: parent,
      headerData: {
        timestamp: genesis.header.timestamp + BigInt(12 * n),
        gasLimit,
        coinbase: createAddressFromString(DEVNET_COINBASE),
        parentBeaconBlockRoot: setLengthLeft(bigIntToBytes(BigInt(n) * 0x1000n + 7n), 32),
      },
      withdrawals: params.withdrawals?.(n) ?? [],
      blockOpts: { putBlockIntoBlockchain: false, setHardfork: true },
    })
    const txs = await params.traffic({ number: n, common: vm.common, baseFee: parent.header.calcNextBaseFee() })
    for (const tx of txs) await builder.addTransaction(tx)
    const { block } = await builder.build()
    blocks.push(block)
    headers.push(block.header)
    parent = block
  }
  return { chainConfig, common, headers, blocks, genesisNodes: nodes }
}

/**
 * Record a witness per batch of `batchSize` consecutive blocks (each from the state at the batch's start;
 * the union of every node seen serves every root) and return the batches as cache files.
 */
export async function recordDevnetBatches(chain: DevnetChain, batchSize: number): Promise<CacheFile[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`)
  const allNodes = new Map(chain.genesisNodes)
  const out: CacheFile[] = []
  for (let start = 0; start < chain.blocks.length; start += batchSize) {
    const batch = chain.blocks.slice(start, start + batchSize)
    const recorded = await recordWitness({ common: chain.common, blocks: batch, ancestors: chain.headers.slice(0, start + 1), preState: allNodes })
    if (recorded.error !== undefined) throw recorded.error
    for (const [k, v] of recorded.written) allNodes.set(k, v)
    out.push({ blocks: batch.map(blockToCacheBlock), witness: executionWitnessToJson(recorded.witness), network: chain.chainConfig })
  }
  return out
}
