import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { readInputs } from '../src/witness/formats/read.js'
import { resolveInput } from '../src/witness/formats/resolve.js'
import { executeStateless } from '../guest/execute.js'

/**
 * One witness file in a fresh process, for the guest suite's cold/warm columns: reads and resolves the input
 * (untimed), then runs the guest once cold (host crypto set-up, wasm instantiation, Common, KZG, JIT all
 * included, as in the first block of a `replay file`) and `warm` more times. Prints one JSON line:
 * { coldMs, warmMs: [...], gas, startupMs } where startupMs is process start to the end of the cold run.
 *
 * Usage: node [--single-threaded] dist/bench/coldRun.js FILE... [--warm N]
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const w = args.indexOf('--warm')
  const warm = w >= 0 ? Number(args.splice(w, 2)[1]) : 3
  const grouped = await readInputs(args)
  if (grouped.errors.length > 0) throw grouped.errors[0]!.error
  const input = grouped.inputs[0]
  if (input === undefined) throw new Error(`${args.join(' + ')}: no L1 input`)
  const { program } = await resolveInput(input)
  const t0 = performance.now()
  const opts = await hostGuestOptions()
  const out = await executeStateless(program, opts)
  const coldMs = performance.now() - t0
  const startupMs = performance.now()
  const warmMs: number[] = []
  for (let i = 0; i < warm; i++) {
    const t = performance.now()
    await executeStateless(program, opts)
    warmMs.push(performance.now() - t)
  }
  process.stdout.write(JSON.stringify({ coldMs, warmMs, gas: Number(out.stats.gasUsed), startupMs }) + '\n')
}

main().catch((e) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`)
  process.exit(1)
})
