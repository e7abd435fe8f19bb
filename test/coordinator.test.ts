import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { mockPublicValues } from '../src/backend/index.js'
import { Coordinator, type CoordinatorOptions } from '../src/coordinator/coordinator.js'
import { createCoordinatorMetrics, serveMetrics } from '../src/coordinator/metrics.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { captureLog, rawExchange, syntheticInput } from './support/coordinator-kit.js'
import { Refused, type RefusalReason } from '../src/protocol/refusal.js'
import { encodeMessage, type Message, type ProverType } from '../src/protocol/messages.js'
import { sendMessage, type Address } from '../src/protocol/transport.js'
import { Prover } from '../src/prover/prover.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-coord-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function addSyntheticBatches(store: CoordinatorStore, count: number, from = 1): void {
  store.addBatches(
    Array.from({ length: count }, (_, i) => ({
      source: `synthetic-${from + i}`,
      firstBlock: from + i,
      lastBlock: from + i,
      input: encodeProgramInput(syntheticInput(from + i)),
    })),
  )
}

interface Started {
  coordinator: Coordinator
  store: CoordinatorStore
  address: Address
  lines: Record<string, unknown>[]
  dbPath: string
  opts: CoordinatorOptions
}

async function startCoordinator(over: Partial<CoordinatorOptions> & { batches?: number; dbPath?: string } = {}): Promise<Started> {
  const dbPath = over.dbPath ?? join(tempDir(), 'coordinator.db')
  const store = new CoordinatorStore(dbPath)
  if (over.batches) addSyntheticBatches(store, over.batches)
  const { logger, lines } = captureLog()
  const requiredTypes = over.requiredTypes ?? ['Exec']
  const proverTimeoutMs = over.proverTimeoutMs ?? 60_000
  const opts: CoordinatorOptions = {
    store,
    version: 'test-1',
    requiredTypes,
    proverTimeoutMs,
    limits: { maxMessageBytes: 64 * 1024, idleTimeoutMs: 300, readDeadlineMs: 3000, maxConnections: 1000 },
    logger,
    metrics: createCoordinatorMetrics(store, requiredTypes, proverTimeoutMs),
    derivePublicValues: async (input) => mockPublicValues(input),
    ...over,
  }
  const coordinator = new Coordinator(opts)
  const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(async () => {
    await coordinator.close()
    store.close()
  })
  return { coordinator, store, address, lines, dbPath, opts }
}

const send = (a: Address, m: Message) => sendMessage(a, m, { timeoutMs: 5000 })
const request = (a: Address, proverType: ProverType = 'Exec', extra: Partial<Message> = {}) =>
  send(a, { kind: 'BatchRequest', commitHash: 'test-1', proverType, ...extra } as Message)
const submit = (a: Address, batchNumber: number, publicValues: Uint8Array, proverType: ProverType = 'Exec', authToken?: string, proverId?: string) =>
  send(a, { kind: 'ProofSubmit', batchNumber, batchProof: { proverType, proof: new Uint8Array(0), publicValues }, authToken, proverId })

function rightValues(n: number): Uint8Array {
  return mockPublicValues(encodeProgramInput(syntheticInput(n)))
}

/** The coordinator answered with an explicit refusal (with this reason, when given). */
async function expectRefused(p: Promise<unknown>, reason?: RefusalReason): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(Refused)
  if (reason) expect((e as Refused).reason).toBe(reason)
}

/** The server still answers a normal request. */
async function stillServes(a: Address): Promise<void> {
  const r = await send(a, { kind: 'BatchRequest', commitHash: 'test-1', proverType: 'SP1' })
  expect(r.kind).toMatch(/ProverTypeNotNeeded|BatchResponse/)
}

