import { readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import type http from 'node:http'
import { parseArgs } from 'node:util'
import pino, { type Logger } from 'pino'
import { mockPublicValues, testBackendsEnabled } from '../../backend/index.js'
import { Coordinator, type CoordinatorOptions } from '../../coordinator/coordinator.js'
import { createCoordinatorMetrics, serveMetrics } from '../../coordinator/metrics.js'
import { loadDirectory, rpcBatchLoader } from '../../coordinator/source.js'
import { CoordinatorStore } from '../../coordinator/store.js'
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
  --commit-hash VERSION      version provers must report (default: this package's version)
  --max-message-bytes N      largest request accepted (default 16777216)
  --read-timeout MS          drop a connection idle this long while reading (default 30000)
  --auth-token SECRET        shared secret provers must send (or env TESSERA_AUTH_TOKEN)
  --metrics HOST:PORT        serve Prometheus metrics at http://HOST:PORT/metrics
  --risc0-image-id HEX       image id of the RISC Zero guest: RISC0 Groth16 seals are verified before storing
  --sp1-vkey HEX             program vkey (bytes32) of the SP1 guest: SP1 Groth16 proofs are verified likewise
  --source-poll-interval MS  look for new batches this often (default 30000; 0 = only at start)
  --rpc-url URL --from-block N [--to-block N] [--batch-size N]   with --source rpc
  --log-level LEVEL          pino level (default info)
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
        log.info({ proverType: type }, `${type} Groth16 proofs are verified before they are stored`)
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
      'max-message-bytes': { type: 'string' },
      'read-timeout': { type: 'string' },
      'auth-token': { type: 'string' },
      metrics: { type: 'string' },
      'source-poll-interval': { type: 'string' },
      'rpc-url': { type: 'string' },
      'from-block': { type: 'string' },
      'to-block': { type: 'string' },
      'batch-size': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'risc0-image-id': { type: 'string' },
      'sp1-vkey': { type: 'string' },
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
  }
  limits.readDeadlineMs = Math.max(limits.readDeadlineMs, limits.idleTimeoutMs)
  const sourcePollMs = positiveInt(values['source-poll-interval'], '--source-poll-interval', 30_000, true)
  const version = values['commit-hash'] ?? values.version ?? packageVersion()
  const authToken = values['auth-token'] ?? process.env.TESSERA_AUTH_TOKEN
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
  const verifyPool = mock ? undefined : createProvePool(1)
  const execute = async (input: Uint8Array) => (verifyPool ? (await verifyPool.run('exec', input)).publicValues : mockPublicValues(input))

  // Batches: a directory, or an RPC node.
  const store = new CoordinatorStore(values.db)
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
      loadBatches = () => loadDirectory(dir, store)
    }
    const added = await loadBatches()
    log.info({ added: added.length, total: store.counts(requiredTypes, proverTimeoutMs).total, db: values.db }, 'batches loaded')
  } catch (e) {
    store.close()
    await verifyPool?.close()
    throw e
  }

  const metrics = createCoordinatorMetrics(store, requiredTypes, proverTimeoutMs)
  // RISC0/SP1 Groth16 proofs are checked in a worker thread (src/verify/pool.ts) before they are stored.
  const proofVerifiers = createProofVerifierPool(programs)
  await proofVerifiers.ready()
  const verifyProof = await zkvmVerifiers(requiredTypes, log, proofVerifiers.coordinatorVerifiers())
  const coordinator = new Coordinator({
    store,
    version,
    requiredTypes,
    proverTimeoutMs,
    limits,
    authToken,
    logger: log,
    metrics,
    verifyProof,
    derivePublicValues: execute,
  })
  const listen = parseAddress(values.listen)
  if (!authToken && !/^(127\.|::1$|localhost$)/.test(listen.host)) {
    log.warn({ address: formatAddress(listen) }, 'listening beyond loopback without --auth-token: anyone who can connect can take batches and submit proofs')
  }
  await coordinator.listen(listen)
  let metricsServer: http.Server | undefined
  if (values.metrics) {
    const address = parseAddress(values.metrics, 9090)
    metricsServer = await serveMetrics(metrics.registry, address)
    log.info({ address: formatAddress(address) }, 'metrics at /metrics')
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

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down')
      resolve()
    }
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
  })
  clearInterval(polling)
  await coordinator.close()
  metricsServer?.close()
  await verifyPool?.close()
  await proofVerifiers.close()
  store.close()
  return 0
}
