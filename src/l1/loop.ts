import { formatEth } from '../units/eth.js'
import { join } from 'node:path'
import { createAddressFromString, createContractAddress, type Address as EjsAddress } from '@ethereumjs/util'
import { pino, type Logger } from 'pino'
import { bytesToHex, hexToBytes, parseEther, type Address, type Hex } from 'viem'
import { execBackend, executePublicValues } from '../backend/exec.js'
import { Coordinator } from '../coordinator/coordinator.js'
import { loadDirectory } from '../coordinator/source.js'
import { CoordinatorStore } from '../coordinator/store.js'
import { DEFAULT_SERVER_LIMITS } from '../protocol/transport.js'
import { Prover } from '../prover/prover.js'
import { L2ChainBuilder } from '../l2/devnet/builder.js'
import { l2DevnetGenesis } from '../l2/devnet/genesis.js'
import { DEVNET_KEYS, L2_DEVNET_CHAIN_ID, L2_DEVNET_FEE_CONFIG, L2_GENESIS_TIMESTAMP } from '../l2/devnet/scenario.js'
import { L2DevnetSequencer, type SequencedBatch } from '../l2/devnet/sequencer.js'
import { L2DevnetStore } from '../l2/devnet/store.js'
import { addressOfKey, asHex, calldata, signed1559 } from '../l2/devnet/transactions.js'
import { withdrawalProofs } from '../l2/devnet/withdrawalProof.js'
import { loadArtifact } from './artifacts.js'
import { read, revertReason, send } from './calls.js'
import { connectL1, HARDHAT_DEV_KEY, type L1Clients } from './client.js'
import { deployL1, DEVNET_COMMIT_HASH, type L1Deployment } from './deploy.js'
import { L2_BRIDGE_ADDRESS, NATIVE_TOKEN } from './messages.js'
import { coordinatorProofSource } from './proofSource.js'
import { ProofSender, type TickResult } from './proofSender.js'
import { SenderStore } from './senderStore.js'

/**
 * The whole L1 <-> L2 loop on a running L1 node, step by step: deposit ETH and an ERC-20 on L1 -> credited on
 * L2 in a batch -> committed -> proven by an exec prover through a coordinator on loopback -> verified on L1 by
 * the proof sender -> withdrawal on L2 -> next batch verified -> claimed on L1 with its Merkle proof; plus the
 * negative cases, each of which must revert with the contract's reason. Every expectation is checked here
 * (LoopCheckFailed names the step); the summary carries the exact numbers for display and for tests.
 */

/** Hardhat's second default account (public test key): the user, same EOA on L1 and L2. */
export const LOOP_USER_KEY: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
export const LOOP_DEPOSIT_WEI = parseEther('3')
export const LOOP_WITHDRAW_WEI = parseEther('1')
export const LOOP_TOKEN_SUPPLY = 10n ** 24n
export const LOOP_TOKEN_DEPOSIT = 1000n
export const LOOP_TOKEN_WITHDRAW = 400n

export class LoopCheckFailed extends Error {
  constructor(readonly step: string, detail: string) {
    super(`${step}: ${detail}`)
    this.name = 'LoopCheckFailed'
  }
}

export class LoopAborted extends Error {
  constructor(readonly step: string) {
    super(`interrupted before: ${step}`)
    this.name = 'LoopAborted'
  }
}

/** The user's balances, exact wei. L2 ones are read from the builder's state at the last sealed batch. */
export interface LoopBalances {
  l1Eth: bigint
  l1Token: bigint
  l2Eth: bigint
  l2Token: bigint
}

export interface LoopStep {
  step: string
  txs: Hex[]
  before: LoopBalances
  after: LoopBalances
  /** L1 gas paid by the user in this step (wei), so the L1 ETH change can be checked exactly. */
  l1GasWei: bigint
}

export interface LoopNegative {
  case: string
  reason: string
}

