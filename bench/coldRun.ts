import { withoutKeptPoints } from '../src/crypto/bn254.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { readInputs } from '../src/witness/formats/read.js'
import { resolveInput } from '../src/witness/formats/resolve.js'
import { executeStateless } from '../guest/execute.js'

/**
 * One witness file in a fresh process, for the guest suite's cold/warm columns: reads and resolves the input
 * (a replay's main thread does that) and loads the host crypto (a pool worker does that when it starts), both
 * untimed; then runs the guest once cold (wasm instantiation, Common, KZG, JIT all included, as in the first
 * block of a `replay file`) and `warm` more times. Prints one JSON line:
 * { coldMs, warmMs: [...], coldCpuMs, warmCpuMs: [...], gas, startupMs } where startupMs is process start to the end of
 * the cold run and the *CpuMs are the process's CPU time over the same spans.
 *
 * Usage: node [V8 flags of the replay] dist/bench/coldRun.js FILE... [--warm N]
 */
/**
 * CPU time this process spent, in ms, V8's background compile and GC threads included (with --single-threaded
 * they run on the main thread); unlike wall time it does not grow when other processes take the cores, which
 * makes cold/warm comparable on a loaded machine.
 */
function threadCpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const w = args.indexOf('--warm')
  const warm = w >= 0 ? Number(args.splice(w, 2)[1]) : 3
  const grouped = await readInputs(args)
  if (grouped.errors.length > 0) throw grouped.errors[0]!.error
  const input = grouped.inputs[0]
  if (input === undefined) throw new Error(`${args.join(' + ')}: no L1 input`)
  const { program } = await resolveInput(input)
  // Crypto set-up (loading the native addons) happens when a worker starts, beside the main thread reading
  // the input (workers/execute.ts), so here too it is done before the clock starts.
  const opts = await hostGuestOptions()
  const t0 = performance.now()
  const c0 = threadCpuMs()
  const out = await executeStateless(program, opts)
  const coldMs = performance.now() - t0
  const coldCpuMs = threadCpuMs() - c0
  const startupMs = performance.now()
  const warmMs: number[] = []
  const warmCpuMs: number[] = []
  for (let i = 0; i < warm; i++) {
    const t = performance.now()
    const c = threadCpuMs()
    // A new BN254 object per run: the warm runs do not find the cold run's G2 points already prepared.
    await executeStateless(program, opts.bn254 ? { ...opts, bn254: withoutKeptPoints(opts.bn254) } : opts)
    warmMs.push(performance.now() - t)
    warmCpuMs.push(threadCpuMs() - c)
  }
  process.stdout.write(JSON.stringify({ coldMs, warmMs, coldCpuMs, warmCpuMs, gas: Number(out.stats.gasUsed), startupMs }) + '\n')
}

main().catch((e) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`)
  process.exit(1)
})
