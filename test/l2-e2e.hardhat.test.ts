import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAddressFromString, createContractAddress, type Address as EjsAddress } from '@ethereumjs/util'
import { bytesToHex, hexToBytes, parseEther, type Address, type Hex } from 'viem'
import { execBackend, executePublicValues } from '../src/backend/exec.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { loadDirectory } from '../src/coordinator/source.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { loadArtifact } from '../src/l1/artifacts.js'
import { connectL1, HARDHAT_DEV_KEY, type L1Clients } from '../src/l1/client.js'
import { deployL1, DEVNET_COMMIT_HASH, type L1Deployment } from '../src/l1/deploy.js'
import { L2_BRIDGE_ADDRESS, NATIVE_TOKEN } from '../src/l1/messages.js'
import { coordinatorProofSource } from '../src/l1/proofSource.js'
import { ProofSender } from '../src/l1/proofSender.js'
import { SenderStore } from '../src/l1/senderStore.js'
import { L2ChainBuilder } from '../src/l2/devnet/builder.js'
import { l2DevnetGenesis } from '../src/l2/devnet/genesis.js'
import { DEVNET_KEYS, L2_DEVNET_CHAIN_ID, L2_DEVNET_FEE_CONFIG, L2_GENESIS_TIMESTAMP } from '../src/l2/devnet/scenario.js'
import { L2DevnetSequencer } from '../src/l2/devnet/sequencer.js'
import { L2DevnetStore } from '../src/l2/devnet/store.js'
import { addressOfKey, asHex, calldata, signed1559 } from '../src/l2/devnet/transactions.js'
import { withdrawalProofJson, withdrawalProofs } from '../src/l2/devnet/withdrawalProof.js'
import { serveL2Rpc } from '../src/l2/devnet/rpcServer.js'
import { execFileSync } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { REPO_ROOT } from './support/fixtures.js'
import { Prover } from '../src/prover/prover.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'
import { captureLog } from './support/coordinator-kit.js'
import { read, revertReason, send } from './support/l1-kit.js'

// Hardhat's second default account (public test key): the user, same EOA on L1 and L2.
const USER_KEY: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'

let node: HardhatNode
let owner: L1Clients
let user: L1Clients
let l1: L1Deployment
let token: Address
let dir: string
let builder: L2ChainBuilder
let seq: L2DevnetSequencer
let l2Store: L2DevnetStore
let coordStore: CoordinatorStore
let coordinator: Coordinator
let coordinatorAddress: Awaited<ReturnType<Coordinator['listen']>>
let l2Token: EjsAddress

/** Load new batch files into the coordinator and let one exec prover prove everything pending. */
async function proveAll(): Promise<number> {
  await loadDirectory(join(dir, 'batches'), coordStore)
  const prover = new Prover({
    coordinators: [coordinatorAddress],
    backend: 'exec',
    proverType: 'Exec',
    version: 'v',
    workers: 1,
    pollIntervalMs: 20,
    logger: captureLog('silent').logger,
    exitWhenIdle: true,
    prove: (_name, input) => execBackend.prove(input),
  })
  return (await prover.run()).proven
}

/** One proof-sender run until it has nothing left (a fresh instance each time: restarts lose nothing). */
async function sendProofs(): Promise<string[]> {
  const proofs = coordinatorProofSource(join(dir, 'coordinator.db'), 'Exec')
  const store = new SenderStore(join(dir, 'sender.db'))
  const sender = new ProofSender({ clients: owner, proposer: l1.proposer, proofs: proofs.source, proverType: 'Exec', store })
  const kinds: string[] = []
  try {
    for (;;) {
      const r = await sender.tick()
      kinds.push(r.kind)
      if (r.kind === 'idle' || r.kind === 'rejected' || r.kind === 'reverted') return kinds
    }
  } finally {
    proofs.close()
    store.close()
  }
}