describe('coordinator assignment', () => {
  it('hands out batches in order, skips assigned ones, and reassigns after the timeout', async () => {
    // The coordinator's clock is Date.now: frozen here, so a loaded machine taking longer than the timeout
    // between two requests cannot expire an assignment early. Timers (socket deadlines) stay real.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const { address } = await startCoordinator({ batches: 2, proverTimeoutMs: 400 })
      const r1 = await request(address)
      const r2 = await request(address)
      const r3 = await request(address)
      expect(r1).toMatchObject({ kind: 'BatchResponse', batchNumber: 1, format: 'Groth16' })
      expect(r1.kind === 'BatchResponse' && r1.input?.programInput()).toEqual(syntheticInput(1))
      expect(r2).toMatchObject({ kind: 'BatchResponse', batchNumber: 2 })
      expect(r3).toEqual({ kind: 'BatchResponse', batchNumber: null, input: null, format: null })
      vi.setSystemTime(Date.now() + 399)
      expect(await request(address)).toEqual({ kind: 'BatchResponse', batchNumber: null, input: null, format: null })
      vi.setSystemTime(Date.now() + 2)
      expect(await request(address)).toMatchObject({ batchNumber: 1 })
    } finally {
      vi.useRealTimers()
    }
  })

  it('lets different prover types prove the same batch and refuses types not required', async () => {
    const { address } = await startCoordinator({ batches: 1, requiredTypes: ['Exec', 'SP1'] })
    expect(await request(address, 'Exec')).toMatchObject({ batchNumber: 1 })
    expect(await request(address, 'SP1')).toMatchObject({ batchNumber: 1 })
    expect(await request(address, 'RISC0')).toEqual({ kind: 'ProverTypeNotNeeded', proverType: 'RISC0' })
  })

  it('answers VersionMismatch to another version and assigns nothing', async () => {
    const { address, store } = await startCoordinator({ batches: 1 })
    expect(await send(address, { kind: 'BatchRequest', commitHash: 'old', proverType: 'Exec' })).toEqual({ kind: 'VersionMismatch' })
    expect(store.assignment(1, 'Exec')).toBeUndefined()
  })
})

describe('coordinator proof submission', () => {
  it('accepts a correct proof once, acknowledges duplicates, and never hands the batch out again', async () => {
    const { address, store } = await startCoordinator({ batches: 1, proverTimeoutMs: 1 })
    await request(address)
    expect(await submit(address, 1, rightValues(1))).toEqual({ kind: 'ProofSubmitACK', batchNumber: 1 })
    expect(await submit(address, 1, rightValues(1))).toEqual({ kind: 'ProofSubmitACK', batchNumber: 1 })
    expect(store.proof(1, 'Exec')?.publicValues).toEqual(rightValues(1))
    await new Promise((r) => setTimeout(r, 5))
    expect(await request(address)).toMatchObject({ batchNumber: null })
  })

  it('refuses forged, unassigned, wrong and conflicting proofs, logs them, and keeps serving', async () => {
    const { address, store, lines } = await startCoordinator({ batches: 2, requiredTypes: ['Exec', 'SP1'] })
    await expectRefused(submit(address, 1, rightValues(1))) // never assigned
    await expectRefused(submit(address, 99, rightValues(1))) // no such batch
    await expectRefused(submit(address, 1, rightValues(1), 'RISC0')) // type not wanted
    await request(address) // batch 1 -> Exec
    await expectRefused(submit(address, 1, new Uint8Array(160).fill(7))) // wrong public values
    await expectRefused(submit(address, 1, rightValues(2))) // another batch's values
    await expectRefused(submit(address, 1, rightValues(1), 'SP1')) // assigned to Exec, not SP1
    expect(store.proof(1, 'Exec')).toBeUndefined()
    expect(await submit(address, 1, rightValues(1))).toMatchObject({ kind: 'ProofSubmitACK' })
    await expectRefused(send(address, { kind: 'ProofSubmit', batchNumber: 1, batchProof: { proverType: 'Exec', proof: Uint8Array.of(1), publicValues: rightValues(1) } }), 'conflicting_duplicate')
    expect(store.proof(1, 'Exec')?.proof).toEqual(new Uint8Array(0))
    const reasons = lines.filter((l) => l.reason).map((l) => l.reason)
    expect(reasons).toEqual(['unassigned', 'unknown_batch', 'type_not_needed', 'wrong_public_values', 'wrong_public_values', 'unassigned', 'conflicting_duplicate'])
    await stillServes(address)
  })

  it('derives the expected public values once per batch and keeps them', async () => {
    let derivations = 0
    const { address, store } = await startCoordinator({
      batches: 1,
      derivePublicValues: async (input) => {
        derivations++
        await new Promise((r) => setTimeout(r, 50))
        return mockPublicValues(input)
      },
    })
    await request(address)
    const replies = await Promise.all([submit(address, 1, rightValues(1)), submit(address, 1, rightValues(1)), submit(address, 1, rightValues(1))])
    expect(replies.every((r) => r.kind === 'ProofSubmitACK')).toBe(true)
    expect(derivations).toBe(1)
    expect(store.expectedPublicValues(1)).toEqual(rightValues(1))
  })

  it('refuses a proof when the batch cannot be re-executed', async () => {
    const { address } = await startCoordinator({
      batches: 1,
      derivePublicValues: async () => {
        throw new Error('block 1 invalid: state root')
      },
    })
    await request(address)
    await expectRefused(submit(address, 1, rightValues(1)), 'unverifiable')
    await stillServes(address)
  })
})

