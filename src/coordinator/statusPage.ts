import type http from 'node:http'
import type { ProverType } from '../protocol/messages.js'
import type { CoordinatorMetrics, ExtraRoutes } from './metrics.js'
import type { CoordinatorStore } from './store.js'

/**
 * The coordinator's status page, served beside /metrics: GET /status (HTML, self-contained: no scripts, no
 * external assets, refreshes itself) and GET /status.json. What an operator looks at first: batches by state and
 * prover type, provers seen, batches being proven, recent proofs and refusals.
 */

export interface StatusSource {
  store: CoordinatorStore
  metrics: CoordinatorMetrics
  requiredTypes: readonly ProverType[]
  proverTimeoutMs: number
  version: string
  startedAtMs: number
}

export interface CoordinatorStatus {
  version: string
  startedAt: string
  now: string
  requiredTypes: ProverType[]
  batches: { total: number; damaged: number; byType: { proverType: string; pending: number; assigned: number; proven: number }[] }
  provers: { id: string; lastSeen: string }[]
  inProgress: { batch: number; proverType: string; proverId: string | null; assignedTo: string | null; assignedAt: string; timesAssigned: number }[]
  recentProofs: { batch: number; proverType: string; submittedAt: string; checked: string; proofBytes: number; submittedBy: string | null }[]
  refusals: { byReason: Record<string, number>; recent: { reason: string; at: string }[] }
  droppedConnections: Record<string, number>
}

const RECENT_ROWS = 20
const iso = (ms: number) => new Date(ms).toISOString()

async function countsByReason(counter: CoordinatorMetrics['rejected'] | CoordinatorMetrics['dropped']): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const v of (await counter.get()).values) out[String(v.labels.reason)] = v.value
  return out
}

export async function coordinatorStatus(src: StatusSource, nowMs = Date.now()): Promise<CoordinatorStatus> {
  const { store, metrics } = src
  const counts = store.counts(src.requiredTypes, src.proverTimeoutMs, nowMs)
  const inProgress = store.db
    .prepare(
      `SELECT a.batch_number, a.prover_type, a.prover_id, a.assigned_to, a.assigned_at, a.times_assigned FROM assignments a
       WHERE a.assigned_at > ? AND NOT EXISTS (SELECT 1 FROM proofs p WHERE p.batch_number = a.batch_number AND p.prover_type = a.prover_type)
       ORDER BY a.assigned_at DESC LIMIT ${RECENT_ROWS}`,
    )
    .all(nowMs - src.proverTimeoutMs) as { batch_number: number; prover_type: string; prover_id: string | null; assigned_to: string | null; assigned_at: number; times_assigned: number }[]
  const proofs = store.db
    .prepare(`SELECT batch_number, prover_type, submitted_at, checked, submitted_by, length(proof) AS bytes FROM proofs ORDER BY submitted_at DESC, batch_number DESC LIMIT ${RECENT_ROWS}`)
    .all() as { batch_number: number; prover_type: string; submitted_at: number; checked: string | null; submitted_by: string | null; bytes: number }[]
  return {
    version: src.version,
    startedAt: iso(src.startedAtMs),
    now: iso(nowMs),
    requiredTypes: [...src.requiredTypes],
    batches: {
      total: counts.total,
      damaged: store.damagedBatches().length,
      byType: src.requiredTypes.map((t) => ({ proverType: t, pending: counts.pending[t] ?? 0, assigned: counts.assigned[t] ?? 0, proven: counts.proven[t] ?? 0 })),
    },
    provers: metrics.provers().map((p) => ({ id: p.id, lastSeen: iso(p.lastSeenMs) })),
    inProgress: inProgress.map((r) => ({ batch: r.batch_number, proverType: r.prover_type, proverId: r.prover_id, assignedTo: r.assigned_to, assignedAt: iso(r.assigned_at), timesAssigned: r.times_assigned })),
    recentProofs: proofs.map((r) => ({ batch: r.batch_number, proverType: r.prover_type, submittedAt: iso(r.submitted_at), checked: r.checked ?? 'unknown', proofBytes: r.bytes, submittedBy: r.submitted_by })),
    refusals: { byReason: await countsByReason(metrics.rejected), recent: metrics.recentRefusals.slice().reverse().map((r) => ({ reason: r.reason, at: iso(r.atMs) })) },
    droppedConnections: await countsByReason(metrics.dropped),
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function table(caption: string, headers: string[], rows: (string | number)[][], empty: string): string {
  if (rows.length === 0) return `<h2>${caption}</h2>\n<p class="empty">${escapeHtml(empty)}</p>`
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('\n')
  return `<h2>${caption}</h2>\n<table><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`
}

export function renderStatusHtml(s: CoordinatorStatus, refreshSeconds = 10): string {
  const reasons = Object.entries(s.refusals.byReason).sort((a, b) => b[1] - a[1])
  const dropped = Object.entries(s.droppedConnections).sort((a, b) => b[1] - a[1])
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${refreshSeconds}">
<title>Tessera coordinator</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td { font-family: ui-monospace, monospace; }
.empty { color: #777; }
</style>
</head>
<body>
<h1>Tessera coordinator</h1>
<p>version <code>${escapeHtml(s.version)}</code>, up since ${escapeHtml(s.startedAt)}; ${s.batches.total} batches (${s.batches.damaged} damaged); page of ${escapeHtml(s.now)}, refreshed every ${refreshSeconds} s. Also as <a href="status.json">JSON</a> and <a href="metrics">metrics</a>.</p>
${table('Batches by state', ['prover type', 'pending', 'assigned', 'proven'], s.batches.byType.map((b) => [b.proverType, b.pending, b.assigned, b.proven]), 'no prover type required')}
${table('Provers seen', ['prover', 'last request'], s.provers.map((p) => [p.id, p.lastSeen]), 'no prover asked for work within the prover timeout')}
${table('Being proven', ['batch', 'prover type', 'prover', 'address', 'assigned at', 'times assigned'], s.inProgress.map((a) => [a.batch, a.proverType, a.assignedTo ?? '', (a.proverId ?? '').replace(/^host:/, ''), a.assignedAt, a.timesAssigned]), 'no batch is assigned now')}
${table('Recent proofs', ['batch', 'prover type', 'submitted by', 'accepted at', 'checked', 'proof bytes'], s.recentProofs.map((p) => [p.batch, p.proverType, p.submittedBy ?? '', p.submittedAt, p.checked, p.proofBytes]), 'no proof stored yet')}
${table('Refusals by reason', ['reason', 'count'], reasons, 'no refusal since start')}
${table('Recent refusals', ['reason', 'at'], s.refusals.recent.map((r) => [r.reason, r.at]), 'no refusal since start')}
${table('Connections dropped without a reply', ['reason', 'count'], dropped, 'none since start')}
</body>
</html>
`
}

/** GET /status and /status.json for the metrics server. */
export function statusRoutes(src: StatusSource): ExtraRoutes {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'GET' || (path !== '/status' && path !== '/status.json')) return false
    coordinatorStatus(src).then(
      (status) => {
        if (path === '/status.json') res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(status, null, 2)}\n`)
        else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(renderStatusHtml(status))
      },
      (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`status unavailable: ${e.message}\n`),
    )
    return true
  }
}
