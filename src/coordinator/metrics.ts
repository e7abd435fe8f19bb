import http from 'node:http'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ProverType } from '../protocol/messages.js'
import type { Address } from '../protocol/transport.js'
import { RecentSet } from './recentSet.js'
import type { CoordinatorStore } from './store.js'

/**
 * Prometheus metrics of one coordinator (own registry, so several coordinators can live in one process):
 *   tessera_coordinator_batches{state=pending|assigned|proven,prover_type}
 *   tessera_coordinator_proving_seconds{prover_type}   assignment -> accepted proof
 *   tessera_coordinator_provers                        provers seen within the prover timeout (bounded registry)
 *   tessera_coordinator_rejected_messages_total{reason}   requests answered with a refusal
 *   tessera_coordinator_dropped_connections_total{reason} connections closed without a reply
 *   tessera_coordinator_source_files_skipped            source files that cannot be used (named in the log)
 *   tessera_coordinator_requests_total{kind}
 */
export interface CoordinatorMetrics {
  registry: Registry
  rejected: Counter<'reason'>
  dropped: Counter<'reason'>
  /** Files of the source directory currently skipped (unreadable or not a batch). */
  sourceFilesSkipped: Gauge
  requests: Counter<'kind'>
  provingSeconds: Histogram<'prover_type'>
  /** Record that a prover (by prover_id, else address) asked for work. */
  seenProver(id: string): void
  /** Provers seen within the prover timeout, most recent first (for the status page). */
  provers(): { id: string; lastSeenMs: number }[]
  /** The last refusals counted by `rejected`, newest last (for the status page). */
  recentRefusals: { reason: string; atMs: number }[]
}

/** Refusals kept for the status page. */
export const RECENT_REFUSALS = 50

/** Provers remembered for the metric at most; beyond it the least recently seen is forgotten. */
export const MAX_TRACKED_PROVERS = 10_000

export function createCoordinatorMetrics(
  store: CoordinatorStore,
  types: readonly ProverType[],
  proverTimeoutMs: number,
  maxTrackedProvers = MAX_TRACKED_PROVERS,
): CoordinatorMetrics {
  const registry = new Registry()
  const lastSeen = new RecentSet(proverTimeoutMs, maxTrackedProvers)
  new Gauge({
    name: 'tessera_coordinator_batches',
    help: 'Batches by state and prover type',
    labelNames: ['state', 'prover_type'],
    registers: [registry],
    collect() {
      if (!store.db.open) return
      const c = store.counts(types, proverTimeoutMs)
      for (const t of types) {
        this.set({ state: 'pending', prover_type: t }, c.pending[t] ?? 0)
        this.set({ state: 'assigned', prover_type: t }, c.assigned[t] ?? 0)
        this.set({ state: 'proven', prover_type: t }, c.proven[t] ?? 0)
      }
    },
  })
  new Gauge({
    name: 'tessera_coordinator_provers',
    help: `Distinct provers that asked for work within the prover timeout (at most ${maxTrackedProvers} tracked)`,
    registers: [registry],
    collect() {
      this.set(lastSeen.size())
    },
  })
  // Every refusal is counted through `rejected`; the last few are also kept with their time for the status page.
  const rejected = new Counter({ name: 'tessera_coordinator_rejected_messages_total', help: 'Messages refused, by reason', labelNames: ['reason'], registers: [registry] })
  const recentRefusals: CoordinatorMetrics['recentRefusals'] = []
  const countRefusal = rejected.inc.bind(rejected)
  rejected.inc = ((labels?: { reason?: string } | number, value?: number) => {
    if (typeof labels === 'object' && labels.reason !== undefined) {
      recentRefusals.push({ reason: labels.reason, atMs: Date.now() })
      if (recentRefusals.length > RECENT_REFUSALS) recentRefusals.shift()
    }
    return typeof labels === 'object' ? countRefusal(labels, value) : countRefusal(labels)
  }) as typeof rejected.inc
  return {
    registry,
    rejected,
    recentRefusals,
    sourceFilesSkipped: new Gauge({ name: 'tessera_coordinator_source_files_skipped', help: 'Source files skipped (unreadable or not a batch)', registers: [registry] }),
    dropped: new Counter({
      name: 'tessera_coordinator_dropped_connections_total',
      help: 'Connections closed without a reply, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    requests: new Counter({ name: 'tessera_coordinator_requests_total', help: 'Messages handled, by kind', labelNames: ['kind'], registers: [registry] }),
    provingSeconds: new Histogram({
      name: 'tessera_coordinator_proving_seconds',
      help: 'Time from assignment to accepted proof',
      labelNames: ['prover_type'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    seenProver(id) {
      lastSeen.touch(id)
    },
    provers() {
      return lastSeen.entries().map(([id, lastSeenMs]) => ({ id, lastSeenMs }))
    },
  }
}

/** Answers a request the metrics server does not know; returns false to leave it to the 404. */
export type ExtraRoutes = (req: http.IncomingMessage, res: http.ServerResponse) => boolean

/** Serve `GET /metrics` (and `routes`, e.g. the status page) on the address; resolves once listening. */
export function serveMetrics(registry: Registry, address: Address, routes?: ExtraRoutes): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (routes?.(req, res)) return
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404).end()
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
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

