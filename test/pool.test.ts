import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Piscina } from 'piscina'
import { BlockInvalid, WitnessInvalid } from '../guest/errors.js'
import { encodeProgramInput } from '../guest/input.js'
import { createExecutePool, discardPrestartedPool, prestartExecutePool, transferable } from '../src/pool/execute.js'
import { PoolDestroyed, WorkerFailed } from '../src/pool/errors.js'
import { destroyWhenLoaded } from '../src/pool/loaded.js'
import { cacheFileToProgramInput, checkCacheFile } from '../src/witness/cache.js'
import { toHex } from '../src/witness/hex.js'

const pool = createExecutePool({ workers: 2, selftest: true, maxHeapMb: 256 })
afterAll(() => pool.destroy())

describe('execute pool', () => {
  it('moves the input buffer instead of copying it', async () => {
    const bytes = new Uint8Array(1 << 20).fill(7)
    const buf = transferable(bytes)
    const r = await pool.runTask<{ byteLength: number; first: number }>({ kind: 'selftest', action: 'echo', bytes: buf }, [buf])
    expect(r).toMatchObject({ byteLength: 1 << 20, first: 7 })
    expect(buf.byteLength).toBe(0) // detached: ownership moved to the worker
  })

  it('hands queued tasks out in the order they were submitted', async () => {
    // One worker: every task after the first waits in the queue. Piscina's default sends a task it cannot start
    // at once to the back of the queue, which would run these out of order (and break largest-first scheduling).
    const one = createExecutePool({ workers: 1, selftest: true })
    try {
      const done: number[] = []
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const buf = new Uint8Array([i]).buffer
          return one.runTask<{ first: number }>({ kind: 'selftest', action: 'echo', bytes: buf }, [buf]).then((r) => done.push(r.first))
        }),
      )
      expect(done).toEqual(Array.from({ length: 12 }, (_, i) => i))
    } finally {
      await one.destroy()
    }
  })

  it('a prestarted pool is adopted by the first createExecutePool with the same options, and only by it', async () => {
    const echo = (p: ReturnType<typeof createExecutePool>) => p.runTask({ kind: 'no-such-kind' })
    const early = prestartExecutePool({ workers: 1, startWorkers: 1 })
    const adopted = createExecutePool({ workers: 1, startWorkers: 1 })
    expect(adopted).toBe(early)
    const second = createExecutePool({ workers: 1, startWorkers: 1 })
    expect(second).not.toBe(early) // adopted once only
    await second.destroy()
    await adopted.destroy()
    // Other options: a new pool, and the prestarted one is stopped rather than left running.
    const unused = prestartExecutePool({ workers: 1, startWorkers: 1 })
    const other = createExecutePool({ workers: 2, startWorkers: 1 })
    expect(other).not.toBe(unused)
    await expect(echo(other)).rejects.toThrow(/unknown task kind/) // a live pool answers
    await other.destroy()
    await new Promise((r) => setTimeout(r, 50))
    await expect(echo(unused)).rejects.toThrow(PoolDestroyed)
    // Never adopted: discardPrestartedPool stops it.
    const left = prestartExecutePool({ workers: 1, startWorkers: 1 })
    await discardPrestartedPool()
    await expect(echo(left)).rejects.toThrow(PoolDestroyed)
  })

  it('destroy waits until every started worker has loaded its module (or exited), then stops the pool', async () => {
    const fake = Object.assign(new EventEmitter(), {
      threads: [{ threadId: 7 }, { threadId: 8 }],
      destroyed: false,
      async destroy() {
        this.destroyed = true
      },
    })
    const destroy = destroyWhenLoaded(fake as unknown as Piscina)
    const done = destroy()
    await new Promise((r) => setTimeout(r, 120))
    expect(fake.destroyed).toBe(false)
    fake.emit('message', { tesseraWorkerLoaded: 7 })
    fake.emit('message', { unrelated: 8 })
    await new Promise((r) => setTimeout(r, 120))
    expect(fake.destroyed).toBe(false) // thread 8 is still loading
    fake.threads[1]!.threadId = -1 // it exited instead
    fake.emit('workerDestroy')
    await done
    expect(fake.destroyed).toBe(true)
  })

  it('pools stopped while their worker is still loading do not abort the process (Node 20 aborts on such a terminate)', () => {
    // Destroyed at delays spread over the worker's loading time. Without the wait, this aborted the process
    // ("IsGraphAsync must be used on an instantiated module") in about one run in four.
    const pool = pathToFileURL(resolve(__dirname, '../dist/src/pool/execute.js')).href
    const script = `import { createExecutePool } from ${JSON.stringify(pool)}
      for (let i = 0; i < 24; i++) {
        const pool = createExecutePool({ workers: 1 })
        await new Promise((r) => setTimeout(r, (i * 29) % 320))
        await pool.destroy()
      }`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
  }, 130_000)

  it('a worker calling process.exit fails only its task; the pool goes on', async () => {
    const results = await Promise.allSettled([
      pool.runTask({ kind: 'selftest', action: 'exit' }),
      ...Array.from({ length: 4 }, () => pool.runTask({ kind: 'selftest', action: 'echo' })),
    ])
    expect(results[0].status).toBe('rejected')
    const err = (results[0] as PromiseRejectedResult).reason
    expect(err).toBeInstanceOf(WorkerFailed)
    expect(err.message).toMatch(/worker died while running selftest/)
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true)
    await expect(pool.runTask({ kind: 'selftest', action: 'echo' })).resolves.toMatchObject({ ok: true })
  })

  it('a worker running out of memory fails only its task', async () => {
    const [oom, ok] = await Promise.allSettled([
      pool.runTask({ kind: 'selftest', action: 'oom' }),
      pool.runTask({ kind: 'selftest', action: 'echo' }),
    ])
    expect(oom.status).toBe('rejected')
    expect((oom as PromiseRejectedResult).reason).toBeInstanceOf(WorkerFailed)
    expect((oom as PromiseRejectedResult).reason.message).toMatch(/out of memory/)
    expect(ok.status).toBe('fulfilled')
    await expect(pool.runTask({ kind: 'selftest', action: 'echo' })).resolves.toMatchObject({ ok: true })
  }, 60_000)

  it('a thrown error comes back as an Error; unknown kinds are refused', async () => {
    await expect(pool.runTask({ kind: 'selftest', action: 'throw' })).rejects.toThrow(/thrown on purpose/)
    await expect(pool.runTask({ kind: 'nope' })).rejects.toThrow(/unknown task kind 'nope'/)
  })

  it('guest errors keep their class and fields across the thread boundary', async () => {
    const err = await pool.run(new Uint8Array([1, 2, 3])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WitnessInvalid)
    expect((err as WitnessInvalid).field).toBe('input')
  })

  it('executes the Hoodi cache block and rejects a tampered copy with BlockInvalid', async () => {
    const json = JSON.parse(readFileSync('../shared/fixtures/replay/cache_hoodi_1265656.json', 'utf8'))
    const input = cacheFileToProgramInput(checkCacheFile(json))
    const r = await pool.run(encodeProgramInput(input))
    expect(toHex(r.output.finalStateRoot)).toBe(json.blocks[0].header.stateRoot)
    expect(r.transactions).toBe(json.blocks[0].body.transactions.length)
    expect(r.gasUsed).toBe(BigInt(json.blocks[0].header.gasUsed))
    json.blocks[0].header.gasUsed = '0x1'
    json.blocks[0].header.hash = undefined
    const bad = await (async () => pool.run(encodeProgramInput(cacheFileToProgramInput(checkCacheFile(json)))))().catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(Error)
    expect((bad as Error).name).toMatch(/BlockInvalid|WitnessInvalid/)
    void BlockInvalid
  }, 60_000)
})
