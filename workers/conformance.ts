/**
 * Piscina entry: run every BlockchainTests case of one fixture file. The file's bytes arrive as a
 * transferred ArrayBuffer; results go back as plain objects.
 */
import { runBlockchainTest, type CaseResult } from '../src/conformance/case.js'
import type { BlockchainTestCase } from '../src/conformance/case.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'

export interface ConformanceTask {
  file: string
  bytes: ArrayBuffer
  filter?: string
}

export default async function runFixtureFile(task: ConformanceTask): Promise<CaseResult[]> {
  let json: Record<string, BlockchainTestCase>
  try {
    json = JSON.parse(Buffer.from(task.bytes).toString('utf8'))
  } catch (e) {
    return [{ name: '(file)', passed: false, failures: [`not valid JSON: ${(e as Error).message}`], blocks: 0 }]
  }
  const filter = task.filter ? new RegExp(task.filter) : undefined
  const guestOptions = await hostGuestOptions()
  const results: CaseResult[] = []
  for (const [name, test] of Object.entries(json)) {
    if (filter && !filter.test(name)) continue
    if (typeof test !== 'object' || test === null || !Array.isArray(test.blocks) || typeof test.genesisRLP !== 'string') {
      results.push({ name, passed: false, failures: ['not a BlockchainTests case (needs blocks, genesisRLP, pre, network)'], blocks: 0 })
      continue
    }
    try {
      results.push(await runBlockchainTest(name, test, guestOptions))
    } catch (e) {
      results.push({ name, passed: false, failures: [`harness error: ${(e as Error)?.stack ?? String(e)}`], blocks: test.blocks.length })
    }
  }
  return results
}
