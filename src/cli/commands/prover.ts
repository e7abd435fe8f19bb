import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { BackendUnavailable, loadBackend, proverTypeOf } from '../../backend/index.js'
import { parseAddress } from '../../protocol/transport.js'
import { createProvePool } from '../../prover/pool.js'
import { Prover } from '../../prover/prover.js'
import { cliLogger, packageVersion } from './coordinator.js'

const HELP = `usage: tessera prover [options]

Prove batches from one or more proof coordinators.

  --proof-coordinators LIST  comma-separated tcp://HOST:PORT (default tcp://127.0.0.1:3900)
  --backend NAME             exec | sp1 | risc0 (default exec)
  --workers N                batches proving at once, one worker thread each (default: CPU count;
                             on GPU hosts use one per GPU)
  --resource cpu|gpu         what sp1/risc0 prove on (default cpu; exec ignores it)
  --poll-interval MS         wait between polls when there is nothing to prove (default 5000)
  --auth-token SECRET        shared secret the coordinators require (or env TESSERA_AUTH_TOKEN)
  --commit-hash VERSION      version to report (default: this package's version; for an ethrex
                             coordinator, the git commit of its ethrex build)
  --request-timeout MS       per request, including downloading a batch (default 120000)
  --exit-when-idle           exit once no coordinator has work and nothing is in flight
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
      'poll-interval': { type: 'string', default: '5000' },
      'auth-token': { type: 'string' },
      'commit-hash': { type: 'string' },
      version: { type: 'string' },
      'request-timeout': { type: 'string', default: '120000' },
      'exit-when-idle': { type: 'boolean', default: false },
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
  const workers = values.workers === undefined ? availableParallelism() : num(values.workers, '--workers')
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
  const pool = createProvePool(workers, { resource })
  const prover = new Prover({
    coordinators,
    backend,
    proverType,
    version: values['commit-hash'] ?? values.version ?? packageVersion(),
    workers,
    pollIntervalMs: num(values['poll-interval'], '--poll-interval'),
    authToken: values['auth-token'] ?? process.env.TESSERA_AUTH_TOKEN,
    prove: (name, input) => pool.run(name, input),
    logger: log,
    exitWhenIdle: values['exit-when-idle'],
    requestTimeoutMs: num(values['request-timeout'], '--request-timeout'),
  })
  let signals = 0
  const onSignal = () => {
    if (++signals > 1) process.exit(130)
    log.info('stopping: finishing batches in flight (signal again to abort)')
    prover.stop()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const summary = await prover.run()
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  await pool.close()
  if (summary.reason === 'type_not_needed') {
    console.error(`tessera prover: no coordinator needs ${proverType} proofs; exiting (try another --backend)`)
    return 3
  }
  console.error(`tessera prover: ${summary.proven} proven, ${summary.failed} failed (${summary.reason})`)
  return 0
}
