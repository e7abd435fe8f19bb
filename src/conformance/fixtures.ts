import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { BlockchainTestCase } from './case.js'

/** Every .json file under the given files/directories, sorted for stable output. */
export async function listFixtureFiles(paths: string[]): Promise<string[]> {
  const out: string[] = []
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p)
    if (s.isDirectory()) {
      const entries = (await readdir(p)).sort()
      for (const e of entries) await walk(join(p, e))
    } else if (p.endsWith('.json')) {
      out.push(p)
    }
  }
  for (const p of paths) await walk(p)
  return out
}

/** One entry of a fixture file: a BlockchainTests case, or why the entry is not one. */
export type FixtureEntry = { name: string; test: BlockchainTestCase } | { name: string; error: string }

/** The cases of a fixture file's text, each checked for the fields the harness needs. */
export function fixtureEntries(text: string): FixtureEntry[] {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return [{ name: '(file)', error: `not valid JSON: ${(e as Error).message}` }]
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [{ name: '(file)', error: 'expected an object of test cases' }]
  return Object.entries(json as Record<string, unknown>).map(([name, t]) => {
    const c = t as Partial<BlockchainTestCase> | null
    if (typeof c !== 'object' || c === null || !Array.isArray(c.blocks) || typeof c.genesisRLP !== 'string' || typeof c.pre !== 'object' || typeof c.network !== 'string') {
      return { name, error: 'not a BlockchainTests case (needs blocks, genesisRLP, pre, network)' }
    }
    return { name, test: c as BlockchainTestCase }
  })
}
