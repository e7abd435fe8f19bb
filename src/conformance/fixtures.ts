import { readdir, readFile, stat } from 'node:fs/promises'
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

export class FixtureFormatError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`)
    this.name = 'FixtureFormatError'
  }
}

/** The BlockchainTests cases of one file, keyed by test name. */
export async function readFixtureFile(file: string): Promise<[string, BlockchainTestCase][]> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(file, 'utf8'))
  } catch (e) {
    throw new FixtureFormatError(file, `not valid JSON (${(e as Error).message})`)
  }
  if (typeof json !== 'object' || json === null) throw new FixtureFormatError(file, 'expected an object of test cases')
  const cases = Object.entries(json as Record<string, unknown>)
  for (const [name, t] of cases) {
    const c = t as Partial<BlockchainTestCase>
    if (!Array.isArray(c?.blocks) || typeof c.genesisRLP !== 'string' || typeof c.pre !== 'object' || typeof c.network !== 'string') {
      throw new FixtureFormatError(file, `${name} is not a BlockchainTests case (needs blocks, genesisRLP, pre, network)`)
    }
  }
  return cases as [string, BlockchainTestCase][]
}
