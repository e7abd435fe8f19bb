import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPublicClient, http, keccak256, sha256, toHex, type Address, type Hex, type PublicClient } from 'viem'
import { loadArtifact } from '../src/l1/artifacts.js'
import { connectL1, HARDHAT_DEV_KEY, type L1Clients } from '../src/l1/client.js'
import { DEVNET_COMMIT_HASH, deployL1 } from '../src/l1/deploy.js'
import { deployRisc0Router, deploySp1Gateway, sp1VerifierContract } from '../src/l1/verifiers.js'
import { RISC0_RELEASES, SP1_GROTH16_RELEASES, SP1_PLONK_RELEASES } from '../src/verify/keys.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'
import { REPO_ROOT } from './support/fixtures.js'
import { publicValues256, read, send } from './support/l1-kit.js'

/**
 * The L1 verifiers accept real proofs, not only refuse forged ones: the RISC Zero Groth16 verifier of every
 * release behind a RiscZeroVerifierRouter, and every SP1 release's Groth16 and PLONK verifier behind an
 * SP1VerifierGateway, each given the real proofs of test/fixtures/proofs (README there) and their mutations.
 */

const load = (name: string) => JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/proofs', name), 'utf8'))
type Risc0Vector = { version: string; seal: Hex; imageId: Hex; journal?: Hex; journalDigest?: Hex }
const risc0: (Risc0Vector & { digest: Hex })[] = [
  ...load('risc0-public.json').receipts,
  ...load('risc0-groth16.json').receipts.filter((r: Risc0Vector) => r.version === '5.0'),
].map((r: Risc0Vector) => ({ ...r, digest: r.journalDigest ?? sha256(r.journal!) }))
type Sp1Vector = { system: string; version: string; proof: Hex; publicValues: Hex; vkey: Hex }
const sp1: Sp1Vector[] = load('sp1-public.json').proofs

const ZERO32: Hex = `0x${'00'.repeat(32)}`
/** Flips the lowest bit of the byte `index` bytes into the 0x-hex string (negative: from the end). */
const flip = (hex: Hex, index: number): Hex => {
  const b = Buffer.from(hex.slice(2), 'hex')
  b[index < 0 ? b.length + index : index] ^= 1
  return `0x${b.toString('hex')}`
}
const withSelector = (hex: Hex, selector: string): Hex => `${selector}${hex.slice(10)}` as Hex

let node: HardhatNode
let owner: L1Clients
let router: Address
let gateway: Address
let risc0Verifiers: Record<string, Address>
let sp1Verifiers: Record<string, Address>

async function deploy(name: string, args: unknown[] = []): Promise<Address> {
  const art = loadArtifact(name)
  const hash = await owner.walletClient.deployContract({ abi: art.abi, bytecode: art.bytecode, args })
  const r = await owner.publicClient.waitForTransactionReceipt({ hash })
  return r.contractAddress!
}

/** Resolves when the call succeeds, else rejects with the revert message (a simulated call, nothing mined). */
const call = (address: Address, contract: string, fn: string, args: unknown[]) => read<void>(owner, address, contract, fn, args)
/** The full message of a call that must revert (viem names the custom error there, not in its short message). */
/** Without viem's retries: Hardhat answers a revert as an internal error, which viem would retry with backoff. */
let once: PublicClient
async function refused(address: Address, contract: string, fn: string, args: unknown[]): Promise<string> {
  try {
    await once.readContract({ address, abi: loadArtifact(contract).abi, functionName: fn, args })
  } catch (e) {
    return (e as Error).message
  }
  throw new Error(`${contract}.${fn} did not revert`)
}

beforeAll(async () => {
  node = await startHardhatNode(60_000, 'hardhat.l1.config.cjs')
  owner = await connectL1(node.url, HARDHAT_DEV_KEY)
  once = createPublicClient({ transport: http(node.url, { retryCount: 0 }) })
  const risc0Deployment = await deployRisc0Router(owner)
  const sp1Deployment = await deploySp1Gateway(owner)
  router = risc0Deployment.router
  risc0Verifiers = risc0Deployment.verifiers
  gateway = sp1Deployment.gateway
  sp1Verifiers = sp1Deployment.verifiers
}, 240_000)

