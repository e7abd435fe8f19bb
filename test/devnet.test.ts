import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeDevnet } from '../scripts/make-devnet.js'
import { DEVNET_DIR } from './support/fixtures.js'

describe('bundled devnet', () => {
  it('is exactly what scripts/make-devnet.ts generates (deterministic, nothing hand-edited)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-devnet-'))
    const files = await makeDevnet(out)
    expect(files.map((f) => basename(f)).sort()).toEqual(readdirSync(DEVNET_DIR).filter((f) => f.endsWith('.json')).sort())
    for (const f of files) expect(readFileSync(f, 'utf8'), basename(f)).toBe(readFileSync(join(DEVNET_DIR, basename(f)), 'utf8'))
  }, 120_000)
})
