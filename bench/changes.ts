import { fileURLToPath } from 'node:url'
import { executeStateless, type Tuning } from '../guest/execute.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { describeBlockSet, loadBlockSet, type BlockSetEntry } from './suites/blockset.js'

/**
 * Each hot-path change of the guest measured alone (README benchmark table): guest-native with every change
 * off ("before"), with one change on, and with all on, interleaved block by block in one process, so every
 * "after" is compared with a "before" measured beside it.
 *
 *   node dist/bench/changes.js [--quick] [--rounds N]
 */
const CHANGES: (keyof Tuning)[] = ['flatState', 'blockScopedCommon', 'jumpAnalysisCache', 'syncSteps', 'lazyMemory', 'leanCallResults', 'leanCallMessage', 'leanJournal', 'fastWords', 'lazyPushes', 'numberGas', 'flatTransientStorage', 'resultsOnly', 'trieNodeViews', 'leanCalldataGas', 'opcodeTableCache', 'orderedTries']
/** "defaults" = ExecuteOptions.tuning left unset (what the guest runs with). */
const OFF: Tuning = { flatState: false, batchedTrieWrites: false, blockScopedCommon: false, jumpAnalysisCache: false, syncSteps: false, lazyMemory: false, leanCallResults: false, leanCallMessage: false, leanJournal: false, fastWords: false, lazyPushes: false, numberGas: false, flatTransientStorage: false, resultsOnly: false, trieNodeViews: false, leanCalldataGas: false, opcodeTableCache: false, orderedTries: false }

export async function measureChanges(opts: { quick: boolean; rounds: number; log: (l: string) => void }): Promise<Record<string, number>> {
  const entries = await loadBlockSet({ quick: opts.quick, log: opts.log })
  opts.log(`block set: ${describeBlockSet(entries)}`)
  const native = await hostGuestOptions()
  const configs: [string, Tuning][] = [
    ['before (all off)', OFF],
    ...CHANGES.map((c): [string, Tuning] => [`+${c} alone`, { ...OFF, [c]: true }]),
    ['defaults', {}],
  ]
  const ms = new Map<string, number>(configs.map(([n]) => [n, 0]))
  const run = async (entry: BlockSetEntry, tuning: Tuning) => {
    const t = performance.now()
    await executeStateless(entry.input, { ...native, tuning })
    return performance.now() - t
  }
  for (const [, tuning] of configs) await run(entries[0]!, tuning) // warm-up
  for (let r = 0; r < opts.rounds; r++) {
    for (const [i, entry] of entries.entries()) {
      for (let k = 0; k < configs.length; k++) {
        const [name, tuning] = configs[(k + i + r) % configs.length]!
        ms.set(name, ms.get(name)! + (await run(entry, tuning)))
      }
    }
  }
  const gas = entries.reduce((g, e) => g + Number(e.gas), 0) * opts.rounds
  const out: Record<string, number> = {}
  const before = gas / 1e6 / (ms.get('before (all off)')! / 1000)
  for (const [name] of configs) {
    out[name] = gas / 1e6 / (ms.get(name)! / 1000)
    opts.log(`${name.padEnd(26)} ${out[name]!.toFixed(2).padStart(7)} Mgas/s  x${(out[name]! / before).toFixed(2)} vs before`)
  }
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--rounds')
  measureChanges({ quick: process.argv.includes('--quick'), rounds: i > 0 ? Number(process.argv[i + 1]) : 1, log: (l) => console.log(l) }).catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
}