beforeAll(async () => {
  node = await startHardhatNode(60_000, 'hardhat.l1.config.cjs')
  owner = await connectL1(node.url, HARDHAT_DEV_KEY)
  user = await connectL1(node.url, USER_KEY)
  const deployer = addressOfKey(DEVNET_KEYS.deployer)
  const genesis = l2DevnetGenesis({ chainId: L2_DEVNET_CHAIN_ID, timestamp: L2_GENESIS_TIMESTAMP, balances: { [deployer.toString()]: 100n * 10n ** 18n } })
  builder = await L2ChainBuilder.create(genesis, L2_DEVNET_FEE_CONFIG)
  l1 = await deployL1(owner, {
    genesisStateRoot: bytesToHex(builder.genesisHeader.stateRoot),
    l2ChainId: BigInt(L2_DEVNET_CHAIN_ID),
    devExecMode: true,
    validium: true,
  })
  const tokenArt = loadArtifact('TestToken')
  const hash = await user.walletClient.deployContract({ abi: tokenArt.abi, bytecode: tokenArt.bytecode, args: [10n ** 24n] })
  token = (await user.publicClient.waitForTransactionReceipt({ hash })).contractAddress!
  l2Token = createContractAddress(deployer, 0n)
  dir = mkdtempSync(join(tmpdir(), 'tessera-l2-e2e-'))
  l2Store = new L2DevnetStore(join(dir, 'l2.db'))
  seq = new L2DevnetSequencer({ l1: owner, bridge: l1.bridge, proposer: l1.proposer, builder, store: l2Store, outDir: join(dir, 'batches'), validium: true, commitHash: DEVNET_COMMIT_HASH, fromL1Block: l1.deployBlock })
  coordStore = new CoordinatorStore(join(dir, 'coordinator.db'))
  coordinator = new Coordinator({
    store: coordStore,
    version: 'v',
    requiredTypes: ['Exec'],
    proverTimeoutMs: 60_000,
    limits: { maxMessageBytes: 16 << 20, idleTimeoutMs: 5000, readDeadlineMs: 10_000, maxConnections: 100 },
    logger: captureLog('silent').logger,
    derivePublicValues: (input) => executePublicValues(input),
  })
  coordinatorAddress = await coordinator.listen({ host: '127.0.0.1', port: 0 })
}, 120_000)

