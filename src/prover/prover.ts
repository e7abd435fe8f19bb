import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { encodeAnyBatchInput, type AnyBatchInput } from '../protocol/l2BatchInput.js'
import { ProtocolError } from '../protocol/errors.js'
import type { Message, ProverType } from '../protocol/messages.js'
import { formatAddress, sendMessage, type Address } from '../protocol/transport.js'
import type { ProveResult } from '../backend/index.js'

/**
 * The prover client. Polls every coordinator round-robin and keeps up to `workers` batches proving at once
 * (the next batch is fetched while others prove), submits each proof with retry and backoff, and rides out
 * coordinators that restart or vanish. Stops on ProverTypeNotNeeded (once every coordinator said so), on
 * stop(), or when idle if `exitWhenIdle`.
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
  /** Runs one proof (the Piscina pool in production). */
  prove(backend: string, input: Uint8Array): Promise<ProveResult>
  logger: Logger
  /** Exit once every coordinator has nothing to prove and nothing is in flight. */
  exitWhenIdle?: boolean
  requestTimeoutMs?: number
  /** Submission attempts before a proof is given up (the coordinator reassigns the batch after its timeout). */
  maxSubmitAttempts?: number
  /** Cap of the exponential backoff between failed attempts. */
  maxBackoffMs?: number
  maxReplyBytes?: number
}

export type ProverExitReason = 'stopped' | 'idle' | 'type_not_needed'

export interface ProverSummary {
  reason: ProverExitReason
  proven: number
  failed: number
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

/** Why an attempt at talking to a coordinator failed; `refused` = it closed without a reply. */
function describe(e: unknown): { refused: boolean; text: string } {
  if (e instanceof ProtocolError) return { refused: e.reason === 'no_reply', text: e.message }
  const err = e as NodeJS.ErrnoException
  // A reset while we were still sending: the coordinator dropped the message (too large, or refused).
  const refused = err?.code === 'ECONNRESET' || err?.code === 'EPIPE'
  return { refused, text: err?.code ? `${err.code} ${err.message}` : String(err?.message ?? e) }
}

export class Prover {
  private readonly opts: Required<Pick<ProverOptions, 'requestTimeoutMs' | 'maxSubmitAttempts' | 'maxBackoffMs' | 'maxReplyBytes'>> & ProverOptions
  private readonly log: Logger
  private readonly coordinators: CoordinatorState[]
  private readonly proverId = randomBytes(8).toString('hex')
  private proving = 0
  private readonly jobs = new Set<Promise<void>>()
  private stopped = false
  private wakeUp: (() => void) | undefined
  private next = 0
  private proven = 0
  private failed = 0

  constructor(opts: ProverOptions) {
    this.opts = { requestTimeoutMs: 120_000, maxSubmitAttempts: 30, maxBackoffMs: 30_000, maxReplyBytes: 1 << 30, ...opts }
    this.log = opts.logger
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

  stop(): void {
    this.stopped = true
    this.wake()
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
    let reason: ProverExitReason = 'stopped'
    while (!this.stopped) {
      const active = this.coordinators.filter((c) => !c.done)
      if (active.length === 0) {
        reason = 'type_not_needed'
        break
      }
      if (this.opts.exitWhenIdle && this.jobs.size === 0 && active.every((c) => c.idle)) {
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
        await this.sleep(Math.min(...active.map((s) => s.nextPollAt)) - now)
        continue
      }
      await this.poll(c)
    }
    if (this.jobs.size > 0) this.log.info({ inFlight: this.jobs.size }, 'waiting for batches in flight')
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs])
    this.log.info({ reason, proven: this.proven, failed: this.failed }, 'prover stopped')
    return { reason, proven: this.proven, failed: this.failed }
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
      // For --exit-when-idle, a coordinator unreachable three times in a row has no work for us either.
      c.idle = c.failures >= 3
      c.nextPollAt = Date.now() + this.backoff(c.failures)
      const { refused, text } = describe(e)
      if (c.failures === 1 || c.failures % 10 === 0) {
        this.log.warn({ coordinator: c.name, failures: c.failures, err: text }, refused ? 'coordinator refused the request (check --auth-token)' : 'coordinator unreachable')
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
        this.start(c, reply.batchNumber, reply.input)
        return
      default:
        this.log.warn({ coordinator: c.name, kind: reply.kind }, 'unexpected reply to BatchRequest')
        c.nextPollAt = Date.now() + this.opts.pollIntervalMs
    }
  }

  private start(c: CoordinatorState, batchNumber: number, input: AnyBatchInput): void {
    this.proving += 1
    this.log.info({ coordinator: c.name, batch: batchNumber, blocks: 'kind' in input ? input.input.blocks.length : input.blocks.length }, 'proving batch')
    const job = this.proveAndSubmit(c, batchNumber, input).finally(() => {
      this.jobs.delete(job)
      this.wake()
    })
    this.jobs.add(job)
  }

  private async proveAndSubmit(c: CoordinatorState, batchNumber: number, input: AnyBatchInput): Promise<void> {
    const started = Date.now()
    let result: ProveResult
    try {
      result = await this.opts.prove(this.opts.backend, encodeAnyBatchInput(input))
    } catch (e) {
      this.failed += 1
      this.log.error({ coordinator: c.name, batch: batchNumber, err: (e as Error)?.message ?? String(e) }, 'proving failed; the coordinator will reassign the batch after its timeout')
      return
    } finally {
      this.proving -= 1
      this.wake()
    }
    const seconds = (Date.now() - started) / 1000
    this.log.info({ coordinator: c.name, batch: batchNumber, seconds }, 'batch proven, submitting')
    let refusals = 0
    for (let attempt = 1; attempt <= this.opts.maxSubmitAttempts; attempt++) {
      try {
        const reply = await this.request(c, {
          kind: 'ProofSubmit',
          batchNumber,
          batchProof: { proverType: this.opts.proverType, proof: result.proof, publicValues: result.publicValues },
          authToken: this.opts.authToken,
          // The coordinator only accepts the proof from the prover it assigned the batch to.
          proverId: this.proverId,
        })
        if (reply.kind === 'ProofSubmitACK' && reply.batchNumber === batchNumber) {
          this.proven += 1
          this.log.info({ coordinator: c.name, batch: batchNumber, attempt }, 'proof accepted')
          return
        }
        this.log.warn({ coordinator: c.name, batch: batchNumber, kind: reply.kind }, 'unexpected reply to ProofSubmit')
      } catch (e) {
        const { refused, text } = describe(e)
        // A refusal (closed without reply) is final after a few tries: the proof or our token is wrong.
        if (refused && ++refusals >= 3) {
          this.failed += 1
          this.log.error({ coordinator: c.name, batch: batchNumber, err: text }, 'coordinator refused the proof; giving up on this batch')
          return
        }
        if (attempt === 1 || attempt % 5 === 0) this.log.warn({ coordinator: c.name, batch: batchNumber, attempt, err: text }, 'proof submission failed, retrying')
      }
      if (this.stopped && attempt >= 3) break
      await new Promise((r) => setTimeout(r, this.backoff(attempt)))
    }
    this.failed += 1
    this.log.error({ coordinator: c.name, batch: batchNumber }, 'could not submit the proof; giving up on this batch')
  }
}
