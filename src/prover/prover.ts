import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { BatchInput } from '../protocol/batchInput.js'
import { BudgetExceeded, checkGas, declaredGas, withTimeBudget, type Budget } from '../budget/budget.js'
import { ProtocolError } from '../protocol/errors.js'
import type { Message, ProverType } from '../protocol/messages.js'
import { Refused } from '../protocol/refusal.js'
import { formatAddress, parseAddress, sendMessage, type Address } from '../protocol/transport.js'
import type { ProveResult } from '../backend/index.js'
import { PendingProofStore, type PendingProof, type StateDirFs } from './pendingProofs.js'

/**
 * The prover client. Polls every coordinator round-robin and keeps up to `workers` batches proving at once
 * (the next batch is fetched while others prove). A finished proof is never thrown away: it is kept (on disk
 * with a state directory) and submitted with backoff until the coordinator answers explicitly — ACK, or a
 * refusal (moved to <state-dir>/refused with the reason). No reply is not a refusal. Proofs left from an
 * earlier run are submitted first. Each batch runs within a gas and wall-time budget. Stops on
 * ProverTypeNotNeeded (once every coordinator said so), on stop() (drain: no new batches, batches in flight
 * finish, unsent proofs stay on disk), or with `exitWhenIdle` once every coordinator said "nothing to prove"
 * and no proof waits to be submitted.
 */

export interface ProverOptions {
  coordinators: Address[]
  /** Backend name handed to the runner (exec, sp1, risc0). */
  backend: string
  proverType: ProverType
  /** Sent as commit_hash. */
  version: string
  /** Batches proving at once. */
  workers: number
  /** Wait between polls of a coordinator that had nothing to prove. */
  pollIntervalMs: number
  authToken?: string
  /** Runs one proof (the Piscina pool in production); `signal` aborts it (the worker is terminated). */
  prove(backend: string, input: Uint8Array, signal?: AbortSignal): Promise<ProveResult>
  logger: Logger
  /** Exit once every coordinator has nothing to prove and nothing is in flight. */
  exitWhenIdle?: boolean
  requestTimeoutMs?: number
  /** Where finished proofs wait until acknowledged (and this prover's id lives); unset = memory only. */
  stateDir?: string
  /** Per-batch gas (declared by the blocks) and wall-time limits; over budget = that batch fails, run goes on. */
  budget?: Budget
  /** Cap of the exponential backoff between failed attempts. */
  maxBackoffMs?: number
  maxReplyBytes?: number
  /** Tests only: the state dir's file operations (to fail like a full or read-only disk). */
  stateDirFs?: StateDirFs
}

export type ProverExitReason = 'stopped' | 'idle' | 'type_not_needed'

export interface ProverSummary {
  reason: ProverExitReason
  /** Proofs acknowledged by a coordinator. */
  proven: number
  /** Batches that could not be proven (error or over budget) and proofs explicitly refused. */
  failed: number
  /** Finished proofs not yet acknowledged when the prover stopped (kept in the state dir, if any). */
  unsent: number
  /**
   * State-dir writes that failed (full or read-only disk): proofs kept in memory only, pending files left
   * after an ACK (re-submitted and acknowledged as duplicates on the next start), refusals not recorded.
   * Each is logged with its batch.
   */
  notPersisted: number
}

interface CoordinatorState {
  address: Address
  name: string
  /** Not before this time (ms epoch). */
  nextPollAt: number
  failures: number
  /** Last answer was "nothing to prove" (or a version we cannot serve). */
  idle: boolean
  /** Said ProverTypeNotNeeded: never asked again. */
  done: boolean
}

/** Why an attempt at talking to a coordinator failed; only an explicit Refused{retry:false} is final. */
function describe(e: unknown): { final: boolean; text: string } {
  if (e instanceof Refused) return { final: !e.retry, text: e.message }
  if (e instanceof ProtocolError) {
    return { final: false, text: e.reason === 'no_reply' ? `${e.message} (overloaded, restarting, or dropping connections; will retry)` : e.message }
  }
  const err = e as NodeJS.ErrnoException
  return { final: false, text: err?.code ? `${err.code} ${err.message}` : String(err?.message ?? e) }
}

