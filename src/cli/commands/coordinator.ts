import { readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import type http from 'node:http'
import { parseArgs } from '../args.js'
import pino, { type Logger } from 'pino'
import { decodeProgramInput } from '../../../guest/input.js'
import { mockPublicValues, testBackendsEnabled } from '../../backend/index.js'
import { checkGas, declaredGas, limitConcurrency, parseGasBudget, parseTimeBudget, withTimeBudget, type Budget } from '../../budget/budget.js'
import { checkDb, formatDbReport } from '../../coordinator/checkDb.js'
import { Coordinator, type CoordinatorOptions } from '../../coordinator/coordinator.js'
import { createCoordinatorMetrics, serveMetrics } from '../../coordinator/metrics.js'
import { loadDirectory, rpcBatchLoader, SkippedFiles } from '../../coordinator/source.js'
import { createSourceParser } from '../../coordinator/sourcePool.js'
import { statusRoutes } from '../../coordinator/statusPage.js'
import { CoordinatorStore, StoreRefused } from '../../coordinator/store.js'
import { parseWitnessForm, type WrittenWitnessForm } from '../../protocol/ethrex/witness.js'
import { createMessageParser } from '../../protocol/messageParser.js'
import { createInputBuilder } from '../../coordinator/inputBuilder.js'
import { parseAddressList, ProverTokens } from '../../coordinator/proverTokens.js'
import { parseProverType, type ProverType } from '../../protocol/messages.js'
import { DEFAULT_SERVER_LIMITS, formatAddress, parseAddress } from '../../protocol/transport.js'
import { createProvePool } from '../../prover/pool.js'
import { createProofVerifierPool, type ProofVerifierPool } from '../../verify/pool.js'

const HELP = `usage: tessera coordinator --source <dir|rpc> [options]

Serve batches to provers over TCP (ethrex proof-coordinator protocol) and keep proofs in SQLite.

  --listen HOST:PORT         address to listen on (default 127.0.0.1:3900)
  --source DIR|rpc           directory of cache files / ProgramInput JSON files (one batch each), or rpc
  --db FILE                  SQLite state file (default tessera-coordinator.db)
  --prover-timeout MS        reassign a batch not proven within this (default 600000)
  --required-types LIST      prover types wanted, comma separated: Exec,SP1,RISC0 (default Exec)
  --commit-hash VERSION      this coordinator's program version; new batches are made for it and provers
                             get the batches made for theirs (default: this package's version)
  --witness-form nested|flat ethrex ExecutionWitness layout batches go out in (default nested: ethrex main
                             since 2026-03; flat: ethrex v6.0.0 and earlier)
  --accept-commit C[=FORM][,..]  ethrex builds (the git commit their provers send as commit_hash, short or
                             full) whose guest this coordinator accepts: they get this version's batches, in
                             FORM (nested|flat, default --witness-form). Others get VersionMismatch, as ethrex
  --max-message-bytes N      largest request accepted (default 16777216)
  --read-timeout MS          drop a connection idle this long while reading (default 30000)
  --auth-token SECRET        shared secret provers must send (or env TESSERA_AUTH_TOKEN)
  --auth-tokens FILE         one token per prover: \`name token\` lines or a JSON object {"name":"token"};
                             the name is recorded with each batch taken and proof stored; reread on SIGHUP
  --allow-tokenless LIST     with auth on, take requests without a token (ethrex's provers send none) from
                             these addresses or address/prefix ranges only, comma separated; others are refused
  --metrics HOST:PORT        serve Prometheus metrics at http://HOST:PORT/metrics and a status page at /status
  --risc0-image-id HEX       image id of the RISC Zero guest: RISC0 Groth16 seals are verified before storing
  --sp1-vkey HEX             program vkey (bytes32) of the SP1 guest: SP1 Groth16 and PLONK proofs are verified likewise
  --source-poll-interval MS  look for new batches this often (default 30000; 0 = only at start)
  --rpc-url URL --from-block N [--to-block N] [--batch-size N]   with --source rpc
  --verify-workers N         worker threads re-executing submitted batches (default 2)
  --max-batch-gas GAS        refuse to verify a batch declaring more gas (default 30e9; 0 = no limit)
  --max-batch-seconds S      stop verifying a batch after this long (default 3600; 0 = no limit)
  --max-connections N        connections at once; at the cap the oldest one still sending is dropped (default 1024)
  --max-connections-per-address N   connections still sending, per address (default 64)
  --max-in-flight-per-address N     requests being handled (verification included) per client address,
                             an IPv6 client's /64 as one (default 32; 256 in all)
  --trust-unverified         store proofs nothing here can verify (ethrex's Exec form, zkVM bytes without a
                             verifier), marked unverified; a verified proof later replaces them
  --check-db                 check the --db file (integrity, every batch row) and exit: 0 sound, 1 not
  --log-level LEVEL          pino level (default info)

A file in --source that cannot be used is skipped, logged by name and counted; the others are served.
An existing --db file must be a sound Tessera store: empty, foreign or damaged files are refused.
Signals: the first SIGINT/SIGTERM stops accepting, answers requests in progress (submits still being
verified: refused with retry, not stored) and prints a summary; a second one exits at once.
See docs/reliability-operations.md (trust, identity and slots, hostile input, signals, full disks).
`

export function packageVersion(): string {
  for (const rel of ['../../../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'tessera' && pkg.version) return pkg.version
    } catch {
      // try the next
    }
  }
  return '0.0.0'
}

export function cliLogger(component: string, level: string): Logger {
  return pino({ level, base: { component } }, pino.destination({ dest: 2, sync: true }))
}

export function positiveInt(value: string | undefined, flag: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0 || (n === 0 && !allowZero)) throw new Error(`${flag}: expected a ${allowZero ? 'non-negative' : 'positive'} integer, got "${value}"`)
  return n
}

