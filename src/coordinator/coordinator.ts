import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import net from 'node:net'
import type { Logger } from 'pino'
import { BudgetExceeded } from '../budget/budget.js'
import type { WrittenWitnessForm } from '../protocol/ethrex/witness.js'
import { type BatchRequest, type Message, type ProofFormat, type ProofSubmit, type ProverSetup, type ProverType } from '../protocol/messages.js'
import { encodeRefusal, Refused } from '../protocol/refusal.js'
import { createMessageServer, formatAddress, type Address, type MessageServer, type ServerLimits } from '../protocol/transport.js'
import { buildInputText, encodeInputResponse, InputCache, type BuildInput } from './inputBuilder.js'
import type { CoordinatorMetrics } from './metrics.js'
import { addressListed, type ProverTokens } from './proverTokens.js'
import { RecentSet } from './recentSet.js'
import { isVerifiedProof, type CoordinatorStore } from './store.js'

/**
 * The proof coordinator, top to bottom as the protocol (DESIGN.md §2; wire names are ethrex's, see
 * src/protocol/messages.ts):
 *   BatchRequest  -> auth, prover type check, next batch made for the prover's version (else VersionMismatch
 *                    when the prover's version is not ours, as ethrex's proof_coordinator does), or nothing
 *   ProofSubmit   -> auth, batch known, idempotent duplicate, assigned to this prover (or expired), public
 *                    values re-derived (within the batch budget) when sent, proof bytes verified, unverified
 *                    refused unless trusted, store (first verified wins, with what was checked; a verified
 *                    proof replaces one stored on trust), ACK
 *   ProverSetup   -> auth, ACK (TDX key registration is refused: Tessera has no L1 contract to register with)
 * Every refusal is answered explicitly (src/protocol/refusal.ts) and logged and counted; only what is not a
 * message at all is dropped without reply (by the transport, also logged and counted). State lives in
 * SQLite, so a restart resumes where it stopped.
 */