export interface LoopSummary {
  l1Url: string
  user: Address
  bridge: Address
  proposer: Address
  l1TokenAddress: Address
  l2TokenAddress: Address
  steps: LoopStep[]
  negatives: LoopNegative[]
  lastCommittedBatch: bigint
  lastVerifiedBatch: bigint
  /** Bridge holdings at the end (ETH and the ERC-20 not withdrawn). */
  bridgeEth: bigint
  bridgeToken: bigint
  /** L2 withdrawal transactions (for withdrawal-proof lookups in `workDir`/l2.db). */
  withdrawalTxs: { eth: Hex; token: Hex }
  wallMs: number
}

export interface LoopOptions {
  l1Url: string
  /** Empty directory for the L2 store, batch files, coordinator and proof-sender databases. */
  workDir: string
  logger?: Logger
  progress?: (line: string) => void
  signal?: AbortSignal
}

function check(step: string, ok: boolean, detail: string): void {
  if (!ok) throw new LoopCheckFailed(step, detail)
}

/** Expected contract reasons (contracts/src/l1/*.sol). */
export const LOOP_REASONS = {
  notVerified: 'CommonBridge: the batch that emitted the withdrawal logs was not verified',
  wrongPublicValues: 'OnChainProposer: public values do not match the batch commitment',
  invalidProof: 'CommonBridge: Invalid proof',
  alreadyClaimed: 'CommonBridge: the withdrawal was already claimed',
} as const