describe('coordinator input handling', () => {
  it('closes malformed, truncated, unknown and oversized messages without reply, refuses non-requests explicitly, and keeps serving', async () => {
    const { address, lines, opts } = await startCoordinator({ batches: 1 })
    const probes: (string | Uint8Array)[] = [
      'this is not json',
      '{"BatchRequest":{"commit_hash":"test-1","prover_type":"Exec"', // truncated
      '{"StealBatch":{"batch_number":1}}', // unknown variant
      '"Shutdown"',
      `{"BatchRequest":{"commit_hash":"${'x'.repeat(70 * 1024)}","prover_type":"Exec"}}`, // oversized
      encodeMessage({ kind: 'ProofSubmitACK', batchNumber: 1 }), // valid, but not a request
      new Uint8Array(0), // empty
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff), // garbage bytes
      '\u0000\u0000\u0000\u0000{"BatchRequest":{"commit_hash":"test-1","prover_type":"Exec"}}', // length-prefixed framing
    ]
    for (const p of probes) {
      const r = await rawExchange(address.port, p)
      // A valid message that is not a request gets an explicit refusal; non-messages get nothing.
      if (p === probes[5]) expect(JSON.parse(r.reply.toString())).toMatchObject({ Refused: { reason: 'unexpected', retry: false } })
      else expect(r.reply.length).toBe(0)
      expect(r.closedByServer).toBe(true)
    }
    const reasons = lines.filter((l) => l.reason).map((l) => l.reason)
    expect(reasons).toEqual(['malformed', 'malformed', 'unknown_variant', 'unknown_variant', 'oversized', 'unexpected', 'malformed', 'malformed', 'malformed'])
    expect(opts.metrics && (await opts.metrics.registry.getSingleMetricAsString('tessera_coordinator_dropped_connections_total'))).toMatch(
      /reason="oversized"} 1/,
    )
    expect(await request(address)).toMatchObject({ batchNumber: 1 })
  })

  it('survives raw probes: a 1 GB length claim, half-open and silent connections are dropped by the idle timeout', async () => {
    const { address } = await startCoordinator({ batches: 3 })
    // A client that claims a huge length and streams more than the limit without half-closing.
    const claim = Buffer.alloc(64 * 1024 + 16)
    claim.writeUInt32BE(0x40000000, 0)
    claim.writeBigUInt64BE(1n << 30n, 4)
    const big = rawExchange(address.port, claim, { halfClose: false, timeoutMs: 5000 })
    // Silent connections (never send), and half-open ones that send part of a message then stop.
    const silent = Array.from({ length: 20 }, () => rawExchange(address.port, '', { halfClose: false, timeoutMs: 5000 }))
    const partial = Array.from({ length: 20 }, () => rawExchange(address.port, '{"BatchRequest":{"comm', { halfClose: false, timeoutMs: 5000 }))
    // Meanwhile real provers are served.
    expect(await request(address)).toMatchObject({ batchNumber: 1 })
    expect(await request(address)).toMatchObject({ batchNumber: 2 })
    for (const r of await Promise.all([big, ...silent, ...partial])) {
      expect(r.closedByServer).toBe(true) // closed by the server (limit or idle timeout), not by our 5 s guard
      expect(r.reply.length).toBe(0)
    }
    expect(await request(address)).toMatchObject({ batchNumber: 3 })
  })

  it('cuts off a client streaming an endless message at the size limit, and bounds bytes held across connections', async () => {
    const { address, lines } = await startCoordinator({
      batches: 1,
      limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 2000, readDeadlineMs: 5000, maxConnections: 100, maxBufferedBytes: 1 << 20 },
    })
    const stream = (max: number) =>
      new Promise<{ sent: number; closed: boolean }>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: address.port })
        const chunk = Buffer.alloc(256 * 1024, 0x5b) // '[' forever
        let sent = 0
        let closed = false
        const pump = () => {
          while (!closed && sent < max) {
            sent += chunk.length
            if (!socket.write(chunk)) return socket.once('drain', pump)
          }
          if (!closed) resolve({ sent, closed: false })
        }
        socket.on('connect', pump)
        socket.on('error', () => {})
        socket.on('close', () => {
          closed = true
          resolve({ sent, closed: true })
        })
      })
    const r = await stream(64 << 20)
    expect(r.closed).toBe(true)
    expect(r.sent).toBeLessThan(64 << 20)
    // Two clients each below the per-message limit but together above the shared budget: one is dropped.
    const a = net.connect({ host: '127.0.0.1', port: address.port })
    await new Promise((res) => a.on('connect', res))
    a.on('error', () => {})
    a.write(Buffer.alloc(700 * 1024, 0x20))
    await new Promise((res) => setTimeout(res, 100))
    const b = await rawExchange(address.port, Buffer.alloc(700 * 1024, 0x20), { halfClose: false, timeoutMs: 3000 })
    expect(b.closedByServer).toBe(true)
    a.destroy()
    expect(lines.filter((l) => l.reason === 'oversized').length).toBe(1)
    expect(lines.filter((l) => l.reason === 'buffer_full').length).toBe(1)
    expect(await request(address)).toMatchObject({ batchNumber: 1 })
  })

  it('drops a client that trickles bytes past the read deadline', async () => {
    const { address } = await startCoordinator({ batches: 1, limits: { maxMessageBytes: 1024, idleTimeoutMs: 200, readDeadlineMs: 600, maxConnections: 10 } })
    const socket = net.connect({ host: '127.0.0.1', port: address.port })
    const timer = setInterval(() => socket.write(' '), 100)
    const closed = await new Promise<boolean>((resolve) => {
      socket.on('close', () => resolve(true))
      socket.on('error', () => {})
      setTimeout(() => resolve(false), 5000)
    })
    clearInterval(timer)
    socket.destroy()
    expect(closed).toBe(true)
    await stillServes(address)
  })

  it('requires the auth token when configured', async () => {
    const { address, lines } = await startCoordinator({ batches: 1, authToken: 'hunter2' })
    await expectRefused(request(address), 'auth')
    await expectRefused(request(address, 'Exec', { authToken: 'hunter3' } as Partial<Message>), 'auth')
    const r = await request(address, 'Exec', { authToken: 'hunter2' } as Partial<Message>)
    expect(r).toMatchObject({ batchNumber: 1 })
    await expectRefused(submit(address, 1, rightValues(1)))
    expect(await submit(address, 1, rightValues(1), 'Exec', 'hunter2')).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(lines.filter((l) => l.reason === 'auth')).toHaveLength(3)
  })
})

