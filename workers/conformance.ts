/**
 * Piscina entry: run every BlockchainTests case of one fixture file. The file's bytes arrive as a
 * transferred ArrayBuffer; results go back as plain objects. When the main thread passes a `port`, the
 * worker announces each case before running it and sends its result right after, so a case over its time
 * budget can be named (and the worker terminated) without losing the results before it; `skip` lists the
 * cases already reported when the file is resubmitted. A case declaring more gas than `maxGas` fails by name
 * without running.
 */
import type { MessagePort } from 'node:worker_threads'
import { BudgetExceeded, checkGas, declaredGas } from '../src/budget/budget.js'
import { runBlockchainTest, type CaseResult } from '../src/conformance/case.js'
import { fixtureEntries } from '../src/conformance/fixtures.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { parseHex } from '../src/witness/hex.js'
import { announceLoaded } from '../src/pool/loaded.js'

export interface ConformanceTask {
  file: string
  bytes: ArrayBuffer
  filter?: string
  port?: MessagePort
  skip?: string[]
  /** Decimal string (bigint does not matter here, but keeps one parser). */
  maxGas?: string
}

/** What the worker tells the main thread while a file runs. */
export type ConformanceEvent = { start: string } | { done: CaseResult }

function caseGas(blocks: { rlp: string }[]): bigint {
  const rlps: Uint8Array[] = []
  for (const b of blocks) {
    try {
      rlps.push(parseHex(b.rlp, 'rlp'))
    } catch {
      // an invalid block's RLP may be garbage on purpose; the case reports it
    }
  }
  return declaredGas(rlps)
}

export default async function runFixtureFile(task: ConformanceTask): Promise<CaseResult[]> {
  const filter = task.filter ? new RegExp(task.filter) : undefined
  const skip = new Set(task.skip ?? [])
  const maxGas = task.maxGas === undefined ? undefined : BigInt(task.maxGas)
  const guestOptions = await hostGuestOptions()
  const results: CaseResult[] = []
  const report = (r: CaseResult) => {
    results.push(r)
    task.port?.postMessage({ done: r } satisfies ConformanceEvent)
  }
  try {
    for (const entry of fixtureEntries(Buffer.from(task.bytes).toString('utf8'))) {
      if (filter && entry.name !== '(file)' && !filter.test(entry.name)) continue
      if (skip.has(entry.name)) continue
      if ('error' in entry) {
        report({ name: entry.name, passed: false, failures: [entry.error], blocks: 0 })
        continue
      }
      task.port?.postMessage({ start: entry.name } satisfies ConformanceEvent)
      try {
        checkGas({ maxGas }, caseGas(entry.test.blocks), `case ${entry.name}`)
        report(await runBlockchainTest(entry.name, entry.test, guestOptions))
      } catch (e) {
        if (e instanceof BudgetExceeded) report({ name: entry.name, passed: false, failures: [`over budget: ${e.message}`], blocks: entry.test.blocks.length })
        else report({ name: entry.name, passed: false, failures: [`harness error: ${String((e as Error)?.stack ?? e).slice(0, 2000)}`], blocks: entry.test.blocks.length })
      }
    }
  } finally {
    task.port?.close()
  }
  return results
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
