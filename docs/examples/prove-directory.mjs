// A coordinator and a prover in one process: serve the batch files of a directory and prove them all with
// the exec backend (which re-executes the guest: no zero-knowledge proof).
// Usage: node docs/examples/prove-directory.mjs <dir>
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Coordinator, CoordinatorStore, DEFAULT_SERVER_LIMITS, loadDirectory } from 'tessera/coordinator'
import { Prover, createProvePool } from 'tessera/prover'

const logger = pino({ level: 'warn' })
const pool = createProvePool(2)
const store = new CoordinatorStore(join(mkdtempSync(join(tmpdir(), 'tessera-example-')), 'coordinator.db'))
console.log(`batches: ${(await loadDirectory(process.argv[2], store)).length}`)
const coordinator = new Coordinator({
  store,
  version: 'example',
  requiredTypes: ['Exec'],
  proverTimeoutMs: 600_000,
  limits: DEFAULT_SERVER_LIMITS,
  logger,
  // The public values a correct proof must carry: the coordinator runs the guest itself.
  derivePublicValues: async (input) => (await pool.run('exec', input)).publicValues,
})
const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
const prover = new Prover({
  coordinators: [address],
  backend: 'exec',
  proverType: 'Exec',
  version: 'example',
  workers: 2,
  pollIntervalMs: 1000,
  prove: (backend, input, signal) => pool.run(backend, input, signal),
  logger,
  exitWhenIdle: true,
})
const summary = await prover.run()
console.log(`proven ${summary.proven}, failed ${summary.failed}`)
await coordinator.close()
store.close()
await pool.close()