describe('coordinator durability and metrics', () => {
  it('restarting on the same database loses nothing: proofs, assignments and batch numbers stay', async () => {
    const first = await startCoordinator({ batches: 3 })
    await request(first.address) // 1
    await request(first.address) // 2
    await submit(first.address, 1, rightValues(1))
    // "Kill": stop serving and drop the handle without any shutdown step.
    await first.coordinator.close()
    first.store.db.close()
    const second = await startCoordinator({ dbPath: first.dbPath })
    expect(second.store.proof(1, 'Exec')?.publicValues).toEqual(rightValues(1))
    expect(second.store.assignment(2, 'Exec')).toBeDefined()
    expect(await request(second.address)).toMatchObject({ batchNumber: 3 }) // 2 is still assigned
    expect(await submit(second.address, 2, rightValues(2))).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(await submit(second.address, 1, rightValues(1))).toMatchObject({ kind: 'ProofSubmitACK' }) // idempotent across restarts
  })

  it('serves Prometheus metrics', async () => {
    const { address, opts } = await startCoordinator({ batches: 2 })
    await request(address, 'Exec', { proverId: 'a' } as Partial<Message>)
    await submit(address, 1, rightValues(1), 'Exec', undefined, 'a')
    await request(address, 'Exec', { proverId: 'b' } as Partial<Message>)
    const server = await serveMetrics(opts.metrics!.registry, { host: '127.0.0.1', port: 0 })
    cleanups.push(() => new Promise((r) => server.close(() => r())))
    const port = (server.address() as net.AddressInfo).port
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(text).toMatch(/tessera_coordinator_batches{state="proven",prover_type="Exec"} 1/)
    expect(text).toMatch(/tessera_coordinator_batches{state="assigned",prover_type="Exec"} 1/)
    expect(text).toMatch(/tessera_coordinator_batches{state="pending",prover_type="Exec"} 0/)
    expect(text).toMatch(/tessera_coordinator_provers 2/)
    expect(text).toMatch(/tessera_coordinator_proving_seconds_count{prover_type="Exec"} 1/)
  })
})

