import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeAbiParameters, encodeDeployData, keccak256, parseEther, sha256, toHex, zeroAddress, type Address, type Hex } from 'viem'
import { loadArtifact } from '../src/l1/artifacts.js'
import { connectL1, HARDHAT_DEV_KEY, type L1Clients } from '../src/l1/client.js'
import { deployL1, DEVNET_COMMIT_HASH, type L1Deployment } from '../src/l1/deploy.js'
import {
  L2_BRIDGE_ADDRESS,
  NATIVE_TOKEN,
  l1MessageLeaf,
  messagesMerkleProof,
  messagesMerkleRoot,
  privilegedRollingHash,
  privilegedTxHash,
  withdrawalMessage,
} from '../src/l1/messages.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'
import { privilegedTxsOf, publicValues256, read, revertReason, send } from './support/l1-kit.js'

// Hardhat's second default account (public test key): the bridge user.
const USER_KEY: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const L2_TOKEN: Address = '0x00000000000000000000000000000000000a11ce'
const GENESIS_ROOT = keccak256(toHex('genesis state root'))
const ZERO32: Hex = `0x${'00'.repeat(32)}`
const L2_CHAIN_ID = 65536999n

let node: HardhatNode
let owner: L1Clients
let user: L1Clients
let l1: L1Deployment
let token: Address

async function deployAs(c: L1Clients, name: string, args: unknown[]): Promise<Address> {
  const art = loadArtifact(name)
  const hash = await c.walletClient.deployContract({ abi: art.abi, bytecode: art.bytecode, args })
  const r = await c.publicClient.waitForTransactionReceipt({ hash })
  return r.contractAddress!
}

beforeAll(async () => {
  node = await startHardhatNode(60_000, 'hardhat.l1.config.cjs')
  owner = await connectL1(node.url, HARDHAT_DEV_KEY)
  user = await connectL1(node.url, USER_KEY)
  l1 = await deployL1(owner, { genesisStateRoot: GENESIS_ROOT, l2ChainId: L2_CHAIN_ID, devExecMode: true, validium: true })
  token = await deployAs(user, 'TestToken', [10n ** 24n])
})

afterAll(async () => {
  await node?.stop()
})