export interface CoordinatorOptions {
  store: CoordinatorStore
  /** This coordinator's program version; new batches are made for it (provers send theirs as commit_hash). */
  version: string
  /**
   * Other program versions (an ethrex build's git commit, as its prover sends it in `commit_hash`) whose guest
   * proves what this coordinator's does: provers announcing one get this version's batches, in the witness form
   * given. Matched exactly, or as a prefix either way of at least 7 hex digits (ethrex sends a short SHA).
   */
  acceptedCommits?: Map<string, WrittenWitnessForm>
  /** The ethrex witness form batches go out in, unless an accepted commit names another (default nested). */
  witnessForm?: WrittenWitnessForm
  /** Prover types whose proofs are wanted; others get ProverTypeNotNeeded. */
  requiredTypes: ProverType[]
  /** An assignment older than this is handed out again. */
  proverTimeoutMs: number
  limits: ServerLimits
  /** Shared secret provers must send as `auth_token`; unset = no auth (unless proverTokens). */
  authToken?: string
  /** Per-prover tokens by name (--auth-tokens); replace them with setProverTokens (SIGHUP). */
  proverTokens?: ProverTokens
  /**
   * With auth on, requests without an `auth_token` (ethrex's provers send none) are let in only from these
   * addresses, named `tokenless@<address>`; from anywhere else they are refused.
   */
  allowTokenless?: net.BlockList
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
   * Verify SP1/RISC0 proof bytes against the public values (src/verify: Groth16 checks, or a native
   * backend's verifier); resolve false or throw to refuse. Called with the submitted public values, or the
   * re-derived ones when the submission has none (ethrex's `ProverOutput::Proof` form).
   */
  verifyProof?: ProofVerifiers
  /**
   * Store proofs nobody here can verify (a zkVM type without a verifier, Exec bytes, ethrex's Exec form
   * without public values) after whatever check is possible, marked unverified; a verified proof of the
   * batch later replaces them. Off by default: such submissions are refused as `unverifiable`.
   */
  trustUnverified?: boolean
  /** Parse large requests off the event loop (the CLI: src/protocol/messageParser.ts); unset = inline. */
  parseOffThread?: (bytes: Uint8Array) => Promise<Message>
  /** Build InputResponse inputs off the event loop (the CLI: src/coordinator/inputBuilder.ts); unset = inline. */
  buildInput?: BuildInput
  /** Built inputs kept for re-assignment, in characters (about bytes) in all; default 256 MiB. */
  inputCacheBytes?: number
}

/** The seam for proof checking: one verifier per prover type. */
export type ProofVerifiers = Partial<Record<ProverType, (proof: Uint8Array, publicValues: Uint8Array) => Promise<boolean>>>

const NO_BYTES = new Uint8Array(0)

const shuttingDown = () => new Refused('shutting_down', 'the coordinator is shutting down; submit again when it is back')

/** `1.2.3.4:5678` / `::1:5678` -> the address without the port. */
const hostOf = (peer: string) => peer.replace(/:\d+$/, '')

const sha256 = (s: string) => createHash('sha256').update(s).digest()

/** How assignees are recorded (store.assignees): by address, and by the hash of a lease handed out. */
const hostKey = (host: string) => `host:${host}`
const leaseKey = (lease: string) => `lease:${sha256(lease).toString('hex')}`
const nameKey = (name: string) => `name:${name}`

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

export class Coordinator {
  private readonly opts: CoordinatorOptions
  private readonly log: Logger
  private readonly deriving = new Map<number, Promise<Uint8Array>>()
  /** Batches whose public values cannot be derived (over budget, not executable): refused without rerunning. */
  private readonly underivable = new Map<number, Refused>()
  /** Aborted by close(): submits still being checked are refused (shutting_down, retry) instead of stored. */
  private readonly stopping = new AbortController()
  /** Addresses that sent an authorised request lately: the transport evicts their connections last. */
  private readonly knownHosts: RecentSet
  private server?: MessageServer
  private readonly inputs: InputCache
  private proverTokens?: ProverTokens

  constructor(opts: CoordinatorOptions) {
    this.opts = opts
    this.log = opts.logger
    this.knownHosts = new RecentSet(opts.proverTimeoutMs, 4096)
    this.proverTokens = opts.proverTokens
    this.inputs = new InputCache(opts.buildInput ?? (async (task) => buildInputText(task)), opts.inputCacheBytes)
  }

  // ---------- BatchRequest ----------

  private async requestBatch(req: BatchRequest, peer: string, prover: string | undefined): Promise<Message | string> {
    const host = hostOf(peer)
    this.opts.metrics?.seenProver(prover ?? req.proverId ?? host)
    if (!this.opts.requiredTypes.includes(req.proverType)) {
      this.log.info({ peer, proverType: req.proverType }, 'prover type not needed')
      return { kind: 'ProverTypeNotNeeded', proverType: req.proverType }
    }
    this.knownHosts.touch(host)
    // A batch whose row cannot be read is set aside (named, kept for --check-db) and the next one offered,
    // so one bad row never strands the batches after it.
    // Batches are made for a program version (the coordinator's when first served); a prover gets the next one
    // made for its version. Nothing for it and not our version: VersionMismatch, as ethrex answers.
    // A version the operator accepted (--accept-commit) counts as ours and gets the witness form named for it.
    const accepted = this.acceptedForm(req.commitHash)
    const proverVersion = accepted === undefined ? req.commitHash : this.opts.version
    const versions = { proverVersion, currentVersion: this.opts.version }
    for (;;) {
      const batchNumber = this.opts.store.assignNext(req.proverType, this.opts.proverTimeoutMs, Date.now(), hostKey(host), versions, prover ?? null)
      if (batchNumber === null) {
        if (proverVersion === this.opts.version) return { kind: 'BatchResponse', batchNumber: null, input: null, format: null }
        this.log.warn({ peer, proverVersion: req.commitHash, version: this.opts.version }, 'prover version mismatch')
        return { kind: 'VersionMismatch' }
      }
      const witnessForm = accepted ?? this.opts.witnessForm ?? 'nested'
      const dialect = req.dialect ?? 'ethrex'
      let reply: string
      try {
        const batch = this.opts.store.batch(batchNumber)
        if (!batch) throw new Error('row vanished')
        // Built off the event loop when a builder is configured (the CLI: a worker thread), and cached, so a
        // batch with a huge witness never holds up other provers' requests and is built once.
        const inputText = await this.inputs.get(batchNumber, { stored: batch.input, witnessForm, dialect })
        // In the dialect the request came in (ethrex's, or Tessera 0.1's for older provers).
        // A Tessera prover (it sends prover_id) gets a lease: only what holds it, or the address the batch was
        // given to, may answer before the assignment expires. ethrex's provers get ethrex's exact reply.
        const lease = req.proverId === undefined ? undefined : randomBytes(16).toString('hex')
        reply = encodeInputResponse(batchNumber, inputText, this.opts.format ?? 'Groth16', lease, dialect)
        if (lease !== undefined) this.opts.store.addAssignee(batchNumber, req.proverType, leaseKey(lease))
        // A named prover may answer from any address, with or without the lease.
        if (prover !== undefined) this.opts.store.addAssignee(batchNumber, req.proverType, nameKey(prover))
      } catch (e) {
        const reason = (e as Error).message.slice(0, 200)
        // A crashed builder says nothing about the row: the prover may ask again.
        if (/worker died/.test(reason)) throw new Refused('internal', `batch ${batchNumber} could not be prepared (${reason}); ask again`)
        this.log.error({ batch: batchNumber, err: reason }, 'batch row is damaged; set aside (see tessera coordinator --check-db)')
        this.opts.metrics?.rejected.inc({ reason: 'damaged_batch' })
        this.opts.store.markDamaged(batchNumber, reason)
        continue
      }
      const times = this.opts.store.assignment(batchNumber, req.proverType)?.timesAssigned ?? 1
      this.log.info({ peer, prover, batch: batchNumber, proverType: req.proverType, proverId: req.proverId, proverVersion: req.commitHash, witnessForm: dialect === 'tessera-0.1' ? 'tessera-0.1' : witnessForm, times }, times > 1 ? 'batch reassigned' : 'batch assigned')
      return reply
    }
  }

  /** The witness form for an accepted commit_hash; undefined when the operator did not accept it. */
  private acceptedForm(commitHash: string): WrittenWitnessForm | undefined {
    const accepted = this.opts.acceptedCommits
    if (accepted === undefined || accepted.size === 0) return undefined
    const exact = accepted.get(commitHash)
    if (exact !== undefined) return exact
    const hash = commitHash.toLowerCase()
    if (!/^[0-9a-f]{7,40}$/.test(hash)) return undefined
    for (const [commit, form] of accepted) {
      const c = commit.toLowerCase()
      if (/^[0-9a-f]{7,40}$/.test(c) && (c.startsWith(hash) || hash.startsWith(c))) return form
    }
    return undefined
  }

  // ---------- ProofSubmit ----------

  private async submitProof(sub: ProofSubmit, peer: string, prover: string | undefined): Promise<Message> {
    const { batchNumber } = sub
    const { proverType, proof, publicValues } = sub.batchProof
    if (!this.opts.requiredTypes.includes(proverType)) throw new Refused('type_not_needed', `${proverType} proofs are not wanted`)
    const batch = this.opts.store.batch(batchNumber)
    if (!batch) throw new Refused('unknown_batch', `batch ${batchNumber} does not exist`)
    const storedValues = publicValues ?? NO_BYTES
    const known = this.alreadyStored(batchNumber, proverType, proof, storedValues, peer)
    if (known) return known
    const assignment = this.opts.store.assignment(batchNumber, proverType)
    if (!assignment) throw new Refused('unassigned', `batch ${batchNumber} was never assigned to a ${proverType} prover`)
    // Only a prover the batch was given to may answer it, until the assignment expires; then anyone may. It
    // shows it by the lease it was handed, else by its address; prover_id is a claim anyone can make.
    // A named prover (--auth-tokens) also by its name.
    const submitter = [sub.lease !== undefined ? leaseKey(sub.lease) : hostKey(hostOf(peer)), ...(prover === undefined ? [] : [nameKey(prover)])]
    const expired = assignment.assignedAt <= Date.now() - this.opts.proverTimeoutMs
    if (assignment.proverId !== null && !expired && !submitter.some((key) => this.opts.store.wasAssignedTo(batchNumber, proverType, key))) {
      throw new Refused('assigned_to_another_prover', `batch ${batchNumber} is assigned to another ${proverType} prover until its assignment expires`)
    }
    // Verification may be slow; a coordinator told to stop answers now (retry) instead of storing later.
    const checked = await this.unlessStopping(this.check(batchNumber, batch.input, proverType, proof, publicValues))
    if (this.stopping.signal.aborted) throw shuttingDown()
    const verification = checked.length > 0 ? checked.join('+') : 'nothing'
    const verified = isVerifiedProof(proverType, verification)
    // What nobody here checked is stored only on the operator's word (--trust-unverified): ethrex's Exec form
    // (a sentinel byte, no public values) and zkVM bytes without a verifier.
    if (!verified && !this.opts.trustUnverified) {
      throw new Refused(
        'unverifiable',
        proverType === 'Exec'
          ? `an Exec proof without public values carries nothing to check (coordinator runs without --trust-unverified)`
          : `no ${proverType} verifier here, and the coordinator runs without --trust-unverified`,
      )
    }
    const record = { batchNumber, proverType, proof, publicValues: storedValues, checked: verification, submittedBy: prover }
    // A proof stored on trust gives way to a verified one.
    const replaced = verified && this.opts.store.replaceUnverifiedProof(record)
    if (replaced || this.opts.store.addProof(record)) {
      const seconds = (Date.now() - assignment.assignedAt) / 1000
      this.opts.metrics?.provingSeconds.observe({ prover_type: proverType }, seconds)
      if (!verified) this.log.warn({ peer, prover, batch: batchNumber, proverType, seconds, checked: verification }, 'proof stored unverified (--trust-unverified); a verified proof will replace it')
      else this.log.info({ peer, prover, batch: batchNumber, proverType, seconds, checked: verification, replaced }, replaced ? 'proof accepted; it replaces an unverified one' : 'proof accepted')
      return { kind: 'ProofSubmitACK', batchNumber }
    }
    // Another submit won the race while this one was being checked: same bytes = ACK, else refused.
    const winner = this.alreadyStored(batchNumber, proverType, proof, storedValues, peer, true)
    if (winner) return winner
    throw new Refused('internal', `proof of batch ${batchNumber} neither stored nor found`)
  }

  /** What could be checked of a submit: 'public_values' (re-derived and equal), 'proof' (verifier said yes). */
  private async check(batchNumber: number, input: Uint8Array, proverType: ProverType, proof: Uint8Array, publicValues: Uint8Array | undefined): Promise<string[]> {
    const checked: string[] = []
    if (publicValues !== undefined) {
      const expected = await this.expectedPublicValues(batchNumber, input)
      if (!equalBytes(expected, publicValues)) {
        throw new Refused('wrong_public_values', `public values do not match batch ${batchNumber} (got ${publicValues.length} bytes)`)
      }
      checked.push('public_values')
    }
    if (await this.checkProofBytes(batchNumber, input, proverType, proof, publicValues)) checked.push('proof')
    return checked
  }

  /** `work`, or a shutting_down refusal as soon as close() is called (the work goes on unobserved). */
  private unlessStopping<T>(work: Promise<T>): Promise<T> {
    const signal = this.stopping.signal
    if (signal.aborted) return Promise.reject(shuttingDown())
    work.catch(() => {})
    return new Promise<T>((resolve, reject) => {
      const stop = () => reject(shuttingDown())
      signal.addEventListener('abort', stop, { once: true })
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop))
    })
  }

