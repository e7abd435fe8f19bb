import { availableParallelism } from 'node:os'
import { parseArgs } from '../args.js'
import { BackendUnavailable, loadBackend, proverTypeOf } from '../../backend/index.js'
import type http from 'node:http'
import { formatAddress, parseAddress } from '../../protocol/transport.js'
import { GpuDetectionFailed } from '../../prover/gpus.js'
import { createHostProvePool, type HostPool } from '../../prover/hostPool.js'
import { createProverMetrics, proverHealth, serveProverHttp } from '../../prover/metrics.js'
import { parseGasBudget, parseTimeBudget } from '../../budget/budget.js'
import { Prover } from '../../prover/prover.js'
import { cliLogger, packageVersion } from './coordinator.js'

const HELP = `usage: tessera prover [options]

Prove batches from one or more proof coordinators.

  --proof-coordinators LIST  comma-separated tcp://HOST:PORT (default tcp://127.0.0.1:3900)
  --backend NAME             exec | sp1 | risc0 (default exec)
  --workers N                batches proving at once, one worker thread each (default: CPU count;
                             with --resource gpu: one per GPU, always)
  --resource cpu|gpu         what sp1/risc0 prove on (default cpu; exec ignores it)
  --gpus LIST                with --resource gpu: CUDA device ordinals, e.g. 0,1 (default: CUDA_VISIBLE_DEVICES,
                             else every GPU nvidia-smi -L lists); one prove worker pinned to each
  --metrics HOST:PORT        serve Prometheus metrics (per device: jobs, proving seconds) at /metrics and a
                             health check at /healthz
  --poll-interval MS         wait between polls when there is nothing to prove (default 5000)
  --auth-token SECRET        token the coordinators require: shared, or this prover's own (or env TESSERA_AUTH_TOKEN)
  --commit-hash VERSION      version to report (default: this package's version; for an ethrex
                             coordinator, the git commit of its ethrex build)
  --request-timeout MS       per request, including downloading a batch (default 120000)
  --exit-when-idle           exit once every coordinator said "nothing to prove", nothing is proving and
                             every finished proof is acknowledged (unreachable coordinators are not idle)
  --state-dir DIR            keep finished proofs here until a coordinator acknowledges or refuses them,
                             and this prover's id; a restart submits what is left (recommended)
  --max-batch-gas GAS        skip a batch whose blocks declare more gas (default 30e9; 0 = no limit)
  --max-batch-seconds S      stop proving a batch after this long (default 21600; 0 = no limit)

Signals: the first SIGINT/SIGTERM drains (no new batches, batches in flight finish, unsent proofs stay in
--state-dir) and prints a summary; a second one exits at once.
  --log-level LEVEL          pino level (default info)
`

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'proof-coordinators': { type: 'string', default: 'tcp://127.0.0.1:3900' },
      backend: { type: 'string', default: 'exec' },
      resource: { type: 'string', default: 'cpu' },
      workers: { type: 'string' },
      gpus: { type: 'string' },
      metrics: { type: 'string' },
      'poll-interval': { type: 'string', default: '5000' },
      'auth-token': { type: 'string' },
      'commit-hash': { type: 'string' },
      version: { type: 'string' },
      'request-timeout': { type: 'string', default: '120000' },
      'exit-when-idle': { type: 'boolean', default: false },
      'state-dir': { type: 'string' },
      'max-batch-gas': { type: 'string' },
      'max-batch-seconds': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const num = (v: string, flag: string) => {
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag}: expected a positive integer, got "${v}"`)
    return n
  }
  const workersFlag = values.workers === undefined ? undefined : num(values.workers, '--workers')
  const coordinators = values['proof-coordinators'].split(',').filter((s) => s.trim() !== '').map((s) => parseAddress(s))
  const backend = values.backend
  const resource = values.resource
  if (resource !== 'cpu' && resource !== 'gpu') throw new Error(`--resource: expected cpu or gpu, got "${resource}"`)
  const proverType = proverTypeOf(backend)
  // Fail now, in the main thread, if the backend cannot run (sp1/risc0 without the native build).
  if (backend !== 'exec') {
    try {
      await loadBackend(backend, { resource })
    } catch (e) {
      if (e instanceof BackendUnavailable) {
        console.error(`tessera prover: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`)
        return 2
      }
      throw e
    }
  }
  const log = cliLogger('prover', values['log-level'])
  const metrics = createProverMetrics()
  let host: HostPool
  try {
    host = createHostProvePool({ resource, workers: workersFlag, gpus: values.gpus, defaultCpuWorkers: availableParallelism(), metrics })
  } catch (e) {
    if (e instanceof GpuDetectionFailed) {
      console.error(`tessera prover: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`)
      return 2
    }
    throw e
  }
  const { workers, runner: pool } = host
  if (resource === 'gpu') log.info({ gpus: host.devices.map((d) => ({ device: d.index, name: d.name, uuid: d.uuid })) }, `one prove worker per GPU: ${workers}`)
  let httpServer: http.Server | undefined
  if (values.metrics) {
    const address = parseAddress(values.metrics, 9091)
    httpServer = await serveProverHttp(metrics, () => proverHealth(resource, pool.slots()), address)
    log.info({ address: formatAddress(address) }, 'metrics at /metrics, health at /healthz')
  }
  const prover = new Prover({
    coordinators,
    backend,
    proverType,
    version: values['commit-hash'] ?? values.version ?? packageVersion(),
    workers,
    pollIntervalMs: num(values['poll-interval'], '--poll-interval'),
    authToken: values['auth-token'] ?? process.env.TESSERA_AUTH_TOKEN,
    prove: (name, input, signal) => pool.run(name, input, signal),
    logger: log,
    exitWhenIdle: values['exit-when-idle'],
    stateDir: values['state-dir'],
    budget: {
      maxGas: parseGasBudget(values['max-batch-gas'], 30_000_000_000n),
      maxMs: parseTimeBudget(values['max-batch-seconds'], 6 * 3600 * 1000),
    },
    requestTimeoutMs: num(values['request-timeout'], '--request-timeout'),
  })
  let signals = 0
  const onSignal = (signal: string) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting now')
      console.error('tessera prover: interrupted (unsent proofs stay in --state-dir)')
      process.exit(130)
    }
    log.info({ signal }, 'stopping: no new batches, finishing batches in flight (signal again to exit at once)')
    prover.stop()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const summary = await prover.run()
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  await pool.close()
  httpServer?.close()
  if (summary.reason === 'type_not_needed') {
    console.error(`tessera prover: no coordinator needs ${proverType} proofs; exiting (try another --backend)`)
    return 3
  }
  const notPersisted = summary.notPersisted > 0 ? `, ${summary.notPersisted} state-dir writes failed (see the log)` : ''
  console.error(`tessera prover: ${summary.proven} proven, ${summary.failed} failed, ${summary.unsent} unsent${notPersisted} (${summary.reason})`)
  return 0
}