afterAll(async () => {
  await node?.stop()
})

describe('RISC Zero: RiscZeroGroth16Verifier per release behind RiscZeroVerifierRouter', () => {
  it('every release deploys with the selector risc0-ethereum publishes, and is routed by it', async () => {
    const verifiers = risc0Verifiers
    for (const rel of RISC0_RELEASES) {
      expect(await read<Hex>(owner, verifiers[rel.version], 'RiscZeroGroth16Verifier', 'SELECTOR'), rel.version).toBe(rel.publishedSelector)
      expect(await read<Address>(owner, router, 'RiscZeroVerifierRouter', 'verifiers', [rel.publishedSelector])).toBe(verifiers[rel.version])
    }
    expect(await refused(router, 'RiscZeroVerifierRouter', 'addVerifier', [RISC0_RELEASES[0].publishedSelector, router])).toMatch(/SelectorInUse/)
  })

  for (const r of risc0) {
    it(`${r.version}: the router accepts the real receipt and refuses its mutations`, async () => {
      await call(router, 'RiscZeroVerifierRouter', 'verify', [r.seal, r.imageId, r.digest])
      const mutations: [string, unknown[]][] = [
        ['seal bit', [flip(r.seal, 4 + 40), r.imageId, r.digest]],
        ['journal bit', [r.seal, r.imageId, flip(r.digest, 0)]],
        ['image id', [r.seal, flip(r.imageId, 31), r.digest]],
        ['another release', [withSelector(r.seal, RISC0_RELEASES.find((x) => x.version !== r.version)!.publishedSelector), r.imageId, r.digest]],
      ]
      for (const [what, args] of mutations) {
        expect(await refused(router, 'RiscZeroVerifierRouter', 'verify', args), what).toMatch(/revert/i)
      }
      expect(await refused(router, 'RiscZeroVerifierRouter', 'verify', [withSelector(r.seal, '0xdeadbeef'), r.imageId, r.digest])).toMatch(/SelectorUnknown/)
    })
  }

  it('a verifier refuses a seal carrying another release\'s selector, before any pairing', async () => {
    const rel = RISC0_RELEASES.find((x) => x.version === '3.0')!
    const v = await read<Address>(owner, router, 'RiscZeroVerifierRouter', 'verifiers', [rel.publishedSelector])
    const r = risc0.find((x) => x.version === '2.2')!
    expect(await refused(v, 'RiscZeroGroth16Verifier', 'verify', [r.seal, r.imageId, r.digest])).toContain('seal selector is not this verifier\'s')
  })
})

describe('SP1: one verifier per release (Groth16 and PLONK) behind SP1VerifierGateway', () => {
  it('every generated release verifier is routed by the first 4 bytes of its VERIFIER_HASH', async () => {
    const verifiers = sp1Verifiers
    for (const [system, releases] of [['sp1-groth16', SP1_GROTH16_RELEASES], ['sp1-plonk', SP1_PLONK_RELEASES]] as const) {
      for (const rel of releases) {
        const v = verifiers[`${system} ${rel.version}`]
        expect(await read<Hex>(owner, v, sp1VerifierContract(system, rel.version), 'VERIFIER_HASH')).toBe(rel.verifierHash)
        expect(await read<Address>(owner, gateway, 'SP1VerifierGateway', 'routes', [rel.verifierHash.slice(0, 10)])).toBe(v)
      }
    }
  })

  for (const p of sp1) {
    it(`${p.system} ${p.version}: the gateway accepts the real proof and refuses its mutations`, async () => {
      await call(gateway, 'SP1VerifierGateway', 'verifyProof', [p.vkey, p.publicValues, p.proof])
      const keys = p.system === 'sp1-groth16' ? SP1_GROTH16_RELEASES : SP1_PLONK_RELEASES
      const own = keys.find((k) => k.version === p.version)!
      const other = keys.find((k) => k.version !== p.version && (k.vkRoot === null) === (own.vkRoot === null))!
      const mutations: [string, unknown[]][] = [
        ['proof bit', [p.vkey, p.publicValues, flip(p.proof, -1)]],
        ['public values bit', [p.vkey, flip(p.publicValues, -1), p.proof]],
        ['program vkey', [flip(p.vkey, 31), p.publicValues, p.proof]],
        ['another release', [p.vkey, p.publicValues, withSelector(p.proof, other.verifierHash.slice(0, 10))]],
      ]
      for (const [what, args] of mutations) {
        expect(await refused(gateway, 'SP1VerifierGateway', 'verifyProof', args), what).toMatch(/revert/i)
      }
      expect(await refused(gateway, 'SP1VerifierGateway', 'verifyProof', [p.vkey, p.publicValues, withSelector(p.proof, '0xdeadbeef')])).toMatch(/RouteNotFound/)
    }, 60_000)
  }
})

