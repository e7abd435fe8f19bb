import { getAddress, type Address, type Hex } from 'viem'
import { RISC0_RELEASES, SP1_GROTH16_RELEASES, SP1_PLONK_RELEASES } from '../verify/keys.js'
import { loadArtifact } from './artifacts.js'
import { send } from './calls.js'
import type { L1Clients } from './client.js'

/**
 * Deploys the zk verifiers OnChainProposer calls, for the releases Tessera has keys for (src/verify/keys.json):
 * a RiscZeroVerifierRouter with one RiscZeroGroth16Verifier per RISC Zero release, and an SP1VerifierGateway
 * with the generated SP1VerifierGroth16_<release> / SP1VerifierPlonk_<release> contracts. Owned by `c`.
 */

async function deploy(c: L1Clients, name: string, args: unknown[] = []): Promise<Address> {
  const art = loadArtifact(name)
  const hash = await c.walletClient.deployContract({ abi: art.abi, bytecode: art.bytecode, args })
  const r = await c.publicClient.waitForTransactionReceipt({ hash })
  if (r.status !== 'success' || !r.contractAddress) throw new Error(`deploying ${name} failed (tx ${hash})`)
  return getAddress(r.contractAddress)
}

/** The contract name of an SP1 release's generated verifier (scripts/build-contracts.mjs). */
export function sp1VerifierContract(system: 'sp1-groth16' | 'sp1-plonk', version: string): string {
  return `SP1Verifier${system === 'sp1-groth16' ? 'Groth16' : 'Plonk'}_${version.replace(/[^A-Za-z0-9]+/g, '_')}`
}

/** A router routing every given RISC Zero release (default: all) by its selector; returns router and verifiers. */
export async function deployRisc0Router(c: L1Clients, versions?: string[]): Promise<{ router: Address; verifiers: Record<string, Address> }> {
  const router = await deploy(c, 'RiscZeroVerifierRouter', [c.account.address])
  const verifiers: Record<string, Address> = {}
  for (const rel of RISC0_RELEASES.filter((r) => !versions || versions.includes(r.version))) {
    const v = await deploy(c, 'RiscZeroGroth16Verifier', [rel.controlRoot, rel.bn254ControlId])
    await send(c, router, 'RiscZeroVerifierRouter', 'addVerifier', [rel.publishedSelector as Hex, v])
    verifiers[rel.version] = v
  }
  return { router, verifiers }
}

/** A gateway routing every SP1 release's Groth16 and PLONK verifier (default: all); keys are `<system> <version>`. */
export async function deploySp1Gateway(c: L1Clients, versions?: string[]): Promise<{ gateway: Address; verifiers: Record<string, Address> }> {
  const gateway = await deploy(c, 'SP1VerifierGateway', [c.account.address])
  const verifiers: Record<string, Address> = {}
  const releases = [
    ...SP1_GROTH16_RELEASES.map((r) => ['sp1-groth16', r.version] as const),
    ...SP1_PLONK_RELEASES.map((r) => ['sp1-plonk', r.version] as const),
  ].filter(([, v]) => !versions || versions.includes(v))
  for (const [system, version] of releases) {
    const v = await deploy(c, sp1VerifierContract(system, version))
    await send(c, gateway, 'SP1VerifierGateway', 'addRoute', [v])
    verifiers[`${system} ${version}`] = v
  }
  return { gateway, verifiers }
}
