#!/usr/bin/env node
/**
 * Reliability drill (issue 13), loopback only: start `tessera coordinator` on the bundled devnet batches,
 * open N connections that send one byte every 10 s (slowloris), then time how long a real BatchRequest takes
 * to be answered, and read the dropped-connections metric. Usage: node scripts/slowloris-drill.mjs [N=1100]
 * Needs `npm run build`. Prints one JSON line.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const n = Number(process.argv[2] ?? 1100)
const dir = mkdtempSync(join(tmpdir(), 'tessera-drill-'))
const port = 39000 + Math.floor(Math.random() * 1000)
const metricsPort = port + 1000
const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), 'coordinator', '--source', join(root, 'fixtures/devnet'), '--db', join(dir, 'c.db'),
  '--listen', `127.0.0.1:${port}`, '--metrics', `127.0.0.1:${metricsPort}`, '--source-poll-interval', '0', '--log-level', 'error', '--commit-hash', 'drill'], { stdio: ['ignore', 'ignore', 'inherit'] })
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const ask = () => new Promise((resolve, reject) => {
  const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true })
  const chunks = []
  s.on('connect', () => s.end(JSON.stringify({ BatchRequest: { commit_hash: 'drill', prover_type: 'Exec', prover_id: 'drill' } })))
  s.on('data', (c) => chunks.push(c))
  s.on('end', () => resolve(Buffer.concat(chunks).toString().slice(0, 60)))
  s.on('error', reject)
})
try {
  for (let i = 0; i < 100; i++) { try { await ask(); break } catch { await sleep(200) } }
  const slow = []
  for (let i = 0; i < n; i++) {
    const s = net.connect({ host: '127.0.0.1', port })
    s.on('error', () => {})
    s.on('connect', () => s.write('{'))
    const t = setInterval(() => s.writable && s.write(' '), 10_000)
    s.on('close', () => clearInterval(t))
    slow.push({ s, t })
    if (i % 100 === 99) await sleep(10)
  }
  await sleep(1000)
  const t0 = performance.now()
  const reply = await ask()
  const ms = performance.now() - t0
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  const dropped = Object.fromEntries([...metrics.matchAll(/tessera_coordinator_dropped_connections_total\{reason="([a-z_]+)"\} (\d+)/g)].map((m) => [m[1], Number(m[2])]))
  console.log(JSON.stringify({ slowConnections: n, answeredInMs: Math.round(ms), reply, dropped }))
  for (const { s, t } of slow) { clearInterval(t); s.destroy() }
} finally {
  child.kill('SIGTERM')
  await new Promise((r) => child.on('exit', r))
  rmSync(dir, { recursive: true, force: true })
}