describe('OnChainProposer hands its verifiers the program id and public values a real proof is checked against', () => {
  it('a real RISC Zero receipt and a real SP1 proof verify batch 1 through the proposer only with their own program ids', async () => {
    const r = risc0.find((x) => x.version === '3.0')!
    const p = sp1.find((x) => x.system === 'sp1-plonk' && x.version === 'v6.0.0')!
    const standIn = await deploy('JournalStandInVerifier', [router, gateway])
    const genesis = keccak256(toHex('genesis'))
    const deployProposer = async (risc0Vk: Hex, sp1Vk: Hex) => {
      const { proposer } = await deployL1(owner, {
        genesisStateRoot: genesis, l2ChainId: 7n, devExecMode: false, validium: true,
        risc0: { verifier: standIn, imageId: risc0Vk }, sp1: { verifier: standIn, vkey: sp1Vk },
      })
      const finalRoot = keccak256(toHex('r1'))
      const lastBlockHash = keccak256(toHex('b1'))
      await send(owner, proposer, 'OnChainProposer', 'commitBatch', [1n, finalRoot, ZERO32, ZERO32, lastBlockHash, 0n, DEVNET_COMMIT_HASH, [], []])
      const values = publicValues256({
        initialStateRoot: genesis, finalStateRoot: finalRoot, l1OutMessagesRoot: ZERO32, l1InRollingHash: ZERO32,
        blobVersionedHash: ZERO32, lastBlockHash, chainId: 7n, nonPrivilegedCount: 0n,
      })
      expect(await read<Hex>(owner, proposer, 'OnChainProposer', 'publicInputsOf', [1n])).toBe(values)
      return { proposer, values }
    }
    // The batch's public values stand for the real proofs' journals; nothing else is translated.
    const good = await deployProposer(r.imageId, p.vkey)
    await send(owner, standIn, 'JournalStandInVerifier', 'standInRisc0', [sha256(good.values), r.digest])
    await send(owner, standIn, 'JournalStandInVerifier', 'standInSp1', [good.values, p.publicValues])
    const args = [1n, [r.seal], [p.proof], ['0x']]
    expect(await refused(good.proposer, 'OnChainProposer', 'verifyBatches', [1n, [flip(r.seal, 100)], [p.proof], ['0x']])).toContain('Invalid RISC0 proof')
    expect(await refused(good.proposer, 'OnChainProposer', 'verifyBatches', [1n, [r.seal], [flip(p.proof, -1)], ['0x']])).toContain('Invalid SP1 proof')
    await send(owner, good.proposer, 'OnChainProposer', 'verifyBatches', args)
    expect(await read<bigint>(owner, good.proposer, 'OnChainProposer', 'lastVerifiedBatch')).toBe(1n)

    // Same batch and proofs, but the proposer is configured with other program ids: refused by the real verifiers.
    const wrongRisc0 = await deployProposer(flip(r.imageId, 0), p.vkey)
    expect(await refused(wrongRisc0.proposer, 'OnChainProposer', 'verifyBatches', args)).toContain('Invalid RISC0 proof')
    const wrongSp1 = await deployProposer(r.imageId, flip(p.vkey, 31))
    expect(await refused(wrongSp1.proposer, 'OnChainProposer', 'verifyBatches', args)).toContain('Invalid SP1 proof')
  }, 120_000)
})