export class Prover {
  private readonly opts: Required<Pick<ProverOptions, 'requestTimeoutMs' | 'maxBackoffMs' | 'maxReplyBytes'>> & ProverOptions
  private readonly log: Logger
  private readonly coordinators: CoordinatorState[]
  private readonly proverId: string
  private readonly state?: PendingProofStore
  /** Finished proofs not yet acknowledged or refused. */
  private readonly unsent = new Set<PendingProof>()
  /** Those of `unsent` the state dir could not take: lost if the prover stops before they are answered. */
  private readonly memoryOnly = new Set<PendingProof>()
  private notPersisted = 0
  private readonly inFlight = new AbortController()
  private readonly stopSignal = new AbortController()
  private proving = 0
  private readonly jobs = new Set<Promise<void>>()
  private stopped = false
  private wakeUp: (() => void) | undefined
  private next = 0
  private proven = 0
  private failed = 0

  constructor(opts: ProverOptions) {
    this.opts = { requestTimeoutMs: 120_000, maxBackoffMs: 30_000, maxReplyBytes: 1 << 30, ...opts }
    this.log = opts.logger
    this.state = opts.stateDir === undefined ? undefined : new PendingProofStore(opts.stateDir, opts.stateDirFs)
    this.proverId = this.keptProverId()
    if (opts.coordinators.length === 0) throw new Error('no coordinators given')
    this.coordinators = opts.coordinators.map((address) => ({
      address,
      name: formatAddress(address),
      nextPollAt: 0,
      failures: 0,
      idle: false,
      done: false,
    }))
  }

  /** The id kept in the state dir; a fresh one (said loudly) when the state dir cannot take it. */
  private keptProverId(): string {
    if (!this.state) return randomBytes(8).toString('hex')
    try {
      return this.state.proverId()
    } catch (e) {
      this.notPersisted += 1
      this.log.error(
        { stateDir: this.state.dir, err: (e as Error).message },
        'cannot write this prover\'s id to the state dir: using a new id for this run (batches assigned under it before a restart will not be taken from this prover after it)',
      )
      return randomBytes(8).toString('hex')
    }
  }

  /** A state-dir write failed: log it with what it means, count it, keep serving. */
  private stateDirFailed(batchNumber: number, e: unknown, what: string): void {
    this.notPersisted += 1
    this.log.error({ batch: batchNumber, stateDir: this.state?.dir, err: String((e as Error)?.message ?? e).slice(0, 300) }, what)
  }

  /** Drain: no new batches; batches in flight finish (within their budget); unsent proofs stay on disk. */
  stop(): void {
    this.stopped = true
    this.stopSignal.abort()
    this.wake()
  }

  /** Stop now: abort batches in flight too (a second signal). */
  abort(): void {
    this.stop()
    this.inFlight.abort(new Error('prover aborted'))
  }

  private wake(): void {
    const w = this.wakeUp
    this.wakeUp = undefined
    w?.()
  }