/**
 * Verifiers for the required zkVM types: Tessera's Groth16 checks (src/verify) for a type whose program is
 * configured (--risc0-image-id, --sp1-vkey), else the native backend's verifier if one loads here; the
 * others are warned about.
 */
async function zkvmVerifiers(types: ProverType[], log: Logger, groth16: ReturnType<ProofVerifierPool['coordinatorVerifiers']>): Promise<CoordinatorOptions['verifyProof']> {
  const out: NonNullable<CoordinatorOptions['verifyProof']> = {}
  for (const type of types) {
    if (type === 'Exec') continue
    if (type === 'RISC0' || type === 'SP1') {
      const verify = groth16[type]
      if (verify) {
        out[type] = verify
        log.info({ proverType: type }, `${type} proofs are verified before they are stored`)
        continue
      }
    }
    const name = type === 'SP1' ? 'sp1' : 'risc0'
    try {
      const { loadZkvmBackend } = await import('../../backend/native.js')
      const backend = loadZkvmBackend(name)
      out[type] = (proof, values) => backend.verify(proof, values)
    } catch (e) {
      log.warn({ proverType: type, err: (e as Error).message }, `no ${type} verifier here: ${type} proof bytes will be stored unverified (public values are still checked)`)
    }
  }
  return out
}

/** `--accept-commit a1b2c3d=flat,e8f2e60` (repeatable) -> commit -> witness form. */
export function parseAcceptedCommits(values: string[], fallback: WrittenWitnessForm): Map<string, WrittenWitnessForm> {
  const out = new Map<string, WrittenWitnessForm>()
  for (const entry of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')) {
    const [commit, form] = entry.split('=', 2)
    if (commit.length === 0) throw new Error(`--accept-commit: empty commit in "${entry}"`)
    if (commit.length > 256) throw new Error('--accept-commit: a commit longer than 256 characters')
    out.set(commit, form === undefined ? fallback : parseWitnessForm(form, `--accept-commit ${commit}`))
  }
  return out
}

