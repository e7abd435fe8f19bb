import { genesisChainConfig, publicNetworkName } from '../../guest/chain.js'
import type { ChainConfig } from '../../guest/types.js'
import type { Rpc } from './client.js'
import type { RpcBlock } from './header.js'

/**
 * Which chain config to execute an RPC node's blocks with. Public networks by chain id; any other chain
 * (devnets, Hardhat) gets every fork up to the one its blocks show, active from genesis, unless the user
 * gives a config file (--chain-config). Forks are inferred from header fields: requestsHash => prague,
 * parentBeaconBlockRoot => cancun, ...
 */
export function inferChainConfig(chainId: number, block: RpcBlock): ChainConfig {
  const publicNetwork = publicNetworkName(chainId)
  if (publicNetwork !== undefined) return { chainId, publicNetwork }
  const fork =
    block.baseFeePerGas === undefined
      ? 'berlin'
      : BigInt(String(block.difficulty ?? '0x0')) !== 0n
        ? 'london'
        : block.withdrawalsRoot === undefined
          ? 'paris'
          : block.parentBeaconBlockRoot === undefined
            ? 'shanghai'
            : block.requestsHash === undefined
              ? 'cancun'
              : 'prague'
  return genesisChainConfig(chainId, fork)
}

export interface NodeInfo {
  chainId: number
  clientVersion: string
  /** Hardhat 2 / EDR node: skips the EIP-4788/2935 system calls on cancun+, so its state roots are off-spec. */
  edr: boolean
}

export async function nodeInfo(rpc: Rpc): Promise<NodeInfo> {
  const [chainId, clientVersion] = await Promise.all([
    rpc.request<string>('eth_chainId'),
    rpc.request<string>('web3_clientVersion').catch(() => 'unknown'),
  ])
  return { chainId: Number(BigInt(chainId)), clientVersion, edr: /HardhatNetwork|EDR/i.test(clientVersion) }
}

/** The warning Tessera prints when pointed at an EDR node running cancun or later. */
export function edrWarning(info: NodeInfo, block: RpcBlock): string | undefined {
  if (!info.edr || block.parentBeaconBlockRoot === undefined) return undefined
  return (
    `warning: ${info.clientVersion} runs cancun or later but does not perform the EIP-4788/EIP-2935 system calls, ` +
    `so its state roots do not follow the spec and Tessera (which does) will report state root mismatches. ` +
    `Run the node with hardfork "shanghai" to replay its blocks.`
  )
}
