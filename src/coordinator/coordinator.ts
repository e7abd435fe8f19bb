import { createHash, timingSafeEqual } from 'node:crypto'
import type net from 'node:net'
import type { Logger } from 'pino'
import { decodeProgramInput } from '../../guest/input.js'
import { ProtocolError } from '../protocol/errors.js'
import { BatchInput } from '../protocol/batchInput.js'
import type { BatchRequest, Message, ProofFormat, ProofSubmit, ProverSetup, ProverType } from '../protocol/messages.js'
import { createMessageServer, formatAddress, type Address, type ServerLimits } from '../protocol/transport.js'
import type { CoordinatorMetrics } from './metrics.js'
import type { CoordinatorStore } from './store.js'

/**
 * The proof coordinator, top to bottom as the protocol (DESIGN.md §2; wire names are ethrex's, see
 * src/protocol/messages.ts):
 *   BatchRequest  -> auth, prover type check, next batch made for the prover's version (else VersionMismatch
 *                    when the prover's version is not ours, as ethrex's proof_coordinator does), or nothing
 *   ProofSubmit   -> auth, batch known, idempotent duplicate, was assigned, public values re-derived, the
 *                    prover type's verifier, store (with what was checked), ACK
 *   ProverSetup   -> auth, ACK (TDX key registration is refused: Tessera has no L1 contract to register with)
 * Anything else, and every refused submission, is answered with nothing and the connection closed; the
 * reason is logged and counted. State lives in SQLite, so a restart resumes where it stopped.
 */

export interface CoordinatorOptions {
  store: CoordinatorStore
  /** Provers must send this as commit_hash (their version), else VersionMismatch. */
  version: string
  /** Prover types whose proofs are wanted; others get ProverTypeNotNeeded. */
  requiredTypes: ProverType[]
  /** An assignment older than this is handed out again. */
  proverTimeoutMs: number
  limits: ServerLimits
  /** Shared secret provers must send as `auth_token`; unset = no auth. */
  authToken?: string
  /** The format asked of provers in BatchResponse. */
  format?: ProofFormat
  logger: Logger
  metrics?: CoordinatorMetrics
  /**
   * The public values a correct proof of this batch must carry (binary ProgramInput in). The CLI re-runs the
   * guest in a worker (exec backend); the result is stored, so each batch is executed at most once.
   */
  derivePublicValues(input: Uint8Array, batchNumber: number): Promise<Uint8Array>
  /**
   * Proof checkers per prover type (the seam for Groth16 verification). Called with the proof bytes and the
   * public values: the submitted ones, or the re-derived ones when the submission carries none (ethrex's
   * `ProverOutput::Proof` form). Absent for a type: proofs of that type with public values are stored with
   * only the public values checked; without public values they are refused, except Exec's, which are stored
   * marked as checking nothing (ethrex's Exec backend sends no public values).
   */
  verifyProof?: ProofVerifiers
}

export type ProofVerifier = (proof: Uint8Array, publicValues: Uint8Array, context: { batchNumber: number; submittedPublicValues: boolean }) => Promise<boolean>
export type ProofVerifiers = Partial<Record<ProverType, ProofVerifier>>

/** Why a submission was refused (also the metric label). */
type Refusal =
  | 'auth'
  | 'type_not_needed'
  | 'unknown_batch'
  | 'unassigned'
  | 'conflicting_duplicate'
  | 'wrong_public_values'
  | 'invalid_proof'
  | 'unverifiable'
  | 'setup_unsupported'
  | 'unexpected'