  /**
   * ACK for the very proof already stored, a refusal for a different one, undefined when none is stored or
   * the stored one is unverified (a verified proof may still replace it) and `final` is not set.
   */
  private alreadyStored(batchNumber: number, proverType: ProverType, proof: Uint8Array, publicValues: Uint8Array, peer: string, final = false): Message | undefined {
    const stored = this.opts.store.proof(batchNumber, proverType)
    if (!stored) return undefined
    if (equalBytes(stored.proof, proof) && equalBytes(stored.publicValues, publicValues)) {
      this.log.info({ peer, batch: batchNumber, proverType }, 'duplicate proof acknowledged')
      return { kind: 'ProofSubmitACK', batchNumber }
    }
    if (!final && !isVerifiedProof(proverType, stored.checked)) return undefined
    throw new Refused('conflicting_duplicate', `batch ${batchNumber} already has a different ${proverType} proof (the first valid one wins)`)
  }

  /**
   * Proof bytes: a verifier for the type must accept them (true = verified). Exec has no proof bytes (its
   * check is the re-execution of its public values); non-empty Exec bytes and zkVM bytes without a verifier
   * are refused unless trustUnverified.
   */
  private async checkProofBytes(batchNumber: number, input: Uint8Array, proverType: ProverType, proof: Uint8Array, publicValues: Uint8Array | undefined): Promise<boolean> {
    const verify = proverType === 'Exec' ? undefined : this.opts.verifyProof?.[proverType]
    if (verify) {
      // Groth16 proofs come without public values (ProverOutput::Proof): verify against the re-derived ones.
      const values = publicValues ?? (await this.expectedPublicValues(batchNumber, input))
      // A verifier may say false or throw with its reason (src/verify: ProofRejected names the field).
      const failure = await verify(proof, values).then(
        (ok) => (ok ? undefined : 'the verifier rejected it'),
        (e: Error) => e.message,
      )
      if (failure !== undefined) throw new Refused('invalid_proof', `the ${proverType} proof of batch ${batchNumber} is invalid: ${failure}`)
      return true
    }
    // ethrex's Exec form (no public values) is decided by the caller: nothing checked.
    if (proverType === 'Exec' && (proof.length === 0 || publicValues === undefined)) return false
    if (!this.opts.trustUnverified) {
      throw new Refused(
        'unverifiable',
        proverType === 'Exec'
          ? `Exec proofs carry no bytes; ${proof.length} bytes cannot be verified (coordinator runs without --trust-unverified)`
          : `no ${proverType} verifier here, and the coordinator runs without --trust-unverified`,
      )
    }
    return false
  }

