/**
 * Piscina entry: run every BlockchainTests case of one fixture file. The file's bytes arrive as a
 * transferred ArrayBuffer; results go back as plain objects.
 */
import { runBlockchainTest, type CaseResult } from '../src/conformance/case.js'
import { fixtureEntries } from '../src/conformance/fixtures.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'

export interface ConformanceTask {
  file: string
  bytes: ArrayBuffer
  filter?: string
}

export default async function runFixtureFile(task: ConformanceTask): Promise<CaseResult[]> {
  const filter = task.filter ? new RegExp(task.filter) : undefined
  const guestOptions = await hostGuestOptions()
  const results: CaseResult[] = []
  for (const entry of fixtureEntries(Buffer.from(task.bytes).toString('utf8'))) {
    if (filter && entry.name !== '(file)' && !filter.test(entry.name)) continue
    if ('error' in entry) {
      results.push({ name: entry.name, passed: false, failures: [entry.error], blocks: 0 })
      continue
    }
    try {
      results.push(await runBlockchainTest(entry.name, entry.test, guestOptions))
    } catch (e) {
      results.push({ name: entry.name, passed: false, failures: [`harness error: ${(e as Error)?.stack ?? String(e)}`], blocks: entry.test.blocks.length })
    }
  }
  return results
}