class Refused extends Error {
  constructor(readonly reason: Refusal, message: string) {
    super(message)
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest()

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

export class Coordinator {
  private readonly opts: CoordinatorOptions
  private readonly log: Logger
  private readonly deriving = new Map<number, Promise<Uint8Array>>()
  private readonly sockets = new Set<net.Socket>()
  private server?: net.Server

  constructor(opts: CoordinatorOptions) {
    this.opts = opts
    this.log = opts.logger
  }

  // ---------- BatchRequest ----------

  private requestBatch(req: BatchRequest, peer: string): Message {
    this.opts.metrics?.seenProver(req.proverId ?? peer.replace(/:\d+$/, ''))
    if (!this.opts.requiredTypes.includes(req.proverType)) {
      this.log.info({ peer, proverType: req.proverType }, 'prover type not needed')
      return { kind: 'ProverTypeNotNeeded', proverType: req.proverType }
    }
    // Batches are made for a program version (the coordinator's when they were loaded); a prover gets the next
    // one made for its version. Nothing for it and not our version: VersionMismatch, as ethrex answers.
    const batchNumber = this.opts.store.assignNext(req.proverType, this.opts.proverTimeoutMs, Date.now(), { proverVersion: req.commitHash, currentVersion: this.opts.version })
    if (batchNumber === null) {
      if (req.commitHash === this.opts.version) return { kind: 'BatchResponse', batchNumber: null, input: null, format: null }
      this.log.warn({ peer, proverVersion: req.commitHash, version: this.opts.version }, 'prover version mismatch')
      return { kind: 'VersionMismatch' }
    }
    const batch = this.opts.store.batch(batchNumber)!
    const times = this.opts.store.assignment(batchNumber, req.proverType)?.timesAssigned ?? 1
    this.log.info({ peer, batch: batchNumber, proverType: req.proverType, proverId: req.proverId, times }, times > 1 ? 'batch reassigned' : 'batch assigned')
    return { kind: 'BatchResponse', batchNumber, input: BatchInput.fromProgram(decodeProgramInput(batch.input)), format: this.opts.format ?? 'Groth16' }
  }

  // ---------- ProofSubmit ----------

  private async submitProof(sub: ProofSubmit, peer: string): Promise<Message> {
    const { batchNumber } = sub
    const { proverType, proof, publicValues } = sub.batchProof
    if (!this.opts.requiredTypes.includes(proverType)) throw new Refused('type_not_needed', `${proverType} proofs are not wanted`)
    const batch = this.opts.store.batch(batchNumber)
    if (!batch) throw new Refused('unknown_batch', `batch ${batchNumber} does not exist`)
    const stored = this.opts.store.proof(batchNumber, proverType)
    if (stored) {
      if (equalBytes(stored.proof, proof) && equalBytes(stored.publicValues, publicValues ?? new Uint8Array(0))) {
        this.log.info({ peer, batch: batchNumber, proverType }, 'duplicate proof acknowledged')
        return { kind: 'ProofSubmitACK', batchNumber }
      }
      throw new Refused('conflicting_duplicate', `batch ${batchNumber} already has a different ${proverType} proof`)
    }
    const assignment = this.opts.store.assignment(batchNumber, proverType)
    if (!assignment) throw new Refused('unassigned', `batch ${batchNumber} was never assigned to a ${proverType} prover`)
    const verify = proverType === 'Exec' ? undefined : this.opts.verifyProof?.[proverType]
    const checked: string[] = []
    if (publicValues !== undefined || verify) {
      const expected = await this.expectedPublicValues(batchNumber, batch.input)
      if (publicValues !== undefined) {
        if (!equalBytes(expected, publicValues)) {
          throw new Refused('wrong_public_values', `public values do not match batch ${batchNumber} (got ${publicValues.length} bytes)`)
        }
        checked.push('public_values')
      }
      if (verify) {
        const context = { batchNumber, submittedPublicValues: publicValues !== undefined }
        if (!(await verify(proof, publicValues ?? expected, context).catch(() => false))) {
          throw new Refused('invalid_proof', `the ${proverType} verifier rejected the proof of batch ${batchNumber}`)
        }
        checked.push('proof')
      }
    } else if (proverType !== 'Exec') {
      throw new Refused('unverifiable', `a ${proverType} proof without public values needs a ${proverType} verifier, which this coordinator lacks`)
    }
    // ethrex's Exec backend submits ProverOutput::Proof with no public values: accepted, stored as unchecked.
    const verification = checked.length > 0 ? checked.join('+') : 'nothing'
    if (this.opts.store.addProof({ batchNumber, proverType, proof, publicValues: publicValues ?? new Uint8Array(0), checked: verification })) {
      const seconds = (Date.now() - assignment.assignedAt) / 1000
      this.opts.metrics?.provingSeconds.observe({ prover_type: proverType }, seconds)
      if (verification === 'nothing') this.log.warn({ peer, batch: batchNumber, proverType, seconds }, 'proof accepted without public values: nothing was checked')
      else this.log.info({ peer, batch: batchNumber, proverType, seconds, checked: verification }, 'proof accepted')
    }
    return { kind: 'ProofSubmitACK', batchNumber }
  }

  /** Stored re-derived public values, or derive them once (concurrent submits share the run). */
  private expectedPublicValues(batchNumber: number, input: Uint8Array): Promise<Uint8Array> {
    const known = this.opts.store.expectedPublicValues(batchNumber)
    if (known) return Promise.resolve(known)
    let running = this.deriving.get(batchNumber)
    if (!running) {
      running = this.opts.derivePublicValues(input, batchNumber).then(
        (values) => {
          this.deriving.delete(batchNumber)
          if (this.opts.store.db.open) this.opts.store.setExpectedPublicValues(batchNumber, values)
          return values
        },
        (e: Error) => {
          this.deriving.delete(batchNumber)
          this.log.error({ batch: batchNumber, err: e.message }, 'cannot derive the public values of this batch')
          throw new Refused('unverifiable', `batch ${batchNumber} could not be re-executed: ${e.message}`)
        },
      )
      this.deriving.set(batchNumber, running)
    }
    return running
  }

  // ---------- dispatch ----------

  private authorised(token: string | undefined): boolean {
    const want = this.opts.authToken
    if (want === undefined) return true
    return token !== undefined && timingSafeEqual(sha256(token), sha256(want))
  }

  // ---------- ProverSetup ----------

  private setup(msg: ProverSetup, peer: string): Message {
    // ethrex registers a TDX key on its L1 contract here and acknowledges every other type without doing anything.
    if (msg.proverType === 'TDX') throw new Refused('setup_unsupported', 'TDX key registration needs an L1 contract; Tessera has none')
    this.log.info({ peer, proverType: msg.proverType, payloadBytes: msg.payload.length }, 'prover setup acknowledged (nothing to set up)')
    return { kind: 'ProverSetupACK' }
  }

  async handle(msg: Message, peer: string): Promise<Message | string | null> {
    this.opts.metrics?.requests.inc({ kind: msg.kind })
    try {
      switch (msg.kind) {
        case 'BatchRequest':
          if (!this.authorised(msg.authToken)) throw new Refused('auth', 'missing or wrong auth_token')
          return this.requestBatch(msg, peer)
        case 'ProofSubmit':
          if (!this.authorised(msg.authToken)) throw new Refused('auth', 'missing or wrong auth_token')
          return await this.submitProof(msg, peer)
        case 'ProverSetup':
          if (!this.authorised(msg.authToken)) throw new Refused('auth', 'missing or wrong auth_token')
          return this.setup(msg, peer)
        default:
          throw new Refused('unexpected', `${msg.kind} is not a request`)
      }
    } catch (e) {
      if (!(e instanceof Refused)) throw e
      this.opts.metrics?.rejected.inc({ reason: e.reason })
      const batch = msg.kind === 'ProofSubmit' ? msg.batchNumber : undefined
      this.log.warn({ peer, reason: e.reason, kind: msg.kind, batch }, `refused: ${e.message}`)
      return null
    }
  }

  // ---------- socket server ----------

  listen(address: Address): Promise<Address> {
    const server = createMessageServer((msg, peer) => this.handle(msg, peer), this.opts.limits, {
      onRejected: (error: ProtocolError, peer) => {
        this.opts.metrics?.rejected.inc({ reason: error.reason })
        this.log.warn({ peer, reason: error.reason }, `refused message: ${error.message}`)
      },
      onHandlerError: (error, peer) => {
        this.opts.metrics?.rejected.inc({ reason: 'internal' })
        this.log.error({ peer, err: (error as Error)?.stack ?? String(error) }, 'internal error while handling a message')
      },
    })
    server.on('connection', (s: net.Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(address.port, address.host, () => {
        server.off('error', reject)
        server.on('error', (e) => this.log.error({ err: e.message }, 'server error'))
        const a = server.address() as net.AddressInfo
        const bound = { host: a.address, port: a.port }
        this.log.info({ address: formatAddress(bound), version: this.opts.version, requiredTypes: this.opts.requiredTypes }, 'coordinator listening')
        resolve(bound)
      })
    })
  }

  /** Stop accepting, drop open connections. The store stays open (the caller owns it). */
  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    const closed = new Promise<void>((r) => server.close(() => r()))
    for (const s of this.sockets) s.destroy()
    await closed
    await Promise.allSettled([...this.deriving.values()])
  }
}