afterAll(async () => {
  await coordinator?.close()
  coordStore?.close()
  l2Store?.close()
  await node?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('end to end on Hardhat: deposit -> L2 batch -> commit -> prove -> verify -> withdraw -> claim', () => {
  const me = () => user.account.address
  let ethWithdrawal: Hex
  let tokenWithdrawal: Hex

  it('batch 1 deploys the L2 token; deposits of ETH and an ERC-20 on L1 are credited in batch 2, committed, proven and verified', async () => {
    const tokenInit = hexToBytes(`${loadArtifact('L2Token').bytecode}${token.slice(2).toLowerCase().padStart(64, '0')}` as Hex)
    seq.submit(signed1559({ common: builder.common, key: DEVNET_KEYS.deployer, nonce: 0n, data: tokenInit, gasLimit: 2_000_000n, maxFeePerGas: builder.minFeePerGas() * 2n }))
    const b1 = (await seq.step())!
    expect(b1.batch.receipts[0].map((r) => r.status)).toEqual([1])
    await send(user, l1.bridge, 'CommonBridge', 'deposit', [0n, me()], parseEther('3'))
    await send(user, token, 'TestToken', 'approve', [l1.bridge, 1000n])
    await send(user, l1.bridge, 'CommonBridge', 'depositERC20', [token, asHex(l2Token), me(), 1000n])
    const b2 = (await seq.step())!
    expect(b2.deposits).toBe(2)
    expect(b2.batch.receipts[0].map((r) => r.status)).toEqual([1, 1])
    expect(await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastCommittedBatch')).toBe(2n)
    expect(await read<Hex[]>(owner, l1.bridge, 'CommonBridge', 'getPendingTransactionHashes')).toEqual([])
    expect(await proveAll()).toBe(2)
    expect(await sendProofs()).toEqual(['sent', 'verified', 'idle'])
    expect(await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastVerifiedBatch')).toBe(2n)
  }, 120_000)

  it('withdrawals on L2 (ETH and ERC-20) are committed in batch 3; a claim before verification reverts', async () => {
    const alice = hexToBytes(USER_KEY)
    const bridge = createAddressFromString(L2_BRIDGE_ADDRESS)
    const fee = builder.minFeePerGas() * 2n
    ethWithdrawal = seq.submit(signed1559({ common: builder.common, key: alice, nonce: 0n, to: bridge, value: parseEther('1'), data: calldata('CommonBridgeL2', 'withdraw', [me()]), gasLimit: 200_000n, maxFeePerGas: fee }))
    tokenWithdrawal = seq.submit(signed1559({ common: builder.common, key: alice, nonce: 1n, to: bridge, data: calldata('CommonBridgeL2', 'withdrawERC20', [token, asHex(l2Token), me(), 400n]), gasLimit: 200_000n, maxFeePerGas: fee }))
    const b3 = (await seq.step())!
    expect(b3.batch.receipts[0].map((r) => r.status)).toEqual([1, 1])
    expect(b3.batch.output.l1Messages.length).toBe(2)
    const [p] = withdrawalProofs(l2Store, ethWithdrawal)
    expect(p.batchNumber).toBe(3)
    expect(await read<Hex>(owner, l1.bridge, 'CommonBridge', 'getWithdrawalLogsMerkleRoot', [3n])).toBe(p.root)
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [parseEther('1'), 3n, p.messageId, p.merkleProof])).toContain(
      'CommonBridge: the batch that emitted the withdrawal logs was not verified',
    )
  }, 120_000)

  it('batch 3 is proven; a verification with wrong public values reverts; the proof sender verifies it', async () => {
    expect(await proveAll()).toBe(1)
    const good = bytesToHex(coordStore.proof(3, 'Exec')!.publicValues)
    const wrong = `${good.slice(0, 2 + 64)}${'11'.repeat(32)}${good.slice(2 + 128)}` as Hex // final state root replaced
    expect(await revertReason(owner, l1.proposer, 'OnChainProposer', 'verifyBatchesExec', [3n, [wrong]])).toContain(
      'OnChainProposer: public values do not match the batch commitment',
    )
    expect(await sendProofs()).toEqual(['sent', 'verified', 'idle'])
    expect(await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastVerifiedBatch')).toBe(3n)
  }, 120_000)

  it('claims on L1 with the Merkle proofs: exact balances; wrong proof and second claim revert', async () => {
    const [eth] = withdrawalProofs(l2Store, ethWithdrawal)
    const [tok] = withdrawalProofs(l2Store, tokenWithdrawal)
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [parseEther('1'), 3n, eth.messageId, tok.merkleProof])).toContain('CommonBridge: Invalid proof')
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [parseEther('2'), 3n, eth.messageId, eth.merkleProof])).toContain('CommonBridge: Invalid proof')
    const before = await user.publicClient.getBalance({ address: me() })
    const r = await send(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [parseEther('1'), 3n, eth.messageId, eth.merkleProof])
    const after = await user.publicClient.getBalance({ address: me() })
    expect(after - before).toBe(parseEther('1') - r.gasUsed * r.effectiveGasPrice)
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [parseEther('1'), 3n, eth.messageId, eth.merkleProof])).toContain(
      'CommonBridge: the withdrawal was already claimed',
    )
    await send(user, l1.bridge, 'CommonBridge', 'claimWithdrawalERC20', [token, asHex(l2Token), 400n, 3n, tok.messageId, tok.merkleProof])
    expect(await read<bigint>(user, token, 'TestToken', 'balanceOf', [me()])).toBe(10n ** 24n - 1000n + 400n)
    expect(await read<bigint>(user, token, 'TestToken', 'balanceOf', [l1.bridge])).toBe(600n)
    expect(await read<bigint>(user, l1.bridge, 'CommonBridge', 'deposits', [NATIVE_TOKEN, NATIVE_TOKEN])).toBe(parseEther('2'))
    expect(await user.publicClient.getBalance({ address: l1.bridge })).toBe(parseEther('2'))
  }, 120_000)

  it('withdrawal proofs are served by the HTTP route (ethrex_getWithdrawalProof) and the CLI, from SQLite', async () => {
    const expected = withdrawalProofs(l2Store, ethWithdrawal).map(withdrawalProofJson)
    const server = await serveL2Rpc({ store: l2Store, host: '127.0.0.1', port: 0 })
    try {
      const { port } = server.address() as AddressInfo
      const call = async (params: unknown[]) =>
        (await (await fetch(`http://127.0.0.1:${port}`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ethrex_getWithdrawalProof', params }) })).json()) as {
          result?: unknown
          error?: { message: string }
        }
      expect((await call([ethWithdrawal])).result).toEqual(expected)
      expect((await call([`0x${'00'.repeat(32)}`])).error?.message).toMatch(/no L1 message was sent by L2 transaction/)
      expect((await call(['0x12'])).error?.message).toMatch(/expected a 32-byte transaction hash/)
    } finally {
      server.close()
    }
    const out = execFileSync(process.execPath, [join(REPO_ROOT, 'dist/src/cli/main.js'), 'l2', 'withdrawal-proof', ethWithdrawal, '--db', join(dir, 'l2.db')], { encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual(expected)
  }, 60_000)
})
