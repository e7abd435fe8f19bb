import { createPublicClient, createWalletClient, defineChain, http, type Account, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/** A viem public + wallet client pair for one L1 account. */
export interface L1Clients {
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, Account>
  account: Account
  chain: Chain
}

/** Hardhat's first default account (public, well known): the devnet's deployer, sequencer and proof sender. */
export const HARDHAT_DEV_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

export async function connectL1(rpcUrl: string, privateKey: Hex): Promise<L1Clients> {
  const probe = createPublicClient({ transport: http(rpcUrl) })
  const chainId = await probe.getChainId()
  const chain = defineChain({
    id: chainId,
    name: `l1-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  const account = privateKeyToAccount(privateKey)
  // Polling every 100 ms: a local node mines instantly, waiting 4 s (viem's default) only slows tests down.
  const transport = http(rpcUrl)
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 })
  const walletClient = createWalletClient({ chain, transport, account, pollingInterval: 100 })
  return { publicClient, walletClient, account, chain }
}