export async function runDepositWithdrawLoop(o: LoopOptions): Promise<LoopSummary> {
  const started = performance.now()
  const logger = o.logger ?? pino({ level: 'silent' })
  const progress = o.progress ?? (() => {})
  const dir = o.workDir
  let l2Store: L2DevnetStore | undefined
  let coordStore: CoordinatorStore | undefined
  let coordinator: Coordinator | undefined
  let prover: Prover | undefined
  const onAbort = () => prover?.stop()
  o.signal?.addEventListener('abort', onAbort)
  const guard = (step: string) => {
    if (o.signal?.aborted) throw new LoopAborted(step)
    progress(step)
  }
  try {
    guard('deploy the L1 contracts (OnChainProposer, CommonBridge, an ERC-20)')
    const owner = await connectL1(o.l1Url, HARDHAT_DEV_KEY)
    const user = await connectL1(o.l1Url, LOOP_USER_KEY)
    const me = user.account.address
    const deployer = addressOfKey(DEVNET_KEYS.deployer)
    const genesis = l2DevnetGenesis({ chainId: L2_DEVNET_CHAIN_ID, timestamp: L2_GENESIS_TIMESTAMP, balances: { [deployer.toString()]: 100n * 10n ** 18n } })
    const builder = await L2ChainBuilder.create(genesis, L2_DEVNET_FEE_CONFIG)
    const l1: L1Deployment = await deployL1(owner, {
      genesisStateRoot: bytesToHex(builder.genesisHeader.stateRoot),
      l2ChainId: BigInt(L2_DEVNET_CHAIN_ID),
      devExecMode: true,
      validium: true,
    })
    const tokenArt = loadArtifact('TestToken')
    const deployHash = await user.walletClient.deployContract({ abi: tokenArt.abi, bytecode: tokenArt.bytecode, args: [LOOP_TOKEN_SUPPLY] })
    const token = (await user.publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!
    const l2Token: EjsAddress = createContractAddress(deployer, 0n)
    l2Store = new L2DevnetStore(join(dir, 'l2.db'))
    const seq = new L2DevnetSequencer({ l1: owner, bridge: l1.bridge, proposer: l1.proposer, builder, store: l2Store, outDir: join(dir, 'batches'), validium: true, commitHash: DEVNET_COMMIT_HASH, fromL1Block: l1.deployBlock })
    coordStore = new CoordinatorStore(join(dir, 'coordinator.db'))
    coordinator = new Coordinator({
      store: coordStore,
      version: 'loop',
      requiredTypes: ['Exec'],
      proverTimeoutMs: 60_000,
      limits: DEFAULT_SERVER_LIMITS,
      logger,
      derivePublicValues: (input) => executePublicValues(input),
    })
    const coordinatorAddress = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    const meL2 = createAddressFromString(me)

    const balances = async (): Promise<LoopBalances> => ({
      l1Eth: await user.publicClient.getBalance({ address: me }),
      l1Token: await read<bigint>(user, token, 'TestToken', 'balanceOf', [me]),
      l2Eth: await builder.sealedBalance(meL2),
      l2Token: await builder.sealedTokenBalance(l2Token, meL2),
    })
    const steps: LoopStep[] = []
    const negatives: LoopNegative[] = []
    const record = async (step: string, before: LoopBalances, txs: Hex[], l1GasWei = 0n) => {
      const after = await balances()
      steps.push({ step, txs, before, after, l1GasWei })
      return after
    }
    const negative = async (name: string, expected: string, reason: Promise<string>) => {
      const r = await reason
      check(name, r.includes(expected), `expected the revert reason '${expected}', got '${r}'`)
      negatives.push({ case: name, reason: expected })
    }
    const committed = (step: string, b: SequencedBatch | undefined, txs: number): SequencedBatch => {
      check(step, b !== undefined, 'the sequencer built no batch')
      const statuses = b!.batch.receipts.flat().map((r) => r.status)
      check(step, statuses.length === txs && statuses.every((s) => s === 1), `expected ${txs} successful L2 transactions, got statuses [${statuses.join(', ')}]`)
      return b!
    }
    const proveAll = async (step: string, expected: number) => {
      await loadDirectory(join(dir, 'batches'), coordStore!)
      prover = new Prover({
        coordinators: [coordinatorAddress],
        backend: 'exec',
        proverType: 'Exec',
        version: 'loop',
        workers: 1,
        pollIntervalMs: 20,
        logger,
        exitWhenIdle: true,
        prove: (_name, input) => execBackend.prove(input),
      })
      const { proven } = await prover.run()
      prover = undefined
      check(step, proven === expected, `expected ${expected} batches proven, got ${proven}`)
    }
    /** One proof-sender run until it has nothing left (a fresh instance each time, as after a restart). */
    const sendProofs = async (step: string, lastBatch: bigint): Promise<Hex[]> => {
      const proofs = coordinatorProofSource(join(dir, 'coordinator.db'), 'Exec')
      const store = new SenderStore(join(dir, 'sender.db'))
      const sender = new ProofSender({ clients: owner, proposer: l1.proposer, proofs: proofs.source, proverType: 'Exec', store })
      const results: TickResult[] = []
      try {
        for (;;) {
          const r = await sender.tick()
          results.push(r)
          if (r.kind === 'idle' || r.kind === 'rejected' || r.kind === 'reverted') break
        }
      } finally {
        proofs.close()
        store.close()
      }
      const kinds = results.map((r) => r.kind).join(',')
      check(step, kinds === 'sent,verified,idle', `expected the proof sender to send one verifyBatches and verify it, got ${kinds}`)
      const verified = await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastVerifiedBatch')
      check(step, verified === lastBatch, `lastVerifiedBatch is ${verified}, expected ${lastBatch}`)
      return [...new Set(results.flatMap((r) => ('txHash' in r ? [r.txHash] : [])))]
    }
    const gasOf = (r: { gasUsed: bigint; effectiveGasPrice: bigint }) => r.gasUsed * r.effectiveGasPrice

    let step = 'L2 batch 1: deploy the L2 token, commit on L1'
    guard(step)
    let before = await balances()
    const tokenInit = hexToBytes(`${loadArtifact('L2Token').bytecode}${token.slice(2).toLowerCase().padStart(64, '0')}` as Hex)
    seq.submit(signed1559({ common: builder.common, key: DEVNET_KEYS.deployer, nonce: 0n, data: tokenInit, gasLimit: 2_000_000n, maxFeePerGas: builder.minFeePerGas() * 2n }))
    const b1 = committed(step, await seq.step(), 1)
    before = await record(step, before, [b1.commitTx])

    step = `L1 deposit ${formatEth(LOOP_DEPOSIT_WEI)}`
    guard(step)
    const dEth = await send(user, l1.bridge, 'CommonBridge', 'deposit', [0n, me], LOOP_DEPOSIT_WEI)
    const afterEthDeposit = await record(step, before, [dEth.transactionHash], gasOf(dEth))
    check(step, afterEthDeposit.l1Eth === before.l1Eth - LOOP_DEPOSIT_WEI - gasOf(dEth), 'L1 ETH is not exactly lower by the deposit plus gas')
    before = afterEthDeposit

    step = `L1 deposit ${LOOP_TOKEN_DEPOSIT} ERC-20 units (approve + deposit)`
    guard(step)
    const approve = await send(user, token, 'TestToken', 'approve', [l1.bridge, LOOP_TOKEN_DEPOSIT])
    const dTok = await send(user, l1.bridge, 'CommonBridge', 'depositERC20', [token, asHex(l2Token), me, LOOP_TOKEN_DEPOSIT])
    const afterTokDeposit = await record(step, before, [approve.transactionHash, dTok.transactionHash], gasOf(approve) + gasOf(dTok))
    check(step, afterTokDeposit.l1Token === before.l1Token - LOOP_TOKEN_DEPOSIT, 'L1 token balance is not exactly lower by the deposit')
    before = afterTokDeposit

    step = 'L2 batch 2: deposits credited, commit on L1'
    guard(step)
    const b2 = committed(step, await seq.step(), 2)
    check(step, b2.deposits === 2, `expected 2 deposits in the batch, got ${b2.deposits}`)
    const pending = await read<Hex[]>(owner, l1.bridge, 'CommonBridge', 'getPendingTransactionHashes')
    check(step, pending.length === 0, `${pending.length} deposits still pending on L1 after the commit`)
    const credited = await record(step, before, [b2.commitTx])
    check(step, credited.l2Eth === before.l2Eth + LOOP_DEPOSIT_WEI, `L2 ETH ${credited.l2Eth}, expected ${before.l2Eth + LOOP_DEPOSIT_WEI}`)
    check(step, credited.l2Token === before.l2Token + LOOP_TOKEN_DEPOSIT, `L2 token ${credited.l2Token}, expected ${before.l2Token + LOOP_TOKEN_DEPOSIT}`)
    before = credited

    step = 'batches 1-2 proven (exec prover, coordinator)'
    guard(step)
    await proveAll(step, 2)
    before = await record(step, before, [])

    step = 'batches 1-2 verified on L1 (verifyBatches)'
    guard(step)
    before = await record(step, before, await sendProofs(step, 2n))

    step = `L2 batch 3: withdraw ${formatEth(LOOP_WITHDRAW_WEI)} + ${LOOP_TOKEN_WITHDRAW} units, commit`
    guard(step)
    const alice = hexToBytes(LOOP_USER_KEY)
    const bridgeL2 = createAddressFromString(L2_BRIDGE_ADDRESS)
    const fee = builder.minFeePerGas() * 2n
    const ethWithdrawal = seq.submit(signed1559({ common: builder.common, key: alice, nonce: 0n, to: bridgeL2, value: LOOP_WITHDRAW_WEI, data: calldata('CommonBridgeL2', 'withdraw', [me]), gasLimit: 200_000n, maxFeePerGas: fee }))
    const tokenWithdrawal = seq.submit(
      signed1559({ common: builder.common, key: alice, nonce: 1n, to: bridgeL2, data: calldata('CommonBridgeL2', 'withdrawERC20', [token, asHex(l2Token), me, LOOP_TOKEN_WITHDRAW]), gasLimit: 200_000n, maxFeePerGas: fee }),
    )
    const b3 = committed(step, await seq.step(), 2)
    check(step, b3.batch.output.l1Messages.length === 2, `expected 2 L1 messages, got ${b3.batch.output.l1Messages.length}`)
    const withdrawn = await record(step, before, [ethWithdrawal, tokenWithdrawal, b3.commitTx])
    check(step, withdrawn.l2Token === before.l2Token - LOOP_TOKEN_WITHDRAW, `L2 token ${withdrawn.l2Token}, expected ${before.l2Token - LOOP_TOKEN_WITHDRAW}`)
    check(step, withdrawn.l2Eth <= before.l2Eth - LOOP_WITHDRAW_WEI, 'L2 ETH did not drop by at least the withdrawal')
    before = withdrawn
    const [eth] = withdrawalProofs(l2Store, ethWithdrawal)
    const [tok] = withdrawalProofs(l2Store, tokenWithdrawal)
    check(step, eth.batchNumber === 3, `the ETH withdrawal is in batch ${eth.batchNumber}, expected 3`)
    const root = await read<Hex>(owner, l1.bridge, 'CommonBridge', 'getWithdrawalLogsMerkleRoot', [3n])
    check(step, root === eth.root, `L1 holds withdrawals root ${root} for batch 3, the L2 store ${eth.root}`)

    guard('negative: claim before verification')
    await negative('claim before the batch is verified', LOOP_REASONS.notVerified, revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [LOOP_WITHDRAW_WEI, 3n, eth.messageId, eth.merkleProof]))

    step = 'batch 3 proven (exec prover, coordinator)'
    guard(step)
    await proveAll(step, 1)
    before = await record(step, before, [])

    guard('negative: verify with wrong public values')
    const good = bytesToHex(coordStore.proof(3, 'Exec')!.publicValues)
    const wrong = `${good.slice(0, 2 + 64)}${'11'.repeat(32)}${good.slice(2 + 128)}` as Hex // final state root replaced
    await negative('verifyBatches with wrong public values', LOOP_REASONS.wrongPublicValues, revertReason(owner, l1.proposer, 'OnChainProposer', 'verifyBatchesExec', [3n, [wrong]]))

    step = 'batch 3 verified on L1 (verifyBatches)'
    guard(step)
    before = await record(step, before, await sendProofs(step, 3n))

    guard('negative: claims with wrong proofs')
    await negative('claim with a wrong Merkle proof', LOOP_REASONS.invalidProof, revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [LOOP_WITHDRAW_WEI, 3n, eth.messageId, tok.merkleProof]))
    await negative('claim with a wrong amount', LOOP_REASONS.invalidProof, revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [2n * LOOP_WITHDRAW_WEI, 3n, eth.messageId, eth.merkleProof]))

    step = `L1 claim ${formatEth(LOOP_WITHDRAW_WEI)} with its Merkle proof`
    guard(step)
    const cEth = await send(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [LOOP_WITHDRAW_WEI, 3n, eth.messageId, eth.merkleProof])
    const claimedEth = await record(step, before, [cEth.transactionHash], gasOf(cEth))
    check(step, claimedEth.l1Eth === before.l1Eth + LOOP_WITHDRAW_WEI - gasOf(cEth), `L1 ETH ${claimedEth.l1Eth}, expected ${before.l1Eth + LOOP_WITHDRAW_WEI - gasOf(cEth)}`)
    before = claimedEth

    guard('negative: second claim')
    await negative('second claim of the same withdrawal', LOOP_REASONS.alreadyClaimed, revertReason(user, l1.bridge, 'CommonBridge', 'claimWithdrawal', [LOOP_WITHDRAW_WEI, 3n, eth.messageId, eth.merkleProof]))

    step = `L1 claim ${LOOP_TOKEN_WITHDRAW} ERC-20 units, Merkle proof`
    guard(step)
    const cTok = await send(user, l1.bridge, 'CommonBridge', 'claimWithdrawalERC20', [token, asHex(l2Token), LOOP_TOKEN_WITHDRAW, 3n, tok.messageId, tok.merkleProof])
    const claimedTok = await record(step, before, [cTok.transactionHash], gasOf(cTok))
    check(step, claimedTok.l1Token === LOOP_TOKEN_SUPPLY - LOOP_TOKEN_DEPOSIT + LOOP_TOKEN_WITHDRAW, `L1 token ${claimedTok.l1Token}, expected ${LOOP_TOKEN_SUPPLY - LOOP_TOKEN_DEPOSIT + LOOP_TOKEN_WITHDRAW}`)

    const bridgeEth = await user.publicClient.getBalance({ address: l1.bridge })
    const bridgeToken = await read<bigint>(user, token, 'TestToken', 'balanceOf', [l1.bridge])
    const deposited = await read<bigint>(user, l1.bridge, 'CommonBridge', 'deposits', [NATIVE_TOKEN, NATIVE_TOKEN])
    check('final bridge balances', bridgeEth === LOOP_DEPOSIT_WEI - LOOP_WITHDRAW_WEI && deposited === bridgeEth, `bridge holds ${bridgeEth} wei (accounted ${deposited})`)
    check('final bridge balances', bridgeToken === LOOP_TOKEN_DEPOSIT - LOOP_TOKEN_WITHDRAW, `bridge holds ${bridgeToken} token units`)
    return {
      l1Url: o.l1Url,
      user: me,
      bridge: l1.bridge,
      proposer: l1.proposer,
      l1TokenAddress: token,
      l2TokenAddress: asHex(l2Token),
      steps,
      negatives,
      lastCommittedBatch: await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastCommittedBatch'),
      lastVerifiedBatch: await read<bigint>(owner, l1.proposer, 'OnChainProposer', 'lastVerifiedBatch'),
      bridgeEth,
      bridgeToken,
      withdrawalTxs: { eth: ethWithdrawal, token: tokenWithdrawal },
      wallMs: Math.round(performance.now() - started),
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort)
    prover?.stop()
    await coordinator?.close().catch(() => {})
    coordStore?.close()
    l2Store?.close()
  }
}