describe('coordinator under load', () => {
  it('50 concurrent provers (Exec and SP1): every batch proven exactly once per type', async () => {
    const batches = 40
    // No SP1 verifier in this test: SP1's empty proof bytes are stored only because of trustUnverified.
    const { address, store } = await startCoordinator({ batches, requiredTypes: ['Exec', 'SP1'], trustUnverified: true, limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 5000, readDeadlineMs: 10_000, maxConnections: 1000 } })
    const proofs = new Map<string, number>()
    const provers = Array.from({ length: 50 }, (_, i) => {
      const proverType: ProverType = i % 2 === 0 ? 'Exec' : 'SP1'
      return new Prover({
        coordinators: [address],
        backend: 'mock',
        proverType,
        version: 'test-1',
        workers: 1 + (i % 3),
        pollIntervalMs: 20,
        logger: captureLog('silent').logger,
        exitWhenIdle: true,
        requestTimeoutMs: 10_000,
        prove: async (_backend, input) => {
          await new Promise((r) => setTimeout(r, 5 + (i % 7) * 3))
          const key = `${proverType}:${createHash('sha256').update(input).digest('hex')}`
          proofs.set(key, (proofs.get(key) ?? 0) + 1)
          return { proof: new Uint8Array(0), publicValues: mockPublicValues(input) }
        },
      })
    })
    const guard = setTimeout(() => provers.forEach((p) => p.stop()), 60_000)
    const summaries = await Promise.all(provers.map((p) => p.run()))
    clearTimeout(guard)
    expect(summaries.every((s) => s.reason === 'idle')).toBe(true)
    expect(summaries.reduce((n, s) => n + s.proven, 0)).toBe(batches * 2)
    expect(summaries.reduce((n, s) => n + s.failed, 0)).toBe(0)
    for (let b = 1; b <= batches; b++) {
      for (const t of ['Exec', 'SP1'] as const) {
        expect(store.proof(b, t)?.publicValues).toEqual(rightValues(b))
        expect(store.assignment(b, t)?.timesAssigned).toBe(1)
      }
    }
    expect([...proofs.values()].every((n) => n === 1)).toBe(true)
    expect(proofs.size).toBe(batches * 2)
  }, 90_000)
})