  /** Sleep until `ms` passed or something changed (a slot freed, stop()). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined
        resolve()
      }, Math.max(0, ms))
      this.wakeUp = () => {
        clearTimeout(t)
        resolve()
      }
    })
  }

  private backoff(attempt: number): number {
    return Math.min(this.opts.maxBackoffMs, this.opts.pollIntervalMs * 2 ** Math.min(attempt, 16))
  }

  private request(c: CoordinatorState, msg: Message): Promise<Message> {
    return sendMessage(c.address, msg, { timeoutMs: this.opts.requestTimeoutMs, maxReplyBytes: this.opts.maxReplyBytes })
  }

  async run(): Promise<ProverSummary> {
    this.log.info(
      { coordinators: this.coordinators.map((c) => c.name), backend: this.opts.backend, workers: this.opts.workers, version: this.opts.version },
      'prover started',
    )
    this.resumeUnsent()
    let reason: ProverExitReason = 'stopped'
    while (!this.stopped) {
      const active = this.coordinators.filter((c) => !c.done)
      if (active.length === 0 && this.jobs.size === 0) {
        reason = 'type_not_needed'
        break
      }
      // Idle = every coordinator answered "nothing to prove" and nothing is proving or waiting to be sent.
      if (this.opts.exitWhenIdle && this.jobs.size === 0 && this.unsent.size === 0 && active.every((c) => c.idle)) {
        reason = 'idle'
        break
      }
      if (this.proving >= this.opts.workers) {
        await this.sleep(this.opts.pollIntervalMs)
        continue
      }
      const now = Date.now()
      let c: CoordinatorState | undefined
      for (let i = 0; i < this.coordinators.length && !c; i++) {
        const candidate = this.coordinators[(this.next + i) % this.coordinators.length]
        if (!candidate.done && candidate.nextPollAt <= now) {
          c = candidate
          this.next = (this.next + i + 1) % this.coordinators.length
        }
      }
      if (!c) {
        let next = now + this.opts.pollIntervalMs
        for (const s of active) next = Math.min(next, s.nextPollAt)
        await this.sleep(next - now)
        continue
      }
      await this.poll(c)
    }
    if (this.jobs.size > 0) this.log.info({ inFlight: this.jobs.size }, 'waiting for batches in flight and proofs being submitted')
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs])
    const unsent = this.unsent.size
    if (unsent > 0) {
      const lost = [...this.unsent].filter((p) => this.memoryOnly.has(p)).map((p) => p.batchNumber)
      if (this.state && unsent > lost.length) {
        this.log.warn({ unsent: unsent - lost.length, stateDir: this.state.dir }, 'finished proofs not yet acknowledged; kept in the state dir and submitted on the next start')
      }
      if (lost.length > 0) {
        this.log.error(
          { unsent: lost.length, batches: lost.slice(0, 50) },
          this.state
            ? 'finished proofs not yet acknowledged could not be written to the state dir and are lost'
            : 'finished proofs not yet acknowledged are lost: run with --state-dir to keep them across restarts',
        )
      }
    }
    const summary = { reason, proven: this.proven, failed: this.failed, unsent, notPersisted: this.notPersisted }
    this.log.info(summary, 'prover stopped')
    return summary
  }

  /** Submit the proofs an earlier run finished but could not deliver. */
  private resumeUnsent(): void {
    if (!this.state) return
    let left: PendingProof[]
    try {
      left = this.state.list((file, error) => this.log.error({ file, err: error }, 'unreadable pending proof file; left in place'))
    } catch (e) {
      this.log.error({ stateDir: this.state.dir, err: (e as Error).message }, 'cannot read the pending proofs in the state dir; they stay there for the next start')
      return
    }
    if (left.length > 0) this.log.info({ count: left.length, stateDir: this.state.dir }, 'submitting proofs left by an earlier run')
    for (const p of left) {
      if (p.proverType !== this.opts.proverType) {
        this.log.warn({ batch: p.batchNumber, proverType: p.proverType }, 'pending proof of another prover type; left in place')
        continue
      }
      const known = this.coordinators.find((c) => c.name === p.coordinator)
      let address: Address
      try {
        address = known?.address ?? parseAddress(p.coordinator)
      } catch {
        this.log.error({ coordinator: p.coordinator, batch: p.batchNumber }, 'pending proof names an unparsable coordinator; left in place')
        continue
      }
      this.unsent.add(p)
      this.track(this.submitUntilAnswered(address, p))
    }
  }

  private track(job: Promise<void>): void {
    const tracked = job.finally(() => {
      this.jobs.delete(tracked)
      this.wake()
    })
    this.jobs.add(tracked)
  }