/** The loop's summary as a plain-text table: each step, the user's balances before -> after (wei), the txs. */
/** ETH with at most `decimals` decimals (rounded), sign kept, trailing zeros dropped: "-3.000152". */
function eth(wei: bigint, decimals = 6): string {
  const unit = 10n ** BigInt(18 - decimals)
  const rounded = (wei < 0n ? -wei + unit / 2n : wei + unit / 2n) / unit
  const whole = rounded / 10n ** BigInt(decimals)
  const frac = (rounded % 10n ** BigInt(decimals)).toString().padStart(decimals, '0').replace(/0+$/, '')
  return `${wei < 0n && rounded !== 0n ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/** The loop as a table of changes per step, at most 120 columns: ETH (6 decimals), token units; exact wei in --json. */
export function loopTable(s: LoopSummary): string {
  const head = ['#', 'step', 'L1 ETH', 'L1 gas', 'L2 ETH', 'L1 token', 'L2 token']
  const change = (a: bigint, b: bigint, unit: (v: bigint) => string) => (a === b ? '.' : `${b > a ? '+' : ''}${unit(b - a)}`)
  const body = s.steps.map((st, i) => [
    String(i + 1),
    st.step,
    change(st.before.l1Eth, st.after.l1Eth, eth),
    st.l1GasWei === 0n ? '.' : eth(st.l1GasWei),
    change(st.before.l2Eth, st.after.l2Eth, eth),
    change(st.before.l1Token, st.after.l1Token, String),
    change(st.before.l2Token, st.after.l2Token, String),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const first = s.steps[0]?.before
  const last = s.steps[s.steps.length - 1]?.after
  const balances = (b: LoopBalances | undefined) => (b ? `L1 ${eth(b.l1Eth)} ETH and ${b.l1Token} token units; L2 ${eth(b.l2Eth)} ETH and ${b.l2Token} token units` : '-')
  return [
    `L1 node ${s.l1Url}`,
    `  user             ${s.user}`,
    `  CommonBridge     ${s.bridge}`,
    `  OnChainProposer  ${s.proposer}`,
    `  ERC-20           ${s.l1TokenAddress} on L1, ${s.l2TokenAddress} on L2`,
    `user's balances before: ${balances(first)}`,
    'changes per step (ETH rounded to 6 decimals, "." = unchanged; exact wei with --json):',
    line(head),
    rule,
    ...body.map(line),
    rule,
    `user's balances after:  ${balances(last)}`,
    'L1 transactions by step (the withdrawal step lists its two L2 transactions before its L1 commit):',
    ...s.steps.flatMap((st, i) => st.txs.map((tx) => `  ${String(i + 1).padStart(2)}  ${tx}`)),
    `negative cases (${s.negatives.length}, each reverted with the contract's reason):`,
    ...s.negatives.map((n) => `  - ${n.case}: "${n.reason}"`),
    `batches committed ${s.lastCommittedBatch}, verified ${s.lastVerifiedBatch}; the bridge holds ${eth(s.bridgeEth)} ETH and ${s.bridgeToken} token units; ` +
      `the loop took ${(s.wallMs / 1000).toFixed(1)} s`,
  ].join('\n')
}
