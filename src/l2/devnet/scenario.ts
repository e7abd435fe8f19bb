import { createContractAddress, createAddressFromString, type Address } from '@ethereumjs/util'
import { getAddress, type Hex } from 'viem'
import type { FeeConfig } from '../../../guest/l2/feeConfig.js'
import type { L2Transaction } from '../../../guest/l2/block.js'
import { loadArtifact } from '../../l1/artifacts.js'
import { L2_BRIDGE_ADDRESS, NATIVE_TOKEN, type PrivilegedTxFields } from '../../l1/messages.js'
import { L2ChainBuilder, type SealedL2Batch } from './builder.js'
import { l2DevnetGenesis } from './genesis.js'
import { addressOfKey, asHex, calldata, devnetKey, privilegedTxFromL1, signed1559 } from './transactions.js'

/** ethrex's default L2 chain id. */
export const L2_DEVNET_CHAIN_ID = 65536999
export const L2_GENESIS_TIMESTAMP = 1_718_040_081n
/** Where the bundled batches assume the L1 ERC-20 lives (Hardhat's first contract address of account 0). */
export const BUNDLED_L1_TOKEN: Hex = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const DEPOSIT_GAS = 21000n * 5n

/** The devnet's fee config: all three of ethrex's fee destinations on (vault addresses from ethrex's docs). */
export const L2_DEVNET_FEE_CONFIG: FeeConfig = {
  baseFeeVault: createAddressFromString('0x000c0d6b7c4516a5b274c51ea331a9410fe69127'),
  operatorFee: { vault: createAddressFromString('0xd5d2a85751b6F158e5b9B8cD509206A865672362'), feePerGas: 1_000_000n },
  l1Fee: { vault: createAddressFromString('0x45681AE1768a8936FB87aB11453B4755e322ceec'), feePerBlobGas: 1n },
}

export const DEVNET_KEYS = { deployer: devnetKey(0), alice: devnetKey(1), bob: devnetKey(2) }

/** Builds privileged transactions exactly as the L1 CommonBridge would emit them (ids counted here). */
export class SimulatedL1Bridge {
  private nextId = 0n
  constructor(private readonly builder: L2ChainBuilder) {}

  private emit(from: Hex, to: Hex, value: bigint, gasLimit: bigint, data: Uint8Array): L2Transaction {
    const fields: PrivilegedTxFields = { from: getAddress(from), to: getAddress(to), transactionId: this.nextId++, value, gasLimit, data: `0x${Buffer.from(data).toString('hex')}` }
    return privilegedTxFromL1(this.builder.chainId, fields, this.builder.minFeePerGas())
  }

  depositETH(recipient: Address, value: bigint): L2Transaction {
    return this.emit(L2_BRIDGE_ADDRESS, L2_BRIDGE_ADDRESS, value, DEPOSIT_GAS, calldata('CommonBridgeL2', 'mintETH', [asHex(recipient)]))
  }

  depositERC20(tokenL1: Hex, tokenL2: Address, recipient: Address, amount: bigint): L2Transaction {
    return this.emit(L2_BRIDGE_ADDRESS, L2_BRIDGE_ADDRESS, 0n, DEPOSIT_GAS, calldata('CommonBridgeL2', 'mintERC20', [tokenL1, asHex(tokenL2), asHex(recipient), amount]))
  }

  /** `sendToL2` from an L1 EOA: the L2 transaction's sender is that address. */
  sendToL2(from: Address, to: Address, gasLimit: bigint, data: Uint8Array): L2Transaction {
    return this.emit(asHex(from), asHex(to), 0n, gasLimit, data)
  }
}

export interface BundledDevnet {
  genesis: ReturnType<typeof l2DevnetGenesis>
  batches: SealedL2Batch[]
  addresses: { deployer: Address; alice: Address; bob: Address; counter: Address; l2Token: Address }
}

/**
 * The bundled L2 devnet: 3 batches, 6 blocks. Deposits of ETH and of an ERC-20 (privileged transactions),
 * transfers, a token deployment and transfers, contract calls, ETH and ERC-20 withdrawals, a privileged
 * transaction that reverts (sendToL2 into a failing call), an ordinary call that reverts, and an ERC-20
 * deposit for a token whose L1 address does not match (bounced back to L1 as a withdrawal message).
 * Deterministic: fixed keys, timestamps and order.
 */