  /** Stored re-derived public values, or derive them once (concurrent submits share the run). */
  private expectedPublicValues(batchNumber: number, input: Uint8Array): Promise<Uint8Array> {
    const known = this.opts.store.expectedPublicValues(batchNumber)
    if (known) return Promise.resolve(known)
    const refused = this.underivable.get(batchNumber)
    if (refused) return Promise.reject(refused)
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
          if (this.stopping.signal.aborted) throw shuttingDown() // the verify pool was closed under it
          const message = String(e?.message ?? e).slice(0, 300)
          this.log.error({ batch: batchNumber, err: message }, 'cannot derive the public values of this batch')
          const refusal =
            e instanceof BudgetExceeded
              ? new Refused('over_budget', `batch ${batchNumber} cannot be verified: ${message}`)
              : new Refused('unverifiable', `batch ${batchNumber} could not be re-executed: ${message}`)
          // Deterministic failures are remembered (no rerun per submit); a crashed worker may be retried.
          if (!/worker died/.test(message)) this.underivable.set(batchNumber, refusal)
          throw refusal
        },
      )
      this.deriving.set(batchNumber, running)
    }
    return running
  }

  // ---------- dispatch ----------

  /**
   * Who is asking, or a refusal: the name of its token (--auth-tokens), `tokenless@<address>` for a request
   * without a token from an address allowed to send none (ethrex's provers), undefined for the shared token
   * (--auth-token) and when the coordinator has no auth at all.
   */
  private identify(token: string | undefined, peer: string): string | undefined {
    const shared = this.opts.authToken
    const tokens = this.proverTokens
    if (shared === undefined && tokens === undefined) return undefined
    if (token === undefined) {
      const host = hostOf(peer)
      if (this.opts.allowTokenless !== undefined && addressListed(this.opts.allowTokenless, host)) return `tokenless@${host}`
      throw new Refused('auth', 'missing auth_token (this coordinator takes requests without one only from the addresses its operator listed)')
    }
    const name = tokens?.nameOf(token)
    if (name !== undefined) return name
    if (shared !== undefined && timingSafeEqual(sha256(token), sha256(shared))) return undefined
    throw new Refused('auth', 'unknown or revoked auth_token')
  }

  /** Replace the per-prover tokens (the CLI: on SIGHUP): a removed token is refused from the next request on. */
  setProverTokens(tokens: ProverTokens | undefined): void {
    this.proverTokens = tokens
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
    let prover: string | undefined
    try {
      // A request parsed while close() ran: nothing new is assigned or stored.
      if (this.stopping.signal.aborted) throw shuttingDown()
      switch (msg.kind) {
        case 'BatchRequest':
          prover = this.identify(msg.authToken, peer)
          return await this.requestBatch(msg, peer, prover)
        case 'ProofSubmit':
          prover = this.identify(msg.authToken, peer)
          return await this.submitProof(msg, peer, prover)
        case 'ProverSetup':
          prover = this.identify(msg.authToken, peer)
          return this.setup(msg, peer)
        default:
          throw new Refused('unexpected', `${msg.kind} is not a request`)
      }
    } catch (e) {
      if (!(e instanceof Refused)) throw e
      this.opts.metrics?.rejected.inc({ reason: e.reason })
      const batch = msg.kind === 'ProofSubmit' ? msg.batchNumber : undefined
      this.log.warn({ peer, prover, reason: e.reason, kind: msg.kind, batch }, e.message)
      return encodeRefusal(e)
    }
  }

  // ---------- socket server ----------

  listen(address: Address): Promise<Address> {
    const server = createMessageServer((msg, peer) => this.handle(msg, peer), this.opts.limits, {
      onDropped: (reason, peer, detail) => {
        this.opts.metrics?.dropped.inc({ reason })
        this.log.warn({ peer, reason }, `connection dropped: ${detail.slice(0, 300)}`)
      },
      onHandlerError: (error, peer) => {
        this.opts.metrics?.rejected.inc({ reason: 'internal' })
        this.log.error({ peer, err: String((error as Error)?.stack ?? error).slice(0, 2000) }, 'internal error while handling a message')
      },
      isTrusted: (host) => this.knownHosts.has(host),
      parseOffThread: this.opts.parseOffThread,
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

  /**
   * Stop: no new connections, requests still arriving are dropped, submits still being checked are refused
   * (shutting_down, retry) and every reply is delivered before its connection closes, so whatever was
   * stored was acknowledged to its prover. The store stays open (the caller owns it).
   */
  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    this.stopping.abort()
    const closed = new Promise<void>((r) => server.close(() => r()))
    await server.drain(this.opts.limits.idleTimeoutMs)
    await closed
  }
}
