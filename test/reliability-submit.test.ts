import * as fs from 'node:fs'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mockPublicValues } from '../src/backend/index.js'
import { Refused } from '../src/protocol/refusal.js'
import type { StateDirFs } from '../src/prover/pendingProofs.js'
import { Prover, type ProverOptions } from '../src/prover/prover.js'
import { captureLog, freePort, syntheticInput } from './support/coordinator-kit.js'
import { onCleanup, rejection, request, startCoordinator, submit, tempDir, until, valuesOf } from './support/reliability-kit.js'

/**
 * Issue 13, item 1: a finished proof is never thrown away. No reply is not a refusal; the proof waits in
 * --state-dir across the prover's restart; the coordinator answers every submit it stores, however long
 * verification takes; only an explicit refusal ends the attempts.
 */

function prover(port: number, over: Partial<ProverOptions> = {}) {
  const log = captureLog()
  const p = new Prover({
    coordinators: [{ host: '127.0.0.1', port }],
    backend: 'mock',
    proverType: 'Exec',
    version: 'v',
    workers: 1,
    pollIntervalMs: 20,
    maxBackoffMs: 50,
    requestTimeoutMs: 5000,
    logger: log.logger,
    prove: async (_b, input) => ({ proof: new Uint8Array(0), publicValues: mockPublicValues(input) }),
    ...over,
  })
  onCleanup(() => p.abort())
  return { prover: p, lines: log.lines }
}

