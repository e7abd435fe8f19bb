/**
 * Fee flows of ordinary transactions on the L2 core, against ethrex's L2 hook formulas
 * (crates/vm/levm/src/hooks/l2_hook.rs and backends/levm/mod.rs calculate_gas_price_for_tx @ 6fbd93b5):
 * price = min(priority + base + operator fee, max fee); the sender pays (execution + L1 gas) × price; the
 * coinbase gets execution gas × (price − base − operator fee); vaults get base fee, operator fee, L1 gas × price.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Block, createBlockHeader } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { Address, createAddressFromPrivateKey, createAddressFromString, KECCAK256_RLP } from '@ethereumjs/util'
import { createVM } from '@ethereumjs/vm'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { guestCrypto } from '../guest/crypto.js'
import { createL2BlockRunner, type L2Receipt } from '../guest/l2/execution.js'
import type { FeeConfig } from '../guest/l2/feeConfig.js'
import { NodeStore, createStateManager } from '../guest/state.js'
import { buildL2Genesis } from '../src/l2/genesis.js'
import { SHARED_FIXTURES } from './support/fixtures.js'

const realGenesis = JSON.parse(readFileSync(join(SHARED_FIXTURES, 'real/ethrex-l2/l2.json'), 'utf8'))
const key = new Uint8Array(32).fill(1)
const sender = createAddressFromPrivateKey(key)
const bob = createAddressFromString('0x00000000000000000000000000000000000b0b00')
const coinbase = createAddressFromString('0x00000000000000000000000000000000c0ffee00')
const vaults = [1, 2, 3].map((i) => createAddressFromString(`0x00000000000000000000000000000000000fee0${i}`))
const ETH = 10n ** 18n
const GWEI = 10n ** 9n

async function runOne(fees: FeeConfig, gasLimit: bigint) {
  const genesis = await buildL2Genesis({ ...realGenesis, alloc: { [sender.toString()]: { balance: `0x${(10n * ETH).toString(16)}` } } }, guestCrypto())
  const common = genesis.common
  const parent = genesis.header
  const tx = createFeeMarket1559Tx(
    { chainId: 65536999n, nonce: 0n, maxPriorityFeePerGas: 2n * GWEI, maxFeePerGas: 10n * GWEI, gasLimit, to: bob, value: 1000n },
    { common },
  ).sign(key)
  const header = createBlockHeader(
    {
      parentHash: parent.hash(), coinbase, number: 1n, gasLimit: parent.gasLimit, timestamp: parent.timestamp + 1n,
      baseFeePerGas: parent.calcNextBaseFee(), withdrawalsRoot: KECCAK256_RLP, blobGasUsed: 0n, excessBlobGas: 0n,
      parentBeaconBlockRoot: new Uint8Array(32), requestsHash: sha256(new Uint8Array()),
    },
    { common, setHardfork: true },
  )
  const block = new Block(header, [tx], [], undefined, { common })
  const sm = createStateManager(common, new NodeStore(new Map(genesis.state)), parent.stateRoot)
  const vm = await createVM({ common: common.copy(), stateManager: sm, setHardfork: true })
  let receipts: L2Receipt[] = []
  const runner = createL2BlockRunner({ feeConfigOf: () => fees, onReceipts: (_, r) => (receipts = r) })
  runner.prepare?.(vm)
  await runner.run(vm, block)
  const balance = async (a: Address) => (await sm.getAccount(a))?.balance ?? 0n
  return {
    tx, base: header.baseFeePerGas!, receipt: receipts[0],
    sender: await balance(sender), senderNonce: (await sm.getAccount(sender))!.nonce, bob: await balance(bob), coinbase: await balance(coinbase),
    vaults: await Promise.all(vaults.map(balance)),
  }
}

/** ethrex calculate_l1_fee_gas for a typed tx of `size` bytes (RLP-wrapped) at `price`. */
function l1Gas(feePerBlobGas: bigint, size: number, price: bigint): bigint {
  const fee = ((feePerBlobGas * 131072n) / 126976n) * BigInt(size)
  const gas = fee / price
  return gas === 0n && fee > 0n ? 1n : gas
}

describe('L2 fees of an ordinary transaction', () => {
  const op = 1n * GWEI
  const all: FeeConfig = { baseFeeVault: vaults[0], operatorFee: { vault: vaults[1], feePerGas: op }, l1Fee: { vault: vaults[2], feePerBlobGas: GWEI } }

  it('sends base fee, operator fee and L1 fee to their vaults; the coinbase keeps the rest of the tip', async () => {
    const r = await runOne(all, 50_000n)
    const price = 2n * GWEI + r.base + op // below the 10 gwei cap
    const l1 = l1Gas(GWEI, RLP.encode(r.tx.serialize()).length, price)
    expect(l1).toBeGreaterThan(1n)
    expect(r.receipt.status).toBe(1)
    expect(r.receipt.cumulativeGasUsed).toBe(21000n + l1)
    expect(r.sender).toBe(10n * ETH - 1000n - (21000n + l1) * price)
    expect(r.bob).toBe(1000n)
    expect(r.coinbase).toBe(21000n * (price - r.base - op))
    expect(r.vaults).toEqual([21000n * r.base, 21000n * op, l1 * price])
    // Nothing burned when the base fee has a vault: what the sender paid is what the others got.
    expect(10n * ETH - 1000n - r.sender).toBe(r.coinbase + r.vaults[0] + r.vaults[1] + r.vaults[2])
  })

  it('burns the base fee without a vault; no operator or L1 fee without their configs', async () => {
    const r = await runOne({}, 50_000n)
    const price = 2n * GWEI + r.base
    expect(r.receipt.cumulativeGasUsed).toBe(21000n)
    expect(r.sender).toBe(10n * ETH - 1000n - 21000n * price)
    expect(r.coinbase).toBe(21000n * 2n * GWEI)
    expect(r.vaults).toEqual([0n, 0n, 0n])
  })

  it('when the L1 gas does not fit in the gas limit: execution undone, whole limit charged, nonce bumped', async () => {
    const r = await runOne(all, 21_005n)
    const price = 2n * GWEI + r.base + op
    expect(r.receipt.status).toBe(0)
    expect(r.receipt.cumulativeGasUsed).toBe(21_005n)
    expect(r.receipt.logs).toEqual([])
    expect(r.bob).toBe(0n)
    expect(r.senderNonce).toBe(1n)
    expect(r.sender).toBe(10n * ETH - 21_005n * price)
    expect(r.coinbase).toBe(21000n * (price - r.base - op))
    expect(r.vaults).toEqual([21000n * r.base, 21000n * op, 5n * price])
  })
})
