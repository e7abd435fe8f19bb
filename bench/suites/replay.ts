import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { encodeProgramInput } from '../../guest/input.js'
import { createExecutePool, transferable } from '../../src/pool/execute.js'
import { cacheFileToProgramInput, checkCacheFile } from '../../src/witness/cache.js'
import type { BenchSuite, Measurement, Ratio } from '../types.js'

/**
 * Replay throughput of the execute pool for 1..N workers over a fixed set: the bundled Hoodi cache block
 * (plus any cache files in TESSERA_BENCH_CACHES, comma-separated), each input repeated to give every worker
 * several tasks. Reports blocks/s and Mgas/s of wall time per worker count, the scaling ratio
 * N-workers / 1-worker (target >= 0.9 x N), and the cost of moving a 10 MB input to a worker.
 */
const HOODI_REL = 'shared/fixtures/replay/cache_hoodi_1265656.json'
// ../shared beside the repo, seen from bench/suites (sources) or dist/bench/suites (compiled).
const HOODI = [`../../../${HOODI_REL}`, `../../../../${HOODI_REL}`]
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((p) => existsSync(p)) ?? `../${HOODI_REL}`

async function loadInputs(): Promise<{ bytes: Uint8Array; gas: bigint }[]> {
  const paths = [HOODI, ...(process.env.TESSERA_BENCH_CACHES?.split(',').filter(Boolean) ?? [])]
  const out: { bytes: Uint8Array; gas: bigint }[] = []
  for (const p of paths) {
    const cache = checkCacheFile(JSON.parse(await readFile(p, 'utf8')))
    const gas = cache.blocks.reduce((g, b) => g + BigInt(b.header.gasUsed as string), 0n)
    out.push({ bytes: encodeProgramInput(cacheFileToProgramInput(cache)), gas })
  }
  return out
}

export const replaySuite: BenchSuite = {
  name: 'replay',
  description: 'execute-pool replay throughput (blocks/s, Mgas/s) for 1..N workers, scaling ratio, transfer overhead',
  async run(opts) {
    const inputs = await loadInputs()
    const cores = availableParallelism()
    const counts = Array.from({ length: cores }, (_, i) => i + 1)
    const rounds = opts.quick ? 2 : 6
    const measurements: Measurement[] = []
    const ratios: Ratio[] = []
    const notes: string[] = [`${inputs.length} input(s) x ${rounds} per worker; ${cores} cores available (shared machines skew scaling)`]
    const perWorker: Record<number, number> = {}
    for (const w of counts) {
      const pool = createExecutePool({ workers: w })
      try {
        // Warm every worker (module load, KZG setup, JIT).
        await Promise.all(Array.from({ length: w }, () => pool.run(inputs[0].bytes.slice())))
        const tasks = Array.from({ length: rounds * w }, (_, i) => inputs[i % inputs.length])
        const start = performance.now()
        const results = await Promise.all(tasks.map((t) => pool.run(t.bytes.slice())))
        const seconds = (performance.now() - start) / 1000
        const gas = results.reduce((g, r) => g + Number(r.gasUsed), 0)
        const blocks = results.reduce((n, r) => n + r.blocks, 0)
        perWorker[w] = blocks / seconds
        opts.log(`replay: ${w} worker(s): ${(blocks / seconds).toFixed(2)} blocks/s, ${(gas / 1e6 / seconds).toFixed(2)} Mgas/s`)
        const group = `replay ${w} worker(s)`
        measurements.push(
          { group, name: 'blocks/s', value: blocks / seconds, unit: 'blocks/s', samples: tasks.length, rme: 0 },
          { group, name: 'Mgas/s', value: gas / 1e6 / seconds, unit: 'Mgas/s', samples: tasks.length, rme: 0 },
        )
        if (w > 1) ratios.push({ group: 'replay scaling', name: `${w} workers`, baseline: '1 worker', ratio: perWorker[w] / perWorker[1] })
      } finally {
        await pool.destroy()
      }
    }
    // Transfer overhead: a 10 MB buffer moved to a worker and acknowledged, vs one execution of the input.
    const pool = createExecutePool({ workers: 1, selftest: true })
    try {
      const big = new Uint8Array(10 * 1024 * 1024)
      const n = opts.quick ? 5 : 20
      await pool.runTask({ kind: 'selftest', action: 'echo' })
      let t = performance.now()
      for (let i = 0; i < n; i++) {
        const buf = transferable(big.slice())
        await pool.runTask({ kind: 'selftest', action: 'echo', bytes: buf }, [buf])
      }
      const moveMs = (performance.now() - t) / n
      t = performance.now()
      let execMs = 0
      for (let i = 0; i < n; i++) execMs += (await pool.run(inputs[0].bytes.slice())).ms
      execMs /= n
      measurements.push({ group: 'transfer', name: '10MB move+ack', value: 1000 / moveMs, unit: 'tasks/s', samples: n, rme: 0 })
      notes.push(`10 MB transfer round trip ${moveMs.toFixed(2)} ms (includes the copy made to build the buffer); one Hoodi block executes in ${execMs.toFixed(0)} ms`)
    } finally {
      await pool.destroy()
    }
    return { suite: 'replay', measurements, ratios, notes }
  },
}

// Standalone: node dist/bench/suites/replay.js [--quick] > replay.json
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick')
  replaySuite.run({ quick, timeMs: 1000, log: (l) => console.error(l) }).then((r) => console.log(JSON.stringify(r, null, 2)))
}
