import { BaseError, ContractFunctionRevertedError, encodeFunctionData, keccak256, TransactionReceiptNotFoundError, TransactionNotFoundError, type Address, type Hex } from 'viem'
import type { Logger } from 'pino'
import { Counter, Gauge, Registry } from 'prom-client'
import type { ProverType } from '../protocol/messages.js'
import { loadArtifact } from './artifacts.js'
import type { L1Clients } from './client.js'
import type { ProofSource, ProvenBatch } from './proofSource.js'
import type { SenderStore } from './senderStore.js'

/**
 * Sends proven batches to the OnChainProposer, in order: the next batch is always lastVerifiedBatch + 1 as
 * the contract reports it, so the chain, not the sender, decides what is left. Each verify transaction is
 * signed, recorded in the sender's SQLite store, then broadcast; after a crash the recorded transaction is
 * looked up (or re-broadcast byte for byte, same hash) instead of a new one being made, so nothing is sent
 * twice. A verification the contract would refuse (eth_call first) is never broadcast.
 */

export class ProofSenderError extends Error {
  constructor(message: string, readonly batchNumber?: number) {
    super(message)
    this.name = 'ProofSenderError'
  }
}

export interface ProofSenderMetrics {
  registry: Registry
  verified: Counter
  transactions: Counter<'outcome'>
  errors: Counter<'kind'>
  lastVerified: Gauge
}

export function createProofSenderMetrics(): ProofSenderMetrics {
  const registry = new Registry()
  return {
    registry,
    verified: new Counter({ name: 'tessera_proof_sender_batches_verified_total', help: 'Batches verified on L1 by this sender', registers: [registry] }),
    transactions: new Counter({ name: 'tessera_proof_sender_transactions_total', help: 'Verify transactions by outcome', labelNames: ['outcome'], registers: [registry] }),
    errors: new Counter({ name: 'tessera_proof_sender_errors_total', help: 'Errors by kind (rpc, rejected)', labelNames: ['kind'], registers: [registry] }),
    lastVerified: new Gauge({ name: 'tessera_proof_sender_last_verified_batch', help: 'lastVerifiedBatch read from the OnChainProposer', registers: [registry] }),
  }
}

export interface ProofSenderOptions {
  clients: L1Clients
  proposer: Address
  proofs: ProofSource
  proverType: ProverType
  store: SenderStore
  /** Most batches one transaction verifies (default 8). */
  maxBatchesPerTx?: number
  metrics?: ProofSenderMetrics
  log?: Logger
}

export type TickResult =
  | { kind: 'idle'; lastVerified: number }
  | { kind: 'waiting'; txHash: Hex }
  | { kind: 'sent'; firstBatch: number; lastBatch: number; txHash: Hex }
  | { kind: 'verified'; firstBatch: number; lastBatch: number; txHash: Hex }
  | { kind: 'rejected'; firstBatch: number; reason: string }
  | { kind: 'reverted'; firstBatch: number; txHash: Hex }

function revertReason(e: unknown): string {
  if (e instanceof BaseError) {
    const r = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
    if (r?.reason) return r.reason
    return e.shortMessage
  }
  return (e as Error).message
}

export class ProofSender {
  private readonly abi = loadArtifact('OnChainProposer').abi
  private readonly max: number
  readonly metrics: ProofSenderMetrics

  constructor(private readonly o: ProofSenderOptions) {
    this.max = o.maxBatchesPerTx ?? 8
    this.metrics = o.metrics ?? createProofSenderMetrics()
  }

  private async readNumber(functionName: 'lastVerifiedBatch' | 'lastCommittedBatch'): Promise<number> {
    const v = (await this.o.clients.publicClient.readContract({ address: this.o.proposer, abi: this.abi, functionName })) as bigint
    return Number(v)
  }

  /** Resolve a transaction recorded before a crash or still in flight. Returns its hash while it is unresolved. */
  private async resolvePending(): Promise<TickResult | undefined> {
    const pub = this.o.clients.publicClient
    for (const row of this.o.store.pending()) {
      try {
        const receipt = await pub.getTransactionReceipt({ hash: row.txHash })
        const ok = receipt.status === 'success'
        this.o.store.settle(row.txHash, ok ? 'success' : 'reverted', ok ? null : 'reverted on chain')
        this.metrics.transactions.inc({ outcome: ok ? 'success' : 'reverted' })
        if (ok) this.metrics.verified.inc(row.lastBatch - row.firstBatch + 1)
        this.o.log?.info({ txHash: row.txHash, firstBatch: row.firstBatch, lastBatch: row.lastBatch, ok }, 'verify transaction settled')
        if (!ok) return { kind: 'reverted', firstBatch: row.firstBatch, txHash: row.txHash }
        return { kind: 'verified', firstBatch: row.firstBatch, lastBatch: row.lastBatch, txHash: row.txHash }
      } catch (e) {
        if (!(e instanceof TransactionReceiptNotFoundError)) throw e
      }
      try {
        await pub.getTransaction({ hash: row.txHash })
        return { kind: 'waiting', txHash: row.txHash } // known to the node, not mined yet
      } catch (e) {
        if (!(e instanceof TransactionNotFoundError)) throw e
      }
      // Unknown to the node (never arrived, or dropped): if the chain moved past it, something else verified
      // those batches; otherwise re-broadcast the very same signed bytes.
      if ((await this.readNumber('lastVerifiedBatch')) >= row.lastBatch) {
        this.o.store.settle(row.txHash, 'success', 'verified by another transaction')
        continue
      }
      try {
        await pub.sendRawTransaction({ serializedTransaction: row.rawTx })
        this.o.log?.warn({ txHash: row.txHash }, 're-broadcast a recorded verify transaction the node did not know')
      } catch (e) {
        this.o.store.settle(row.txHash, 'reverted', `re-broadcast refused: ${revertReason(e)}`)
        this.metrics.errors.inc({ kind: 'rpc' })
        continue
      }
      return { kind: 'waiting', txHash: row.txHash }
    }
    return undefined
  }

