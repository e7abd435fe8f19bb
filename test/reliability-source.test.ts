import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { loadDirectory, parseBatchFile, SkippedFiles } from '../src/coordinator/source.js'
import { createSourceParser } from '../src/coordinator/sourcePool.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { programInputToJson } from '../src/protocol/input.js'
import { syntheticInput } from './support/coordinator-kit.js'
import { onCleanup, tempDir } from './support/reliability-kit.js'

/**
 * Issue 13, item 5: one bad file in the source directory is skipped, named and counted while the rest are
 * served; it is parsed again only once it changes; files are parsed in a worker thread.
 */

const good = (n: number) => JSON.stringify(programInputToJson(syntheticInput(n)))

describe('source directory', () => {
  it('skips bad files by name, serves the rest, re-parses a bad file only once it changed', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a-good.json'), good(10))
    writeFileSync(join(dir, 'b-truncated.json'), good(11).slice(0, 200))
    writeFileSync(join(dir, 'c-empty.json'), '')
    writeFileSync(join(dir, 'd-garbage.json.gz'), Buffer.from('not gzip at all'))
    writeFileSync(join(dir, 'e-not-a-batch.json'), JSON.stringify({ hello: 'world', chainConfig: 5 }))
    writeFileSync(join(dir, 'f-huge-field.json'), JSON.stringify({ ...programInputToJson(syntheticInput(12)), blocks: [`0x${'ab'.repeat(2_000_000)}zz`] }))
    writeFileSync(join(dir, 'g-good.json.gz'), gzipSync(good(13)))
    const store = new CoordinatorStore(':memory:')
    onCleanup(() => store.close())
    const skipped = new SkippedFiles()
    const reported: { name: string; error: string }[] = []
    let parses = 0
    const parse = (p: string) => {
      parses++
      return parseBatchFile(p)
    }
    const opts = { skipped, parse, onSkip: (name: string, error: string) => reported.push({ name, error }) }
    expect(await loadDirectory(dir, store, opts)).toEqual([1, 2])
    expect(store.batch(1)?.source).toBe('a-good.json')
    expect(store.batch(2)?.source).toBe('g-good.json.gz')
    expect(reported.map((r) => r.name)).toEqual(['b-truncated.json', 'c-empty.json', 'd-garbage.json.gz', 'e-not-a-batch.json', 'f-huge-field.json'])
    for (const r of reported) {
      expect(r.error).toContain(r.name) // every error names its file
      expect(r.error.length).toBeLessThan(1200) // and quotes only a prefix of a 4 MB field
    }
    expect(skipped.size).toBe(5)
    // The next poll does not parse the unchanged bad files again.
    parses = 0
    expect(await loadDirectory(dir, store, opts)).toEqual([])
    expect(parses).toBe(0)
    // A bad file fixed (a copy that was still being written) is picked up.
    writeFileSync(join(dir, 'b-truncated.json'), good(11))
    expect(await loadDirectory(dir, store, opts)).toEqual([3])
    expect(parses).toBe(1)
    expect(skipped.size).toBe(4)
  })

  it('the worker-thread parser gives the same batch as parsing here, and names the file on failure', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'one.json'), good(7))
    writeFileSync(join(dir, 'bad.json'), '{"blocks":')
    const parser = createSourceParser(512)
    onCleanup(() => parser.close())
    const here = await parseBatchFile(join(dir, 'one.json'))
    const there = await parser.parse(join(dir, 'one.json'))
    expect(there).toEqual(here)
    await expect(parser.parse(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not JSON/)
  })
})
