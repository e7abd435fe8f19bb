import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { mockPublicValues } from '../src/backend/index.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { createCoordinatorMetrics, serveMetrics } from '../src/coordinator/metrics.js'
import { statusRoutes, type CoordinatorStatus } from '../src/coordinator/statusPage.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import type { Message } from '../src/protocol/messages.js'
import { sendMessage, type Address } from '../src/protocol/transport.js'
import { captureLog, freePort, runCli, syntheticInput } from './support/coordinator-kit.js'
import { DEVNET_DIR } from './support/fixtures.js'

/**
 * The coordinator's status page: a coordinator with three batches — one proven, one being proven, one pending —
 * a refused proof and a prover whose id is HTML, then /status.json checked and /status loaded in headless
 * Chromium (Debian's, /usr/bin/chromium; the test installs nothing and fails without it).
 */

const CHROMIUM = '/usr/bin/chromium'
const HOSTILE_ID = '<script>document.title="owned"</script>'

let dir: string
let store: CoordinatorStore
let coordinator: Coordinator
let metricsServer: http.Server
let base: string
let browser: Browser | undefined

const send = (a: Address, m: Message) => sendMessage(a, m, { timeoutMs: 5000 })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-status-'))
  store = new CoordinatorStore(join(dir, 'coordinator.db'))
  store.addBatches([1, 2, 3].map((n) => ({ source: `synthetic-${n}`, firstBlock: n, lastBlock: n, input: encodeProgramInput(syntheticInput(n)) })))
  const requiredTypes = ['Exec' as const]
  const proverTimeoutMs = 60_000
  const metrics = createCoordinatorMetrics(store, requiredTypes, proverTimeoutMs)
  coordinator = new Coordinator({
    store,
    version: 'test-1',
    requiredTypes: [...requiredTypes],
    proverTimeoutMs,
    limits: { maxMessageBytes: 64 * 1024, idleTimeoutMs: 1000, readDeadlineMs: 3000, maxConnections: 100 },
    logger: captureLog().logger,
    metrics,
    derivePublicValues: async (input) => mockPublicValues(input),
  })
  const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
  metricsServer = await serveMetrics(metrics.registry, { host: '127.0.0.1', port: 0 }, statusRoutes({ store, metrics, requiredTypes, proverTimeoutMs, version: 'test-1', startedAtMs: Date.now() }))
  base = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`

  const request = (proverId: string) => send(address, { kind: 'BatchRequest', commitHash: 'test-1', proverType: 'Exec', proverId })
  const submit = (batchNumber: number, publicValues: Uint8Array, proverId: string) =>
    send(address, { kind: 'ProofSubmit', batchNumber, batchProof: { proverType: 'Exec', proof: new Uint8Array(0), publicValues }, proverId })
  expect(await request('prover-a')).toMatchObject({ kind: 'BatchResponse', batchNumber: 1 })
  expect(await submit(1, mockPublicValues(store.batch(1)!.input), 'prover-a')).toMatchObject({ kind: 'ProofSubmitACK' })
  expect(await request(HOSTILE_ID)).toMatchObject({ kind: 'BatchResponse', batchNumber: 2 })
  await expect(submit(2, new Uint8Array(32), HOSTILE_ID)).rejects.toMatchObject({ reason: 'wrong_public_values' })
  await expect(submit(99, new Uint8Array(32), 'prover-a')).rejects.toMatchObject({ reason: 'unknown_batch' })
})

afterAll(async () => {
  await browser?.close()
  await new Promise((r) => metricsServer?.close(r))
  await coordinator?.close()
  store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('coordinator status page', () => {
  it('GET /status.json: batches by state, provers, batches being proven, recent proofs and refusals', async () => {
    const res = await fetch(`${base}/status.json`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    const s = (await res.json()) as CoordinatorStatus
    expect(s.version).toBe('test-1')
    expect(s.batches).toEqual({ total: 3, damaged: 0, byType: [{ proverType: 'Exec', pending: 1, assigned: 1, proven: 1 }] })
    expect(s.provers.map((p) => p.id)).toEqual([HOSTILE_ID, 'prover-a'])
    // Assignments are recorded by address (prover_id is a claim anyone can make) and, with --auth-tokens, by name.
    expect(s.inProgress).toMatchObject([{ batch: 2, proverType: 'Exec', proverId: 'host:127.0.0.1', assignedTo: null, timesAssigned: 1 }])
    expect(s.recentProofs).toMatchObject([{ batch: 1, proverType: 'Exec', checked: 'public_values', proofBytes: 0 }])
    expect(s.refusals.byReason).toEqual({ wrong_public_values: 1, unknown_batch: 1 })
    expect(s.refusals.recent.map((r) => r.reason)).toEqual(['unknown_batch', 'wrong_public_values'])
  })

  it('unknown paths stay 404 and /metrics is still served', async () => {
    expect((await fetch(`${base}/status/x`)).status).toBe(404)
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('tessera_coordinator_batches{state="proven",prover_type="Exec"} 1')
  })

  it('GET /status renders in headless Chromium with no script and no request beyond the page', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(true)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
    const page = await browser.newPage()
    const requested: string[] = []
    page.on('request', (r) => requested.push(r.url()))
    const response = await page.goto(`${base}/status`)
    expect(response?.status()).toBe(200)
    expect(await page.title()).toBe('Tessera coordinator')
    expect(requested).toEqual([`${base}/status`])
    expect(await page.evaluate(() => document.scripts.length)).toBe(0)
    const tables = await page.$$eval('h2', (hs) =>
      Object.fromEntries(hs.map((h) => [h.textContent, h.nextElementSibling?.tagName === 'TABLE' ? [...h.nextElementSibling.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)) : h.nextElementSibling?.textContent])),
    )
    expect(tables['Batches by state']).toEqual([['Exec', '1', '1', '1']])
    expect((tables['Provers seen'] as string[][]).map((r) => r[0])).toEqual([HOSTILE_ID, 'prover-a'])
    expect((tables['Being proven'] as string[][])[0].slice(0, 4)).toEqual(['2', 'Exec', '', '127.0.0.1'])
    expect((tables['Recent proofs'] as string[][])[0]).toEqual(expect.arrayContaining(['1', 'Exec', 'public_values']))
    expect(tables['Refusals by reason']).toEqual(expect.arrayContaining([['wrong_public_values', '1'], ['unknown_batch', '1']]))
    expect(tables['Connections dropped without a reply']).toBe('none since start')
    await page.screenshot({ path: join(dir, 'status.png'), fullPage: true })
  }, 60_000)

  it('tessera coordinator --metrics serves the page beside /metrics', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()]
    const p = runCli(['coordinator', '--source', DEVNET_DIR, '--db', join(dir, 'cli.db'), '--listen', `127.0.0.1:${port}`, '--metrics', `127.0.0.1:${metricsPort}`, '--source-poll-interval', '0', '--verify-workers', '1'])
    try {
      await p.waitFor(/status page at \/status/, 60_000)
      const s = (await (await fetch(`http://127.0.0.1:${metricsPort}/status.json`)).json()) as CoordinatorStatus
      expect(s.batches.byType).toEqual([{ proverType: 'Exec', pending: 4, assigned: 0, proven: 0 }])
      const html = await (await fetch(`http://127.0.0.1:${metricsPort}/status`)).text()
      expect(html).toContain('<h2>Batches by state</h2>')
    } finally {
      p.kill('SIGKILL')
      await p.exited
    }
  }, 90_000)
})
