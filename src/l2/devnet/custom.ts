/**
 * `tessera replay custom --l2`: one L2 batch built on the embedded L2 devnet (the L2 chain builder, L2
 * genesis and simulated L1 bridge of the bundled L2 devnet), with chosen traffic: K transactions per block
 * of one kind, plus one ETH deposit (a privileged transaction) per block. The builder records the witness,
 * computes the blob and proves the batch once; the caller runs the guest again on the input.
 */
import { createContractAddress, type Address } from '@ethereumjs/util'
import type { L2Transaction } from '../../../guest/l2/block.js'
import type { L2ProgramInput } from '../../../guest/l2/types.js'
import { CustomTrafficInvalid, MAX_CUSTOM_BLOCKS, MAX_TXS_PER_BLOCK, TRAFFIC_KINDS, type TrafficKind } from '../../devnet/traffic.js'
import { loadArtifact } from '../../l1/artifacts.js'
import { L2ChainBuilder } from './builder.js'
import { l2DevnetGenesis } from './genesis.js'
import { L2_DEVNET_CHAIN_ID, L2_DEVNET_FEE_CONFIG, L2_GENESIS_TIMESTAMP, SimulatedL1Bridge, BUNDLED_L1_TOKEN } from './scenario.js'
import { addressOfKey, asHex, calldata, devnetKey, signed1559 } from './transactions.js'

export interface CustomL2Batch {
  input: L2ProgramInput
  publicValues: Uint8Array
  transactions: number
  deposits: number
}

export async function buildCustomL2Batch(p: { blocks: number; txsPerBlock: number; kind: string }): Promise<CustomL2Batch> {
  if (!(TRAFFIC_KINDS as readonly string[]).includes(p.kind)) throw new CustomTrafficInvalid(`--kind must be one of ${TRAFFIC_KINDS.join(', ')}, got '${p.kind}'`)
  const kind = p.kind as TrafficKind
  if (!Number.isInteger(p.blocks) || p.blocks < 1 || p.blocks > MAX_CUSTOM_BLOCKS) throw new CustomTrafficInvalid(`--blocks must be an integer from 1 to ${MAX_CUSTOM_BLOCKS}, got ${p.blocks}`)
  // One L2 batch's blob holds about 128 KiB of blocks: keep custom L2 batches well inside it.
  const cap = Math.min(MAX_TXS_PER_BLOCK, 200)
  if (!Number.isInteger(p.txsPerBlock) || p.txsPerBlock < 1 || p.txsPerBlock > cap) throw new CustomTrafficInvalid(`--txs-per-block must be an integer from 1 to ${cap} with --l2, got ${p.txsPerBlock}`)
  const keys = Array.from({ length: 8 }, (_, i) => devnetKey(100 + i))
  const senders = keys.map(addressOfKey)
  const balances: Record<string, bigint> = {}
  for (const s of senders) balances[s.toString()] = 1000n * 10n ** 18n
  const genesis = l2DevnetGenesis({ chainId: L2_DEVNET_CHAIN_ID, timestamp: L2_GENESIS_TIMESTAMP, balances })
  const b = await L2ChainBuilder.create(genesis, L2_DEVNET_FEE_CONFIG)
  const l1 = new SimulatedL1Bridge(b)
  const nonces = senders.map(() => 0n)
  const send = (i: number, q: { to?: Address; data?: Uint8Array; value?: bigint; gasLimit: bigint }) =>
    signed1559({ common: b.common, key: keys[i], nonce: nonces[i]++, maxFeePerGas: b.minFeePerGas() * 2n, ...q })
  const counter = createContractAddress(senders[0], 0n)
  const l2Token = createContractAddress(senders[0], 1n)
  const tokenArt = loadArtifact('L2Token')
  const tokenInit = Buffer.concat([Buffer.from(tokenArt.bytecode.slice(2), 'hex'), Buffer.from(BUNDLED_L1_TOKEN.slice(2).padStart(64, '0'), 'hex')])
  let transactions = 0
  let deposits = 0
  for (let n = 1; n <= p.blocks; n++) {
    const txs: L2Transaction[] = [l1.depositETH(senders[n % senders.length], 10n ** 18n)]
    deposits++
    if (n === 1 && kind !== 'transfer') {
      txs.push(send(0, { data: Buffer.from(loadArtifact('Counter').bytecode.slice(2), 'hex'), gasLimit: 500_000n }))
      txs.push(send(0, { data: tokenInit, gasLimit: 2_000_000n }))
      // Tokens arrive from L1 as privileged mints, one per sender.
      for (const s of senders) txs.push(l1.depositERC20(BUNDLED_L1_TOKEN, l2Token, s, 10n ** 6n))
      deposits += senders.length
    }
    for (let j = 0; j < p.txsPerBlock; j++) {
      const s = 1 + ((n * p.txsPerBlock + j) % (senders.length - 1))
      const to = senders[(s + 1) % senders.length]
      const which = kind === 'mixed' ? (['transfer', 'erc20', 'storage'] as const)[j % 3] : kind
      // The token's balances exist only after block 1's mints: its transfers start in block 2.
      const effective = which === 'erc20' && n === 1 ? 'transfer' : which
      if (effective === 'transfer') txs.push(send(s, { to, value: 1000n + BigInt(j), gasLimit: 60_000n }))
      else if (effective === 'erc20') txs.push(send(s, { to: l2Token, data: calldata('L2Token', 'transfer', [asHex(to), 1n]), gasLimit: 100_000n }))
      else txs.push(send(s, { to: counter, data: calldata('Counter', 'increment'), gasLimit: 100_000n }))
      transactions++
    }
    await b.addBlock(txs)
  }
  const sealed = await b.sealBatch({ validium: false })
  return { input: sealed.input, publicValues: sealed.publicValues, transactions, deposits }
}
