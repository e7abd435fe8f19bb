import { loadArtifact } from '../../l1/artifacts.js'
import type { GenesisFile } from '../genesis.js'
import type { Alloc } from '../../witness/genesis.js'

/** ethrex's L2 system contract addresses (guest/l2/constants.ts, ethrex @ 6fbd93b5). */
export const L2_SYSTEM_CONTRACTS = {
  commonBridgeL2: '0x000000000000000000000000000000000000ffff',
  l2ToL1Messenger: '0x000000000000000000000000000000000000fffe',
} as const

export interface L2GenesisOptions {
  chainId: number
  /** Genesis timestamp (seconds); the devnet's blocks follow every 12 s. */
  timestamp: bigint
  /** Funded accounts: address -> wei. */
  balances: Record<string, bigint>
}

/**
 * An ethrex-style L2 genesis (geth JSON, read by src/l2/genesis.ts): all forks through Prague at 0, like the
 * real ethrex L2 in fixtures/real/ethrex-l2/l2.json, with Tessera's own CommonBridgeL2 and L2ToL1Messenger
 * runtime code at ethrex's addresses (no proxies: ethrex deploys them behind upgradeable proxies).
 */
export function l2DevnetGenesis(o: L2GenesisOptions): GenesisFile {
  const alloc: Alloc = {
    [L2_SYSTEM_CONTRACTS.commonBridgeL2]: { balance: '0x0', nonce: '0x1', code: loadArtifact('CommonBridgeL2').deployedBytecode },
    [L2_SYSTEM_CONTRACTS.l2ToL1Messenger]: { balance: '0x0', nonce: '0x1', code: loadArtifact('L2ToL1Messenger').deployedBytecode },
  }
  for (const [address, wei] of Object.entries(o.balances)) alloc[address.toLowerCase()] = { balance: `0x${wei.toString(16)}` }
  const config = {
    chainId: o.chainId,
    homesteadBlock: 0,
    eip150Block: 0,
    eip155Block: 0,
    eip158Block: 0,
    byzantiumBlock: 0,
    constantinopleBlock: 0,
    petersburgBlock: 0,
    istanbulBlock: 0,
    berlinBlock: 0,
    londonBlock: 0,
    mergeNetsplitBlock: 0,
    terminalTotalDifficulty: 0,
    terminalTotalDifficultyPassed: true,
    shanghaiTime: 0,
    cancunTime: 0,
    pragueTime: 0,
    depositContractAddress: '0x00000000219ab540356cbb839cbe05303d7705fa',
    blobSchedule: {
      cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
      prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
    },
  }
  return {
    config: config as unknown as GenesisFile['config'],
    alloc,
    nonce: '0x0',
    timestamp: `0x${o.timestamp.toString(16)}`,
    extraData: '0x',
    gasLimit: '0x1c9c380',
    difficulty: '0x0',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: '0x0000000000000000000000000000000000000000',
  }
}
