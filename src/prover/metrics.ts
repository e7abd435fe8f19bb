import http from 'node:http'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Address } from '../protocol/transport.js'
import type { SlotState } from './slots.js'

/**
 * The prover's own metrics (own registry), per device — a GPU ordinal or `cpu`:
 *   tessera_prover_jobs_total{device,result=ok|failed}
 *   tessera_prover_proving_seconds{device}         histogram; _sum = seconds spent proving on that device
 *   tessera_prover_device_busy{device}             jobs running there now
 * served with a health check by serveProverHttp: GET /metrics, GET /healthz.
 */
export interface ProverMetrics {
  registry: Registry
  jobs: Counter<'device' | 'result'>
  provingSeconds: Histogram<'device'>
  busy: Gauge<'device'>
}

export function createProverMetrics(): ProverMetrics {
  const registry = new Registry()
  return {
    registry,
    jobs: new Counter({ name: 'tessera_prover_jobs_total', help: 'Proving jobs finished, by device and result', labelNames: ['device', 'result'], registers: [registry] }),
    provingSeconds: new Histogram({
      name: 'tessera_prover_proving_seconds',
      help: 'Time to prove one batch, by device',
      labelNames: ['device'],
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers: [registry],
    }),
    busy: new Gauge({ name: 'tessera_prover_device_busy', help: 'Jobs running on the device now', labelNames: ['device'], registers: [registry] }),
  }
}

export interface ProverHealth {
  /** `ok`; `degraded` when some device failed its last 3 jobs; `failing` (HTTP 503) when every device did. */
  status: 'ok' | 'degraded' | 'failing'
  resource: 'cpu' | 'gpu'
  devices: SlotState[]
}

const FAILING_AFTER = 3

export function proverHealth(resource: 'cpu' | 'gpu', slots: SlotState[]): ProverHealth {
  const bad = slots.filter((s) => s.consecutiveFailures >= FAILING_AFTER).length
  const status = bad === 0 ? 'ok' : bad === slots.length ? 'failing' : 'degraded'
  return { status, resource, devices: slots }
}

/** GET /metrics (Prometheus text) and GET /healthz (JSON; 503 when failing). Resolves once listening. */
export function serveProverHttp(metrics: ProverMetrics, health: () => ProverHealth, address: Address): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      const h = health()
      res.writeHead(h.status === 'failing' ? 503 : 200, { 'content-type': 'application/json' }).end(`${JSON.stringify(h)}\n`)
      return
    }
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404).end()
      return
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (e: Error) => res.writeHead(500).end(e.message),
    )
  })
  server.requestTimeout = 10_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(address.port, address.host, () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}