  private call(first: number, batches: ProvenBatch[]): { functionName: string; args: unknown[] } {
    if (this.o.proverType === 'Exec') {
      for (const b of batches) {
        if (b.publicValues === '0x') throw new ProofSenderError(`batch ${b.batchNumber}: the Exec proof carries no public values (ethrex's Exec form); dev-mode verification needs them`, b.batchNumber)
      }
      return { functionName: 'verifyBatchesExec', args: [BigInt(first), batches.map((b) => b.publicValues)] }
    }
    if (this.o.proverType !== 'RISC0') throw new ProofSenderError(`prover type ${this.o.proverType} is not supported by the proof sender (Exec, RISC0)`)
    const empty = batches.map(() => '0x' as Hex)
    return { functionName: 'verifyBatches', args: [BigInt(first), batches.map((b) => b.proof), empty, empty] }
  }

  /**
   * One step: settle what is in flight (returns 'verified' / 'reverted' / 'waiting'), else sign, record and
   * broadcast the next run of proven batches ('sent'; the next step settles it), else 'idle'.
   */
  async tick(): Promise<TickResult> {
    const inFlight = await this.resolvePending()
    if (inFlight) return inFlight
    const lastVerified = await this.readNumber('lastVerifiedBatch')
    this.metrics.lastVerified.set(lastVerified)
    const lastCommitted = await this.readNumber('lastCommittedBatch')
    const batches: ProvenBatch[] = []
    for (let n = lastVerified + 1; n <= lastCommitted && batches.length < this.max; n++) {
      const b = this.o.proofs(n)
      if (!b) break
      batches.push(b)
    }
    if (batches.length === 0) return { kind: 'idle', lastVerified }
    const first = lastVerified + 1
    const { functionName, args } = this.call(first, batches)
    const data = encodeFunctionData({ abi: this.abi, functionName, args })
    const { publicClient: pub, walletClient: wallet, account } = this.o.clients
    try {
      await pub.simulateContract({ account, address: this.o.proposer, abi: this.abi, functionName, args })
    } catch (e) {
      const reason = revertReason(e)
      this.metrics.errors.inc({ kind: 'rejected' })
      this.o.log?.error({ firstBatch: first, count: batches.length, reason }, 'the OnChainProposer refuses this verification; not sending it')
      return { kind: 'rejected', firstBatch: first, reason }
    }
    const request = await wallet.prepareTransactionRequest({ account, to: this.o.proposer, data, chain: wallet.chain })
    const rawTx = await wallet.signTransaction(request)
    const txHash = keccak256(rawTx)
    const last = first + batches.length - 1
    this.o.store.record({ firstBatch: first, lastBatch: last, txHash, rawTx, nonce: request.nonce })
    await pub.sendRawTransaction({ serializedTransaction: rawTx })
    this.o.log?.info({ firstBatch: first, lastBatch: last, txHash }, 'verify transaction sent')
    return { kind: 'sent', firstBatch: first, lastBatch: last, txHash }
  }

  /**
   * Tick until `signal` aborts. RPC failures are retried with exponential backoff (up to 30 s); a
   * verification the contract refuses is retried at the normal interval (a new proof may replace it).
   */
  async run(signal: AbortSignal, intervalMs = 1000): Promise<void> {
    let failures = 0
    while (!signal.aborted) {
      let wait = intervalMs
      try {
        const r = await this.tick()
        failures = 0
        if (r.kind === 'verified') wait = 0
        else if (r.kind === 'sent' || r.kind === 'waiting') wait = Math.min(intervalMs, 200)
      } catch (e) {
        if (e instanceof ProofSenderError) throw e
        failures += 1
        this.metrics.errors.inc({ kind: 'rpc' })
        wait = Math.min(30_000, intervalMs * 2 ** Math.min(failures, 5))
        this.o.log?.warn({ err: (e as Error).message, retryInMs: wait }, 'proof sender step failed; retrying')
      }
      if (wait > 0) await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait)
        signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
      })
    }
  }
}