function program32(value: string, flag: string): Uint8Array {
  const hex = value.replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${flag}: expected 32 bytes of hex, got "${value}"`)
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string', default: '127.0.0.1:3900' },
      source: { type: 'string' },
      db: { type: 'string', default: 'tessera-coordinator.db' },
      'prover-timeout': { type: 'string' },
      'required-types': { type: 'string', default: 'Exec' },
      'commit-hash': { type: 'string' },
      version: { type: 'string' },
      'witness-form': { type: 'string', default: 'nested' },
      'accept-commit': { type: 'string', multiple: true },
      'max-message-bytes': { type: 'string' },
      'read-timeout': { type: 'string' },
      'auth-token': { type: 'string' },
      'auth-tokens': { type: 'string' },
      'allow-tokenless': { type: 'string' },
      metrics: { type: 'string' },
      'source-poll-interval': { type: 'string' },
      'rpc-url': { type: 'string' },
      'from-block': { type: 'string' },
      'to-block': { type: 'string' },
      'batch-size': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'risc0-image-id': { type: 'string' },
      'sp1-vkey': { type: 'string' },
      'verify-workers': { type: 'string' },
      'max-batch-gas': { type: 'string' },
      'max-batch-seconds': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'max-in-flight-per-address': { type: 'string' },
      'trust-unverified': { type: 'boolean', default: false },
      'check-db': { type: 'boolean', default: false },
      // Tests only (needs TESSERA_TEST_BACKENDS=1): verify Exec proofs against the mock backend's digest.
      'exec-verifier': { type: 'string', default: 'exec' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (values['check-db']) {
    const report = checkDb(values.db)
    console.log(formatDbReport(report))
    return report.ok ? 0 : 1
  }
  if (!values.source) {
    console.error(`tessera coordinator: --source is required\n\n${HELP}`)
    return 2
  }
  const requiredTypes = [...new Set(values['required-types'].split(',').map((t) => parseProverType(t.trim(), '--required-types')))] as ProverType[]
  const proverTimeoutMs = positiveInt(values['prover-timeout'], '--prover-timeout', 600_000)
  const limits = {
    ...DEFAULT_SERVER_LIMITS,
    maxMessageBytes: positiveInt(values['max-message-bytes'], '--max-message-bytes', DEFAULT_SERVER_LIMITS.maxMessageBytes),
    idleTimeoutMs: positiveInt(values['read-timeout'], '--read-timeout', DEFAULT_SERVER_LIMITS.idleTimeoutMs),
    maxConnections: positiveInt(values['max-connections'], '--max-connections', DEFAULT_SERVER_LIMITS.maxConnections),
    maxConnectionsPerAddress: positiveInt(values['max-connections-per-address'], '--max-connections-per-address', DEFAULT_SERVER_LIMITS.maxConnectionsPerAddress!),
    maxInFlightPerAddress: positiveInt(values['max-in-flight-per-address'], '--max-in-flight-per-address', DEFAULT_SERVER_LIMITS.maxInFlightPerAddress!),
  }
  limits.readDeadlineMs = Math.max(limits.readDeadlineMs, limits.idleTimeoutMs)
  const sourcePollMs = positiveInt(values['source-poll-interval'], '--source-poll-interval', 30_000, true)
  const version = values['commit-hash'] ?? values.version ?? packageVersion()
  const witnessForm = parseWitnessForm(values['witness-form'], '--witness-form')
  const acceptedCommits = parseAcceptedCommits(values['accept-commit'] ?? [], witnessForm)
  const authToken = values['auth-token'] ?? process.env.TESSERA_AUTH_TOKEN
  const authTokensFile = values['auth-tokens']
  let proverTokens = authTokensFile === undefined ? undefined : ProverTokens.load(authTokensFile)
  const allowTokenless = values['allow-tokenless'] === undefined ? undefined : parseAddressList(values['allow-tokenless'], '--allow-tokenless')
  if (allowTokenless && authToken === undefined && proverTokens === undefined) {
    throw new Error('--allow-tokenless lets tokenless provers past --auth-token/--auth-tokens; give one of those (without either, no token is asked of anyone)')
  }
  const programs = {
    risc0ImageId: values['risc0-image-id'] === undefined ? undefined : program32(values['risc0-image-id'], '--risc0-image-id'),
    sp1VKey: values['sp1-vkey'] === undefined ? undefined : program32(values['sp1-vkey'], '--sp1-vkey'),
  }
  const log = cliLogger('coordinator', values['log-level'])
  if (values['exec-verifier'] !== 'exec' && !(values['exec-verifier'] === 'mock' && testBackendsEnabled())) {
    throw new Error(`--exec-verifier ${values['exec-verifier']}: only 'exec' is supported`)
  }

  // Exec submissions (and RPC batches at load) are checked by running the guest in a worker thread, once per
  // batch; the result is stored with the batch.
  const mock = values['exec-verifier'] === 'mock'
  const verifyWorkers = positiveInt(values['verify-workers'], '--verify-workers', 2)
  const budget: Budget = {
    maxGas: parseGasBudget(values['max-batch-gas'], 30_000_000_000n),
    maxMs: parseTimeBudget(values['max-batch-seconds'], 3600_000),
  }
  const verifyPool = mock ? undefined : createProvePool(verifyWorkers)
  // At most `verifyWorkers` re-executions at once, so the time budget measures running, not queueing.
  const slots = limitConcurrency(verifyWorkers)
  const execute = (input: Uint8Array, what = 'batch') =>
    slots(async () => {
      checkGas(budget, declaredGas(decodeProgramInput(input).blocks), what)
      if (!verifyPool) return mockPublicValues(input)
      return withTimeBudget(budget, what, async (signal) => (await verifyPool.run('exec', input, signal)).publicValues)
    })

  // Batches: a directory, or an RPC node.
  let store: CoordinatorStore
  try {
    store = new CoordinatorStore(values.db)
  } catch (e) {
    await verifyPool?.close()
    if (e instanceof StoreRefused) {
      console.error(`tessera coordinator: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`)
      return 2
    }
    throw e
  }
  const skipped = new SkippedFiles()
  const metricsRef: { current?: ReturnType<typeof createCoordinatorMetrics> } = {}
  const sourceParser = values.source === 'rpc' ? undefined : createSourceParser()
  let loadBatches: () => Promise<number[]>
  try {
    if (values.source === 'rpc') {
      if (!values['rpc-url'] || values['from-block'] === undefined) throw new Error('--source rpc needs --rpc-url and --from-block')
      loadBatches = await rpcBatchLoader(
        {
          rpcUrl: values['rpc-url'],
          fromBlock: positiveInt(values['from-block'], '--from-block', 0, true),
          toBlock: values['to-block'] === undefined ? undefined : positiveInt(values['to-block'], '--to-block', 0, true),
          batchSize: positiveInt(values['batch-size'], '--batch-size', 1),
        },
        store,
        execute,
      )
    } else {
      const dir = values.source
      if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new Error(`--source ${dir}: not a directory`)
      loadBatches = () =>
        loadDirectory(dir, store, {
          parse: sourceParser!.parse,
          skipped,
          onSkip: (name, error) => {
            metricsRef.current?.sourceFilesSkipped.set(skipped.size)
            log.error({ file: name, dir, skipped: skipped.size, err: error }, 'source file skipped')
          },
        })
    }
    const added = await loadBatches()
    log.info({ added: added.length, total: store.counts(requiredTypes, proverTimeoutMs).total, skipped: skipped.size, db: values.db }, 'batches loaded')
  } catch (e) {
    store.close()
    await verifyPool?.close()
    await sourceParser?.close()
    throw e
  }

  const metrics = createCoordinatorMetrics(store, requiredTypes, proverTimeoutMs)
  // RISC0 Groth16 and SP1 Groth16/PLONK proofs are checked in a worker thread (src/verify/pool.ts) before they are stored.
  const proofVerifiers = createProofVerifierPool(programs)
  await proofVerifiers.ready()
  const verifyProof = await zkvmVerifiers(requiredTypes, log, proofVerifiers.coordinatorVerifiers())
  // Large requests are parsed in a worker thread: hostile ones cannot hold up the answer to a small one.
  const messageParser = createMessageParser()
  // InputResponses are written in a worker thread and cached: a batch with a huge witness never holds up others.
  const inputBuilder = createInputBuilder()
  const coordinator = new Coordinator({
    parseOffThread: messageParser.parse,
    buildInput: inputBuilder.build,
    store,
    version,
    acceptedCommits,
    witnessForm,
    requiredTypes,
    proverTimeoutMs,
    limits,
    authToken,
    proverTokens,
    allowTokenless,
    logger: log,
    metrics,
    verifyProof,
    trustUnverified: values['trust-unverified'],
    derivePublicValues: (input, batchNumber) => execute(input, `batch ${batchNumber}`),
  })
  metricsRef.current = metrics
  metrics.sourceFilesSkipped.set(skipped.size)
  const listen = parseAddress(values.listen)
  if (!authToken && !proverTokens && !/^(127\.|::1$|localhost$)/.test(listen.host)) {
    log.warn({ address: formatAddress(listen) }, 'listening beyond loopback without --auth-token or --auth-tokens: anyone who can connect can take batches and submit proofs')
  }
  if (proverTokens) log.info({ file: authTokensFile, provers: proverTokens.names }, 'per-prover auth tokens loaded')
  // SIGHUP rereads --auth-tokens: a prover added or revoked without a restart. A file that does not load
  // leaves the tokens as they were.
  const reloadTokens = () => {
    if (authTokensFile === undefined) return log.info('SIGHUP: no --auth-tokens file to reread')
    try {
      const next = ProverTokens.load(authTokensFile)
      const before = new Set(proverTokens?.names ?? [])
      const after = new Set(next.names)
      coordinator.setProverTokens(next)
      proverTokens = next
      const added = [...after].filter((n) => !before.has(n))
      const removed = [...before].filter((n) => !after.has(n))
      log.info({ file: authTokensFile, provers: next.names, added, removed }, 'per-prover auth tokens reloaded')
    } catch (e) {
      log.error({ file: authTokensFile, err: (e as Error).message }, 'SIGHUP: --auth-tokens not reloaded; the tokens loaded before stay in force')
    }
  }
  process.on('SIGHUP', reloadTokens)
  await coordinator.listen(listen)
  let metricsServer: http.Server | undefined
  if (values.metrics) {
    const address = parseAddress(values.metrics, 9090)
    const status = statusRoutes({ store, metrics, requiredTypes, proverTimeoutMs, version, startedAtMs: Date.now() })
    metricsServer = await serveMetrics(metrics.registry, address, status)
    log.info({ address: formatAddress(address) }, 'metrics at /metrics, status page at /status')
  }

  let polling: NodeJS.Timeout | undefined
  let loading = false
  if (sourcePollMs > 0) {
    polling = setInterval(() => {
      if (loading) return
      loading = true
      loadBatches()
        .then((added) => added.length > 0 && log.info({ added }, 'new batches'))
        .catch((e: Error) => log.error({ err: e.message }, 'loading new batches failed'))
        .finally(() => (loading = false))
    }, sourcePollMs)
  }

  let signals = 0
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      if (++signals > 1) {
        log.warn({ signal }, 'second signal: exiting now')
        console.error('tessera coordinator: interrupted')
        process.exit(130)
      }
      log.info({ signal }, 'shutting down: answering requests in progress (signal again to exit at once)')
      resolve()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  clearInterval(polling)
  process.off('SIGHUP', reloadTokens)
  await coordinator.close()
  await messageParser.close()
  await inputBuilder.close()
  metricsServer?.close()
  await verifyPool?.close()
  await proofVerifiers.close()
  await sourceParser?.close()
  const c = store.counts(requiredTypes, proverTimeoutMs)
  store.close()
  const proven = requiredTypes.map((t) => `${t} ${c.proven[t] ?? 0}/${c.total}`).join(', ')
  console.error(`tessera coordinator: stopped; proven ${proven}; ${skipped.size} source files skipped`)
  return 0
}