describe('L1 contracts on Hardhat (dev Exec mode, validium)', () => {
  const ethOut = parseEther('0.4')
  const tokenOut = 300n
  // Batch 1's L1 messages: two withdrawals for the user, one for someone else (a three-leaf tree).
  let leaves: Hex[] = []
  let rolling: Hex = ZERO32
  let values: Hex = '0x'

  it('deposits queue privileged transactions whose hashes and rolling hash match ethrex\'s formulas', async () => {
    const r1 = await send(user, l1.bridge, 'CommonBridge', 'deposit', [0n, user.account.address], parseEther('1'))
    await send(user, token, 'TestToken', 'approve', [l1.bridge, 1000n])
    const r2 = await send(user, l1.bridge, 'CommonBridge', 'depositERC20', [token, L2_TOKEN, user.account.address, 1000n])
    const txs = [...privilegedTxsOf(r1, l1.bridge), ...privilegedTxsOf(r2, l1.bridge)]
    expect(txs.map((t) => t.transactionId)).toEqual([0n, 1n])
    expect(txs[0]).toMatchObject({ from: L2_BRIDGE_ADDRESS, value: parseEther('1'), gasLimit: 105000n })
    const hashes = txs.map(privilegedTxHash)
    expect(await read<Hex[]>(user, l1.bridge, 'CommonBridge', 'getPendingTransactionHashes')).toEqual(hashes)
    rolling = privilegedRollingHash(hashes)
    expect(rolling.slice(0, 6)).toBe('0x0002')
    expect(await read<Hex>(user, l1.bridge, 'CommonBridge', 'getPendingTransactionsVersionedHash', [2])).toBe(rolling)
    expect(await read<bigint>(user, token, 'TestToken', 'balanceOf', [l1.bridge])).toBe(1000n)
  })

  it('commitBatch refuses a wrong privileged rolling hash, a gap, and a non-owner; accepts the right one', async () => {
    const me = user.account.address
    leaves = [
      l1MessageLeaf(L2_BRIDGE_ADDRESS, withdrawalMessage(NATIVE_TOKEN, NATIVE_TOKEN, me, ethOut), 1n),
      l1MessageLeaf(L2_BRIDGE_ADDRESS, withdrawalMessage(token, L2_TOKEN, me, tokenOut), 2n),
      l1MessageLeaf(L2_BRIDGE_ADDRESS, withdrawalMessage(NATIVE_TOKEN, NATIVE_TOKEN, zeroAddress.replace(/0$/, '1') as Address, 5n), 3n),
    ]
    const root = messagesMerkleRoot(leaves)
    const finalRoot = keccak256(toHex('state after batch 1'))
    const lastBlockHash = keccak256(toHex('block 3'))
    const args = (n: bigint, rh: Hex) => [n, finalRoot, root, rh, lastBlockHash, 4n, DEVNET_COMMIT_HASH, [], []]
    const wrong = privilegedRollingHash([keccak256('0x01'), keccak256('0x02')])
    expect(await revertReason(owner, l1.proposer, 'OnChainProposer', 'commitBatch', args(1n, wrong))).toContain(
      'OnChainProposer: invalid privileged transactions log',
    )
    expect(await revertReason(owner, l1.proposer, 'OnChainProposer', 'commitBatch', args(2n, rolling))).toContain(
      'batchNumber is not the immediate successor',
    )
    expect(await revertReason(user, l1.proposer, 'OnChainProposer', 'commitBatch', args(1n, rolling))).toContain(
      'OnChainProposer: caller is not the owner',
    )
    await send(owner, l1.proposer, 'OnChainProposer', 'commitBatch', args(1n, rolling))
    expect(await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastCommittedBatch')).toBe(1n)
    expect(await read<Hex[]>(user, l1.bridge, 'CommonBridge', 'getPendingTransactionHashes')).toEqual([])
    expect(await read<Hex>(user, l1.bridge, 'CommonBridge', 'getWithdrawalLogsMerkleRoot', [1n])).toBe(root)
    values = publicValues256({
      initialStateRoot: GENESIS_ROOT,
      finalStateRoot: finalRoot,
      l1OutMessagesRoot: root,
      l1InRollingHash: rolling,
      blobVersionedHash: ZERO32,
      lastBlockHash,
      chainId: L2_CHAIN_ID,
      nonPrivilegedCount: 4n,
    })
    expect(await read<Hex>(owner, l1.proposer, 'OnChainProposer', 'publicInputsOf', [1n])).toBe(values)
  })

  it('a claim before verification is refused', async () => {
    const reason = await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [ethOut, 1n, 1n, messagesMerkleProof(leaves, 0)])
    expect(reason).toContain('CommonBridge: the batch that emitted the withdrawal logs was not verified')
  })

  it('verification refuses wrong public values, the zk entry point in dev mode, and an uncommitted batch', async () => {
    const tampered = `${values.slice(0, -2)}05` as Hex // non-privileged count 4 -> 5
    expect(await revertReason(owner, l1.proposer, 'OnChainProposer', 'verifyBatchesExec', [1n, [tampered]])).toContain(
      'OnChainProposer: public values do not match the batch commitment',
    )
    expect(await revertReason(owner, l1.proposer, 'OnChainProposer', 'verifyBatches', [1n, ['0x'], ['0x'], ['0x']])).toContain(
      'OnChainProposer: dev mode, use verifyBatchesExec',
    )
    expect(await revertReason(owner, l1.proposer, 'OnChainProposer', 'verifyBatchesExec', [1n, [values, values]])).toContain(
      'OnChainProposer: cannot verify an uncommitted batch',
    )
    await send(owner, l1.proposer, 'OnChainProposer', 'verifyBatchesExec', [1n, [values]])
    expect(await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastVerifiedBatch')).toBe(1n)
    expect(await revertReason(owner, l1.proposer, 'OnChainProposer', 'verifyBatchesExec', [1n, [values]])).toContain(
      'OnChainProposer: batch is not the next to verify',
    )
  })

  it('claims: wrong proof and wrong amount refused; ETH and ERC-20 paid exactly once', async () => {
    const proof = messagesMerkleProof(leaves, 0)
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [ethOut, 1n, 1n, messagesMerkleProof(leaves, 1)])).toContain(
      'CommonBridge: Invalid proof',
    )
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [ethOut + 1n, 1n, 1n, proof])).toContain(
      'CommonBridge: Invalid proof',
    )
    expect(await revertReason(owner, l1.bridge, 'CommonBridge', 'claimWithdrawal', [ethOut, 1n, 1n, proof])).toContain(
      'CommonBridge: Invalid proof',
    )
    const before = await user.publicClient.getBalance({ address: user.account.address })
    const r = await send(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [ethOut, 1n, 1n, proof])
    const after = await user.publicClient.getBalance({ address: user.account.address })
    expect(after - before).toBe(ethOut - r.gasUsed * r.effectiveGasPrice)
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [ethOut, 1n, 1n, proof])).toContain(
      'CommonBridge: the withdrawal was already claimed',
    )
    const tokBefore = await read<bigint>(user, token, 'TestToken', 'balanceOf', [user.account.address])
    await send(user, l1.bridge, 'CommonBridge', 'claimWithdrawalERC20', [token, L2_TOKEN, tokenOut, 1n, 2n, messagesMerkleProof(leaves, 1)])
    expect(await read<bigint>(user, token, 'TestToken', 'balanceOf', [user.account.address])).toBe(tokBefore + tokenOut)
    expect(await read<bigint>(user, token, 'TestToken', 'balanceOf', [l1.bridge])).toBe(1000n - tokenOut)
    expect(await revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [ethOut, 2n, 1n, proof])).toContain(
      'CommonBridge: the batch that emitted the withdrawal logs was not committed',
    )
  })
})