export async function buildBundledL2Devnet(opts: { validium: boolean }): Promise<BundledDevnet> {
  const deployer = addressOfKey(DEVNET_KEYS.deployer)
  const alice = addressOfKey(DEVNET_KEYS.alice)
  const bob = addressOfKey(DEVNET_KEYS.bob)
  const genesis = l2DevnetGenesis({
    chainId: L2_DEVNET_CHAIN_ID,
    timestamp: L2_GENESIS_TIMESTAMP,
    balances: { [deployer.toString()]: 100n * 10n ** 18n, [bob.toString()]: 10n * 10n ** 18n },
  })
  const b = await L2ChainBuilder.create(genesis, L2_DEVNET_FEE_CONFIG)
  const l1 = new SimulatedL1Bridge(b)
  const common = b.common
  const nonces = new Map<string, bigint>()
  const tx = (key: Uint8Array, p: { to?: Address; data?: Uint8Array; value?: bigint; gasLimit: bigint }) => {
    const from = addressOfKey(key).toString()
    const nonce = nonces.get(from) ?? 0n
    nonces.set(from, nonce + 1n)
    return signed1559({ common, key, nonce, maxFeePerGas: b.minFeePerGas() * 2n, ...p })
  }
  const counter = createContractAddress(deployer, 0n)
  const l2Token = createContractAddress(deployer, 1n)
  const tokenArt = loadArtifact('L2Token')
  const tokenInit = Buffer.concat([Buffer.from(tokenArt.bytecode.slice(2), 'hex'), Buffer.from(BUNDLED_L1_TOKEN.slice(2).padStart(64, '0'), 'hex')])
  const batches: SealedL2Batch[] = []

  // Batch 1: deposits arrive, contracts are deployed, first transfers and calls.
  await b.addBlock([
    l1.depositETH(alice, 5n * 10n ** 18n),
    l1.depositETH(bob, 10n ** 18n),
    tx(DEVNET_KEYS.deployer, { data: Buffer.from(loadArtifact('Counter').bytecode.slice(2), 'hex'), gasLimit: 500_000n }),
    tx(DEVNET_KEYS.deployer, { data: tokenInit, gasLimit: 2_000_000n }),
  ])
  await b.addBlock([
    l1.depositERC20(BUNDLED_L1_TOKEN, l2Token, alice, 1000n),
    tx(DEVNET_KEYS.alice, { to: bob, value: 10n ** 18n, gasLimit: 60_000n }),
    tx(DEVNET_KEYS.bob, { to: counter, data: calldata('Counter', 'increment'), gasLimit: 100_000n }),
  ])
  batches.push(await b.sealBatch(opts))

  // Batch 2: token transfer, withdrawals of ETH and of the token, failing privileged and ordinary calls.
  await b.addBlock([
    tx(DEVNET_KEYS.alice, { to: l2Token, data: calldata('L2Token', 'transfer', [asHex(bob), 100n]), gasLimit: 100_000n }),
    tx(DEVNET_KEYS.alice, { to: createAddressFromString(L2_BRIDGE_ADDRESS), value: 10n ** 18n, data: calldata('CommonBridgeL2', 'withdraw', [asHex(alice)]), gasLimit: 200_000n }),
  ])
  await b.addBlock([
    tx(DEVNET_KEYS.bob, { to: createAddressFromString(L2_BRIDGE_ADDRESS), data: calldata('CommonBridgeL2', 'withdrawERC20', [BUNDLED_L1_TOKEN, asHex(l2Token), asHex(bob), 50n]), gasLimit: 200_000n }),
    l1.sendToL2(alice, counter, 100_000n, calldata('Counter', 'failIfOdd')),
    tx(DEVNET_KEYS.bob, { to: counter, data: calldata('Counter', 'failIfOdd'), gasLimit: 100_000n }),
  ])
  batches.push(await b.sealBatch(opts))

  // Batch 3: a deposit naming the wrong L1 token (bounced to L1), more calls, an empty block.
  await b.addBlock([
    l1.depositERC20(getAddress(NATIVE_TOKEN.replace(/e$/i, 'f')) as Hex, l2Token, bob, 7n),
    tx(DEVNET_KEYS.alice, { to: counter, data: calldata('Counter', 'increment'), gasLimit: 100_000n }),
    tx(DEVNET_KEYS.bob, { to: alice, value: 12345n, gasLimit: 60_000n }),
  ])
  await b.addBlock([])
  batches.push(await b.sealBatch(opts))
  return { genesis, batches, addresses: { deployer, alice, bob, counter, l2Token } }
}