/** A server on `port` that accepts and closes every connection without a byte: "no reply". */
async function silentCloser(port: number): Promise<{ connections: () => number; close: () => Promise<void> }> {
  let n = 0
  const server = net.createServer((s) => {
    n++
    s.destroy()
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  return { connections: () => n, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('a finished proof is never lost', () => {
  it('survives many closes without reply and the prover\'s own restart; stored exactly once', async () => {
    const stateDir = tempDir()
    const db = join(tempDir(), 'c.db')
    const port = await freePort()
    const first = await startCoordinator({ inputs: [syntheticInput(1)], dbPath: db, port })
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const a = prover(port, {
      stateDir,
      prove: async (_b, input) => {
        await gate
        return { proof: new Uint8Array(0), publicValues: mockPublicValues(input) }
      },
    })
    const runA = a.prover.run()
    await until('batch assigned', () => first.store.assignment(1, 'Exec') !== undefined)
    // The coordinator goes away; in its place something that closes every connection without a reply.
    await first.coordinator.close()
    first.store.close()
    const closer = await silentCloser(port)
    release()
    await until('at least 6 unanswered submits (the old prover gave up after 3)', () => closer.connections() >= 6)
    expect(existsSync(join(stateDir, 'pending'))).toBe(true)
    expect(readdirSync(join(stateDir, 'pending'))).toHaveLength(1)
    a.prover.stop()
    expect(await runA).toMatchObject({ reason: 'stopped', proven: 0, failed: 0, unsent: 1 })
    await closer.close()

    // A new prover process (same state dir, same prover id) and the coordinator back on the same database.
    const second = await startCoordinator({ dbPath: db, port })
    const b = prover(port, { stateDir, exitWhenIdle: true, prove: async () => expect.unreachable('nothing left to prove') })
    expect(await b.prover.run()).toEqual({ reason: 'idle', proven: 1, failed: 0, unsent: 0, notPersisted: 0 })
    expect(second.store.proof(1, 'Exec')?.publicValues).toEqual(valuesOf(syntheticInput(1)))
    expect(readdirSync(join(stateDir, 'pending'))).toEqual([])
  }, 30_000)

  it('an explicit refusal ends the attempts; the refused proof is kept aside with the reason', async () => {
    const stateDir = tempDir()
    const c = await startCoordinator({ inputs: [syntheticInput(1)] })
    const p = prover(c.address.port, { stateDir, exitWhenIdle: true, prove: async () => ({ proof: new Uint8Array(0), publicValues: new Uint8Array(160) }) })
    expect(await p.prover.run()).toEqual({ reason: 'idle', proven: 0, failed: 1, unsent: 0, notPersisted: 0 })
    const refused = readdirSync(join(stateDir, 'refused'))
    expect(refused).toHaveLength(1)
    expect(JSON.parse(readFileSync(join(stateDir, 'refused', refused[0]), 'utf8')).refused).toMatch(/wrong_public_values/)
    expect(p.lines.some((l) => l.msg === 'coordinator refused the proof' && l.reason === 'wrong_public_values')).toBe(true)
  })

  it('retries after an internal error (Refused{internal, retry}) instead of giving up', async () => {
    const c = await startCoordinator({ inputs: [syntheticInput(1)] })
    const addProof = c.store.addProof.bind(c.store)
    let failures = 3
    c.store.addProof = (p) => {
      if (failures-- > 0) throw new Error('disk I/O error (simulated)')
      return addProof(p)
    }
    const p = prover(c.address.port, { exitWhenIdle: true })
    expect(await p.prover.run()).toEqual({ reason: 'idle', proven: 1, failed: 0, unsent: 0, notPersisted: 0 })
    expect(c.store.proof(1, 'Exec')).toBeDefined()
    expect(c.lines.filter((l) => l.msg === 'internal error while handling a message')).toHaveLength(3)
  })
})

/** node:fs, failing as a full (ENOSPC on write) or read-only (EROFS on every change) disk does once `fail` says so. */
function failingFs(fail: { full?: boolean; readOnly?: boolean }): StateDirFs {
  const error = (code: string) => Object.assign(new Error(`${code}: simulated disk failure`), { code })
  const guard = <F extends (...a: never[]) => unknown>(f: F, kind: 'write' | 'change'): F =>
    ((...a: never[]) => {
      if (fail.readOnly) throw error('EROFS')
      if (fail.full && kind === 'write') throw error('ENOSPC')
      return f(...a)
    }) as F
  return {
    ...fs,
    writeSync: guard(fs.writeSync, 'write'),
    openSync: ((path: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => (flags === 'r' || flags === undefined ? fs.openSync(path, flags, mode) : guard(fs.openSync, 'change')(path as never, flags as never, mode as never))) as typeof fs.openSync,
    renameSync: guard(fs.renameSync, 'change'),
    rmSync: guard(fs.rmSync, 'change'),
  }
}

const tmpFiles = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.tmp'))

describe('a full or read-only state dir', () => {
  it('read-only after the proofs were saved: each ACK counts once, the prover says what it could not remove and exits when idle', async () => {
    const stateDir = tempDir()
    const c = await startCoordinator({ inputs: [1, 2, 3, 4].map((n) => syntheticInput(n)) })
    const fail = { readOnly: false }
    // The four proofs are saved together; the disk turns read-only (as ext4 does after an I/O error) when the
    // coordinator takes the first of them, so every ACK is followed by a removal that fails.
    const addProof = c.store.addProof.bind(c.store)
    c.store.addProof = (proof) => {
      fail.readOnly = true
      return addProof(proof)
    }
    const started: (() => void)[] = []
    const { prover: p, lines } = prover(c.address.port, {
      stateDir,
      workers: 4,
      exitWhenIdle: true,
      stateDirFs: failingFs(fail),
      prove: async (_b, input) => {
        await new Promise<void>((r) => {
          started.push(r)
          if (started.length === 4) for (const go of started) go()
        })
        return { proof: new Uint8Array(0), publicValues: mockPublicValues(input) }
      },
    })
    const summary = await Promise.race([p.run(), new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000))])
    expect(summary).toEqual({ reason: 'idle', proven: 4, failed: 0, unsent: 0, notPersisted: 4 })
    for (let b = 1; b <= 4; b++) expect(c.store.proof(b, 'Exec')).toBeDefined()
    expect(lines.filter((l) => l.msg === 'proof accepted')).toHaveLength(4)
    expect(lines.filter((l) => /pending file cannot be removed/.test(String(l.msg)))).toHaveLength(4)
    expect(readdirSync(join(stateDir, 'pending'))).toHaveLength(4) // submitted again (and ACKed as duplicates) next start
  }, 30_000)

  it('full disk from the start, then a refusal: nothing unhandled, the summary is exact, no temp files left', async () => {
    const stateDir = tempDir()
    const c = await startCoordinator({ inputs: [syntheticInput(1), syntheticInput(2)] })
    const { prover: p, lines } = prover(c.address.port, {
      stateDir,
      exitWhenIdle: true,
      stateDirFs: failingFs({ full: true }),
      // Batch 1's public values are wrong: the coordinator refuses it.
      prove: async (_b, input) => ({ proof: new Uint8Array(0), publicValues: input.length > 0 && lines.some((l) => l.msg === 'proof accepted') ? new Uint8Array(160) : mockPublicValues(input) }),
    })
    const summary = await Promise.race([p.run(), new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000))])
    // The prover id, both proofs and the refusal could not be written: four failures, each logged.
    expect(summary).toEqual({ reason: 'idle', proven: 1, failed: 1, unsent: 0, notPersisted: 4 })
    expect(lines.some((l) => /cannot write this prover's id/.test(String(l.msg)))).toBe(true)
    expect(lines.filter((l) => /cannot write the proof to the state dir/.test(String(l.msg)))).toHaveLength(2)
    expect(lines.some((l) => /cannot move the refused proof/.test(String(l.msg)))).toBe(true)
    expect(tmpFiles(stateDir)).toEqual([])
  }, 30_000)

  it('full disk when stopping with a proof unanswered: the summary says it is lost, not kept', async () => {
    const stateDir = tempDir()
    let release = () => {}
    const c = await startCoordinator({ inputs: [syntheticInput(1)], derivePublicValues: () => new Promise((r) => (release = () => r(new Uint8Array(0)))) })
    onCleanup(() => release())
    const { prover: p, lines } = prover(c.address.port, { stateDir, stateDirFs: failingFs({ full: true }), requestTimeoutMs: 500 })
    const running = p.run()
    await until('the proof was submitted', () => lines.some((l) => /cannot write the proof/.test(String(l.msg))))
    p.stop()
    expect(await running).toEqual({ reason: 'stopped', proven: 0, failed: 0, unsent: 1, notPersisted: 2 })
    expect(lines.some((l) => l.msg === 'finished proofs not yet acknowledged could not be written to the state dir and are lost')).toBe(true)
    expect(lines.some((l) => /kept in the state dir/.test(String(l.msg)))).toBe(false)
    expect(tmpFiles(stateDir)).toEqual([])
  }, 30_000)
})

describe('the coordinator answers every submit it stores', () => {
  it('verification slower than the read timeout: every submit is answered with an ACK', async () => {
    const inputs = Array.from({ length: 8 }, (_, i) => syntheticInput(i + 1))
    const c = await startCoordinator({
      inputs,
      limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 200, readDeadlineMs: 5000, maxConnections: 100 },
      derivePublicValues: async (input) => {
        await new Promise((r) => setTimeout(r, 1200)) // well past the 200 ms idle timeout
        return mockPublicValues(input)
      },
    })
    for (let i = 0; i < inputs.length; i++) await request(c.address, 'p')
    const replies = await Promise.all(inputs.map((input, i) => submit(c.address, i + 1, valuesOf(input), { proverId: 'p' })))
    expect(replies.map((r) => r.kind)).toEqual(inputs.map(() => 'ProofSubmitACK'))
    for (let b = 1; b <= inputs.length; b++) expect(c.store.proof(b, 'Exec')).toBeDefined()
  })

  it('a refusal is an explicit, typed reply, not a closed connection', async () => {
    const c = await startCoordinator({ inputs: [syntheticInput(1)] })
    const e = await rejection(submit(c.address, 1, valuesOf(syntheticInput(1))))
    expect(e).toBeInstanceOf(Refused)
    expect((e as Refused).reason).toBe('unassigned')
    expect((e as Refused).retry).toBe(false)
  })

  it('a coordinator stopped while it verifies a submit refuses it (shutting_down, retry) and stores nothing', async () => {
    let release = () => {}
    let deriving = false
    const c = await startCoordinator({
      inputs: [syntheticInput(1)],
      derivePublicValues: (input) => {
        deriving = true
        return new Promise((r) => (release = () => r(mockPublicValues(input))))
      },
    })
    await request(c.address, 'p')
    const answer = submit(c.address, 1, valuesOf(syntheticInput(1)), { proverId: 'p' }).then(
      (m) => m,
      (e: unknown) => e,
    )
    await until('verification running', () => deriving)
    await c.coordinator.close()
    const e = await answer
    expect(e).toBeInstanceOf(Refused)
    expect(e).toMatchObject({ reason: 'shutting_down', retry: true })
    release() // verification finishes after the stop: nothing is stored behind the prover's back
    await new Promise((r) => setTimeout(r, 50))
    expect(c.store.proof(1, 'Exec')).toBeUndefined()
    expect(c.lines.some((l) => l.reason === 'peer_gone')).toBe(false)
  })

  it('a prover stopped while its batch request is on the way does not start proving the batch it gets', async () => {
    const c = await startCoordinator({ inputs: [syntheticInput(1)] })
    const handle = c.coordinator.handle.bind(c.coordinator)
    let asked = false
    let answer = () => {}
    c.coordinator.handle = async (msg, peer) => {
      if (msg.kind === 'BatchRequest') {
        asked = true
        await new Promise<void>((r) => (answer = r))
      }
      return handle(msg, peer)
    }
    let proving = 0
    const p = prover(c.address.port, {
      prove: async (_b, input) => {
        proving++
        return { proof: new Uint8Array(0), publicValues: mockPublicValues(input) }
      },
    })
    const running = p.prover.run()
    await until('the batch request is on its way', () => asked)
    p.prover.stop()
    answer()
    expect(await running).toEqual({ reason: 'stopped', proven: 0, failed: 0, unsent: 0, notPersisted: 0 })
    expect(proving).toBe(0)
    expect(p.lines.some((l) => l.msg === 'batch assigned while stopping; not proving it (the coordinator reassigns it after its timeout)')).toBe(true)
  })
})