describe('OnChainProposer configuration and zk verifier wiring', () => {
  it('dev mode is off by default: a proposer with no verifier cannot be deployed', async () => {
    const art = loadArtifact('OnChainProposer')
    const config = {
      validium: true, requireRisc0Proof: false, requireSp1Proof: false, devExecMode: false,
      risc0Verifier: zeroAddress, sp1Verifier: zeroAddress, risc0Vk: ZERO32, sp1Vk: ZERO32,
      commitHash: DEVNET_COMMIT_HASH, genesisStateRoot: GENESIS_ROOT, chainId: 1n, bridge: l1.bridge,
    }
    const data = encodeDeployData({ abi: art.abi, bytecode: art.bytecode, args: [owner.account.address, config] })
    await expect(owner.publicClient.call({ data, account: owner.account })).rejects.toThrow(/no verifier required and dev mode off/)
  })

  it('RISC0: the proposer asks the verifier about its image id and sha256 of the rebuilt public values', async () => {
    const mock = await deployAs(owner, 'MockRiscZeroVerifier', [])
    const imageId = keccak256(toHex('image id'))
    const d = await deployL1(owner, { genesisStateRoot: GENESIS_ROOT, l2ChainId: 7n, devExecMode: false, validium: true, risc0: { verifier: mock, imageId } })
    const finalRoot = keccak256(toHex('r1'))
    const lastBlockHash = keccak256(toHex('b1'))
    await send(owner, d.proposer, 'OnChainProposer', 'commitBatch', [1n, finalRoot, ZERO32, ZERO32, lastBlockHash, 0n, DEVNET_COMMIT_HASH, [], []])
    const values = publicValues256({
      initialStateRoot: GENESIS_ROOT, finalStateRoot: finalRoot, l1OutMessagesRoot: ZERO32, l1InRollingHash: ZERO32,
      blobVersionedHash: ZERO32, lastBlockHash, chainId: 7n, nonPrivilegedCount: 0n,
    })
    const seal = (digest: Hex) => encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [imageId, digest])
    expect(await revertReason(owner, d.proposer, 'OnChainProposer', 'verifyBatches', [1n, [seal(sha256('0x00'))], ['0x'], ['0x']])).toContain(
      'OnChainProposer: Invalid RISC0 proof failed proof verification',
    )
    expect(await revertReason(owner, d.proposer, 'OnChainProposer', 'verifyBatchesExec', [1n, [values]])).toContain(
      'OnChainProposer: Exec proofs are accepted in dev mode only',
    )
    await send(owner, d.proposer, 'OnChainProposer', 'verifyBatches', [1n, [seal(sha256(values))], ['0x'], ['0x']])
    expect(await read<bigint>(owner, d.proposer, 'OnChainProposer', 'lastVerifiedBatch')).toBe(1n)
  })

  it('RISC Zero Groth16 verifier (generated from the verifying key by snarkjs\' template) refuses a forged seal', async () => {
    const controlRoot: Hex = '0x91d639615549c55dc491e60a5c3d9d301c364549c3372023fddbf406202af45b'
    const bn254ControlId: Hex = '0x04446e66d300eb7fb45c9726bb53c793dda407a62e9601618bb43c5c14657ac0'
    const v = await deployAs(owner, 'RiscZeroGroth16Verifier', [controlRoot, bn254ControlId])
    // G1 generator (1, 2) and G2 generator coordinates: valid curve points, but not a proof of anything.
    const g2 = [
      [10857046999023057135944570762232829481370756359578518086990519993285655852781n, 11559732032986387107991004021392285783925812861821192530917403151452391805634n],
      [8495653923123431417604973247489272438418190587263600148770280649306958101930n, 4082367875863433681332203403145435568316851327593401208105741076214120093531n],
    ]
    const body = encodeAbiParameters(
      [{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }],
      [[1n, 2n], g2, [1n, 2n]],
    )
    const selector = await read<Hex>(owner, v, 'RiscZeroGroth16Verifier', 'SELECTOR')
    const seal = `${selector}${body.slice(2)}` as Hex
    const reason = await revertReason(owner, v, 'RiscZeroGroth16Verifier', 'verify', [seal, keccak256('0x01'), sha256('0x02')])
    expect(reason).toContain('RiscZeroGroth16Verifier: invalid proof')
    expect(await revertReason(owner, v, 'RiscZeroGroth16Verifier', 'verify', [`0x00000000${body.slice(2)}`, keccak256('0x01'), sha256('0x02')])).toContain(
      'seal selector is not this verifier',
    )
    expect(await revertReason(owner, v, 'RiscZeroGroth16Verifier', 'verify', ['0x1234', keccak256('0x01'), sha256('0x02')])).toContain(
      'seal has the wrong length',
    )
  })
})
