/**
 * An ethrex L2 node stand-in for tests, built from Tessera's bundled L2 devnet (fixtures/l2: genesis and the
 * three batch caches). Answers follow ethrex's L2 RPC (lambdaclass/ethrex crates/l2/networking/rpc/rpc.rs
 * `map_l2_requests`, l2/batch.rs, l2/fees.rs, l2/execution_witness.rs):
 *   ethrex_getBatchByNumber [hex, bool] -> null for an unknown batch, else the Batch fields (number,
 *     first_block, last_block as integers, state_root, …) and blobs_bundle {blobs, commitments, proofs} as hex
 *   ethrex_batchNumber -> hex of the latest batch
 *   ethrex_get{BaseFeeVault,OperatorFeeVault,L1FeeVault}Address [hex block] -> address | null,
 *   ethrex_getOperatorFee -> hex quantity, ethrex_getL1BlobBaseFee -> integer
 *   debug_executionWitness [from, to?] -> the witness of that range (recorded here with the L2 guest's runner)
 *   eth_getBlockByNumber, eth_getTransactionByHash, eth_chainId, eth_blockNumber
 * Unknown ethrex_* methods get -32601 "Method not found", as ethrex's RpcErr::MethodNotFound.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BlockHeader } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { bigIntToHex, bytesToHex } from '@ethereumjs/util'
import { guestCrypto } from '../../guest/crypto.js'
import { decodeL2Block, type L2Block } from '../../guest/l2/block.js'
import { createL2BlockRunner } from '../../guest/l2/execution.js'
import type { FeeConfig } from '../../guest/l2/feeConfig.js'
import { feeConfigFromJson, l2CacheFileToInput, type L2BatchCacheFile } from '../../src/l2/cache.js'
import { buildL2Genesis } from '../../src/l2/genesis.js'
import { executionWitnessToJson, type ExecutionWitnessJson } from '../../src/witness/codec.js'
import { recordWitness } from '../../src/witness/record.js'
import { l2RpcBlockJson } from '../../src/l2/devnet/rpcJson.js'
import { REPO_ROOT } from './fixtures.js'
import { RpcFailure, startScriptedRpc, type Handler, type ScriptedRpc } from './scriptedRpc.js'

export const L2_FIXTURES = join(REPO_ROOT, 'fixtures/l2')

export interface L2DevnetNode extends ScriptedRpc {
  batches: L2BatchCacheFile[]
  blocks: L2Block[]
  chainId: bigint
}

const rpcBlockJson = l2RpcBlockJson

const num = (v: unknown) => Number(BigInt(String(v)))

export async function startL2DevnetNode(override: Record<string, Handler> = {}): Promise<L2DevnetNode> {
  const genesisJson = JSON.parse(readFileSync(join(L2_FIXTURES, 'meta/genesis.json'), 'utf8'))
  const batches = [1, 2, 3].map((n) => JSON.parse(readFileSync(join(L2_FIXTURES, `cache_batch_${n}.json`), 'utf8')) as L2BatchCacheFile)
  const crypto = guestCrypto()
  const genesis = await buildL2Genesis(genesisJson, crypto)
  const blocks: L2Block[] = []
  const feeConfigs: FeeConfig[] = []
  const batchOf: number[] = []
  for (const [i, b] of batches.entries()) {
    const input = l2CacheFileToInput(b, `cache_batch_${i + 1}.json`)
    input.blocks.forEach((rlp, j) => {
      blocks.push(decodeL2Block(RLP.decode(rlp), genesis.common, `batch ${i + 1} block ${j}`))
      feeConfigs.push(feeConfigFromJson(b.fee_configs[j], 'fee_configs'))
      batchOf.push(i + 1)
    })
  }
  // Per-block witnesses, recorded from the running state with the guest's own L2 block runner.
  const state = new Map(genesis.state)
  const headers: BlockHeader[] = [genesis.header]
  const perBlock: ExecutionWitnessJson[] = []
  for (const [i, block] of blocks.entries()) {
    const runner = createL2BlockRunner({ feeConfigOf: () => feeConfigs[i] })
    const r = await recordWitness({ common: genesis.common, blocks: [block], ancestors: headers, preState: state, runner })
    if (r.error !== undefined) throw r.error
    for (const [k, v] of r.written) state.set(k, v)
    perBlock.push(executionWitnessToJson(r.witness))
    headers.push(block.header)
  }
  const byNumber = (v: unknown): L2Block | undefined => blocks[num(v) - 1]
  const blockParam = (v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith('0x')) throw new RpcFailure(-32602, 'Invalid params: expected 0x-prefixed hex')
    return num(v)
  }
  const fee = (v: unknown) => feeConfigs[blockParam(v) - 1]
  const node = await startScriptedRpc({
    eth_chainId: () => bigIntToHex(genesis.common.chainId()),
    web3_clientVersion: () => 'ethrex/scripted-l2-devnet',
    eth_blockNumber: () => bigIntToHex(BigInt(blocks.length)),
    eth_getBlockByNumber: ([tag, full]) => {
      const b = tag === 'latest' ? blocks[blocks.length - 1] : byNumber(tag)
      return b === undefined ? null : rpcBlockJson(b, full === true)
    },
    eth_getTransactionByHash: ([hash]) => {
      for (const b of blocks) {
        const found = (rpcBlockJson(b, true).transactions as { hash: string }[]).find((t) => t.hash === String(hash).toLowerCase())
        if (found) return found
      }
      return null
    },
    debug_executionWitness: ([from, to]) => {
      const a = blockParam(from)
      const z = to === undefined ? a : blockParam(to)
      if (a > z) throw new RpcFailure(-32602, 'Invalid params: From block number is greater than To block number')
      if (blocks[a - 1] === undefined || blocks[z - 1] === undefined) throw new RpcFailure(-32603, 'Internal Error: Could not get block header')
      if (a === z) return perBlock[a - 1]
      // A whole batch: the batch cache's own witness.
      const i = batchOf[a - 1]
      const range = blocks.map((_, k) => k + 1).filter((k) => batchOf[k - 1] === i)
      if (range[0] === a && range[range.length - 1] === z) return batches[i - 1].witness
      throw new RpcFailure(-32603, 'Internal Error: the scripted node serves single blocks and whole batches only')
    },
    ethrex_batchNumber: () => bigIntToHex(BigInt(batches.length)),
    ethrex_getBatchByNumber: ([n]) => {
      const i = blockParam(n)
      const b = batches[i - 1]
      if (b === undefined) return null
      const numbers = b.blocks.map((x) => num(x.header.number))
      const commitment = Uint8Array.from(b.blob_commitment)
      const validium = commitment.every((x) => x === 0)
      return {
        number: i,
        first_block: numbers[0],
        last_block: numbers[numbers.length - 1],
        state_root: b.blocks[b.blocks.length - 1].header.stateRoot,
        privileged_transactions_hash: `0x${'00'.repeat(32)}`,
        message_hashes: [],
        blobs_bundle: validium ? { blobs: [], commitments: [], proofs: [] } : { blobs: [], commitments: [bytesToHex(commitment)], proofs: [bytesToHex(Uint8Array.from(b.blob_proof))] },
        commit_tx: null,
        verify_tx: null,
      }
    },
    ethrex_getBaseFeeVaultAddress: ([n]) => fee(n)?.baseFeeVault?.toString() ?? null,
    ethrex_getOperatorFeeVaultAddress: ([n]) => fee(n)?.operatorFee?.vault.toString() ?? null,
    ethrex_getOperatorFee: ([n]) => bigIntToHex(fee(n)?.operatorFee?.feePerGas ?? 0n),
    ethrex_getL1FeeVaultAddress: ([n]) => fee(n)?.l1Fee?.vault.toString() ?? null,
    ethrex_getL1BlobBaseFee: ([n]) => Number(fee(n)?.l1Fee?.feePerBlobGas ?? 0n),
    ...override,
  })
  void crypto
  return { ...node, batches, blocks, chainId: genesis.common.chainId() }
}