  /** Ask one coordinator for a batch and start proving it without waiting. */
  private async poll(c: CoordinatorState): Promise<void> {
    let reply: Message
    try {
      reply = await this.request(c, {
        kind: 'BatchRequest',
        commitHash: this.opts.version,
        proverType: this.opts.proverType,
        authToken: this.opts.authToken,
        proverId: this.proverId,
      })
    } catch (e) {
      c.failures += 1
      // Unreachable is not idle: only "nothing to prove" lets --exit-when-idle exit.
      c.nextPollAt = Date.now() + this.backoff(c.failures)
      const { text } = describe(e)
      if (c.failures === 1 || c.failures % 10 === 0) {
        const what =
          e instanceof Refused
            ? e.reason === 'auth'
              ? 'coordinator refused the request: wrong or missing --auth-token'
              : 'coordinator refused the request'
            : 'coordinator unreachable or not answering'
        this.log.warn({ coordinator: c.name, failures: c.failures, err: text }, what)
      }
      return
    }
    if (c.failures > 0) this.log.info({ coordinator: c.name }, 'coordinator reachable again')
    c.failures = 0
    switch (reply.kind) {
      case 'VersionMismatch':
        this.log.error({ coordinator: c.name, version: this.opts.version }, 'coordinator wants another prover version (VersionMismatch); upgrade this prover or set --commit-hash')
        c.idle = true
        c.nextPollAt = Date.now() + Math.max(this.opts.pollIntervalMs, 10_000)
        return
      case 'ProverTypeNotNeeded':
        this.log.error({ coordinator: c.name, proverType: reply.proverType }, `coordinator does not need ${reply.proverType} proofs; no longer polling it`)
        c.done = true
        return
      case 'BatchResponse':
        if (reply.batchNumber === null || reply.input === null) {
          c.idle = true
          c.nextPollAt = Date.now() + this.opts.pollIntervalMs
          return
        }
        c.idle = false
        if (this.stopped) {
          // stop() came while the request was on its way: the drain promised no new batches.
          this.log.warn({ coordinator: c.name, batch: reply.batchNumber }, 'batch assigned while stopping; not proving it (the coordinator reassigns it after its timeout)')
          return
        }
        this.start(c, reply.batchNumber, reply.input, reply.lease)
        return
      default:
        this.log.warn({ coordinator: c.name, kind: reply.kind }, 'unexpected reply to BatchRequest')
        c.nextPollAt = Date.now() + this.opts.pollIntervalMs
    }
  }

  private start(c: CoordinatorState, batchNumber: number, input: BatchInput, lease: string | undefined): void {
    this.proving += 1
    const witness = input.form === 'l1' || input.form === 'l2' ? input.witnessForm : undefined
    this.log.info({ coordinator: c.name, batch: batchNumber, input: input.form, witness }, 'proving batch')
    this.track(this.proveAndSubmit(c, batchNumber, input, lease))
  }

