import { encodeFunctionData, getAddress, keccak256, toHex, zeroAddress, type Address, type Hex } from 'viem'
import { loadArtifact } from './artifacts.js'
import type { L1Clients } from './client.js'

export interface L1DeployOptions {
  /** State root of the L2 genesis: batch 0's commitment and the first proof's initial root. */
  genesisStateRoot: Hex
  /** The L2 chain id the public values carry. */
  l2ChainId: bigint
  /** Accept Exec public values as proofs (devnets only). */
  devExecMode: boolean
  /** Validium: no blob per batch, blob versioned hash zero in the public values. */
  validium: boolean
  /** RISC Zero verifier (a RiscZeroVerifierRouter, see ./verifiers.ts) and the guest's image id: RISC0 proofs required. */
  risc0?: { verifier: Address; imageId: Hex }
  /** SP1 verifier (an SP1VerifierGateway, see ./verifiers.ts) and the program's vkey hash: SP1 proofs required. */
  sp1?: { verifier: Address; vkey: Hex }
  /** keccak of the prover's git commit, the key of the verification keys (ethrex's commitHash). */
  commitHash?: Hex
}

export interface L1Deployment {
  bridge: Address
  proposer: Address
  owner: Address
  commitHash: Hex
  /** L1 block of the bridge deployment: where a watcher starts reading deposit logs. */
  deployBlock: bigint
}

/** Tessera's default commit hash for devnets: keccak("tessera-devnet"). */
export const DEVNET_COMMIT_HASH: Hex = keccak256(toHex('tessera-devnet'))

async function deploy(c: L1Clients, name: string, args: unknown[]): Promise<{ address: Address; block: bigint }> {
  const art = loadArtifact(name)
  const hash = await c.walletClient.deployContract({ abi: art.abi, bytecode: art.bytecode, args })
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deploying ${name} failed (tx ${hash})`)
  return { address: getAddress(receipt.contractAddress), block: receipt.blockNumber }
}

/** Deploy CommonBridge, then OnChainProposer pointing at it, then tell the bridge its proposer. */
export async function deployL1(c: L1Clients, o: L1DeployOptions): Promise<L1Deployment> {
  const owner = c.account.address
  const commitHash = o.commitHash ?? DEVNET_COMMIT_HASH
  const bridge = await deploy(c, 'CommonBridge', [owner])
  const config = {
    validium: o.validium,
    requireRisc0Proof: o.risc0 !== undefined,
    requireSp1Proof: o.sp1 !== undefined,
    devExecMode: o.devExecMode,
    risc0Verifier: o.risc0?.verifier ?? zeroAddress,
    sp1Verifier: o.sp1?.verifier ?? zeroAddress,
    risc0Vk: o.risc0?.imageId ?? `0x${'00'.repeat(32)}`,
    sp1Vk: o.sp1?.vkey ?? `0x${'00'.repeat(32)}`,
    commitHash,
    genesisStateRoot: o.genesisStateRoot,
    chainId: o.l2ChainId,
    bridge: bridge.address,
  }
  const proposer = await deploy(c, 'OnChainProposer', [owner, config])
  const bridgeAbi = loadArtifact('CommonBridge').abi
  const hash = await c.walletClient.sendTransaction({
    to: bridge.address,
    data: encodeFunctionData({ abi: bridgeAbi, functionName: 'initializeOnChainProposer', args: [proposer.address] }),
  })
  const r = await c.publicClient.waitForTransactionReceipt({ hash })
  if (r.status !== 'success') throw new Error(`CommonBridge.initializeOnChainProposer failed (tx ${hash})`)
  return { bridge: bridge.address, proposer: proposer.address, owner, commitHash, deployBlock: bridge.block }
}