  private async proveAndSubmit(c: CoordinatorState, batchNumber: number, input: BatchInput, lease: string | undefined): Promise<void> {
    const started = Date.now()
    const budget = this.opts.budget ?? {}
    let result: ProveResult
    try {
      const what = `batch ${batchNumber}`
      // Converting ethrex's input (blocks JSON -> RLP) can fail like proving does: typed error, batch given up.
      checkGas(budget, declaredGas(input.blocks()), what)
      const bytes = input.runnableBytes()
      result = await withTimeBudget(budget, what, (signal) => this.opts.prove(this.opts.backend, bytes, signal), this.inFlight.signal)
    } catch (e) {
      this.failed += 1
      const over = e instanceof BudgetExceeded
      this.log.error(
        { coordinator: c.name, batch: batchNumber, reason: over ? 'over_budget' : 'prove_failed', err: String((e as Error)?.message ?? e).slice(0, 500) },
        over ? 'batch over budget; not proven (the coordinator will reassign it after its timeout)' : 'proving failed; the coordinator will reassign the batch after its timeout',
      )
      return
    } finally {
      this.proving -= 1
      this.wake()
    }
    const seconds = (Date.now() - started) / 1000
    this.log.info({ coordinator: c.name, batch: batchNumber, seconds }, 'batch proven, submitting')
    const pending: PendingProof = {
      coordinator: c.name,
      batchNumber,
      proverType: this.opts.proverType,
      proof: result.proof,
      publicValues: result.publicValues,
      finishedAt: Date.now(),
      ...(lease === undefined ? {} : { lease }),
    }
    if (this.state) {
      try {
        this.state.save(pending)
      } catch (e) {
        this.memoryOnly.add(pending)
        this.stateDirFailed(batchNumber, e, 'cannot write the proof to the state dir (disk full or read-only?); submitting it from memory only: lost if this prover stops before it is acknowledged')
      }
    }
    this.unsent.add(pending)
    await this.submitUntilAnswered(c.address, pending)
  }

  /**
   * Submit until the coordinator answers explicitly. ACK: done. Refused (final): moved aside, counted as
   * failed. Anything else (no reply, unreachable, busy) is retried with backoff; on stop() the proof stays
   * unsent (on disk with a state dir) after one more attempt.
   */
  private async submitUntilAnswered(address: Address, p: PendingProof): Promise<void> {
    const name = formatAddress(address)
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await sendMessage(
          address,
          {
            kind: 'ProofSubmit',
            batchNumber: p.batchNumber,
            batchProof: { proverType: p.proverType, proof: p.proof, publicValues: p.publicValues },
            authToken: this.opts.authToken,
            proverId: this.proverId,
            lease: p.lease,
          },
          { timeoutMs: this.opts.requestTimeoutMs, maxReplyBytes: this.opts.maxReplyBytes },
        )
        if (reply.kind === 'ProofSubmitACK' && reply.batchNumber === p.batchNumber) {
          this.unsent.delete(p)
          this.proven += 1
          this.log.info({ coordinator: name, batch: p.batchNumber, attempt }, 'proof accepted')
          if (this.state && !this.memoryOnly.delete(p)) {
            // The ACK stands whatever the disk does: counted once, never re-submitted in this run.
            try {
              this.state.remove(p)
            } catch (e) {
              this.stateDirFailed(p.batchNumber, e, 'proof accepted, but its pending file cannot be removed from the state dir; the next start submits it again (the coordinator acknowledges the duplicate)')
            }
          }
          return
        }
        this.log.warn({ coordinator: name, batch: p.batchNumber, kind: reply.kind }, 'unexpected reply to ProofSubmit; will retry')
      } catch (e) {
        const { final, text } = describe(e)
        if (final) {
          this.unsent.delete(p)
          this.failed += 1
          this.log.error({ coordinator: name, batch: p.batchNumber, reason: (e as Refused).reason, err: text }, 'coordinator refused the proof')
          this.memoryOnly.delete(p)
          if (this.state) {
            try {
              this.state.refuse(p, text)
            } catch (err) {
              this.stateDirFailed(p.batchNumber, err, 'cannot move the refused proof to refused/ in the state dir; the next start submits it again and hears the refusal again')
            }
          }
          return
        }
        if (attempt === 1 || attempt % 5 === 0) this.log.warn({ coordinator: name, batch: p.batchNumber, attempt, err: text }, 'proof submission not answered, retrying')
      }
      if (this.stopped) return
      await this.sleepUnlessStopped(this.backoff(attempt))
    }
  }

  /** A backoff wait that ends early on stop() (several submit loops may wait at once). */
  private sleepUnlessStopped(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      const signal = this.stopSignal.signal
      function done() {
        clearTimeout(t)
        signal.removeEventListener('abort', done)
        resolve()
      }
      if (signal.aborted) done()
      else signal.addEventListener('abort', done, { once: true })
    })
  }
}
