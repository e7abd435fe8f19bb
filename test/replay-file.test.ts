import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { DEVNET_DIR, HOODI_CACHE, REPO_ROOT } from './support/fixtures.js'

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')

async function replayFiles(files: string[]) {
  try {
    const { stdout } = await run(process.execPath, [CLI, 'replay', 'file', ...files, '--workers', '2'], { maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, stdout }
  } catch (e) {
    const err = e as { code: number; stdout: string }
    return { code: err.code, stdout: err.stdout }
  }
}

describe('tessera replay file', () => {
  it('executes the Hoodi cache (plain and gzipped) and the devnet caches, state roots matching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-replay-'))
    const gz = join(dir, 'cache_hoodi_1265656.json.gz')
    writeFileSync(gz, gzipSync(readFileSync(HOODI_CACHE)))
    const devnet = ['cache_chain1337_1-3.json', 'cache_chain1337_10-12.json'].map((f) => join(DEVNET_DIR, f))
    const { code, stdout } = await replayFiles([HOODI_CACHE, gz, ...devnet])
    expect(code).toBe(0)
    expect(stdout.match(/block 1265656: ok, 11 txs, 4402947 gas/g)).toHaveLength(2)
    expect(stdout).toMatch(/blocks 10-12: ok/)
    expect(stdout).toMatch(/\| blocks +\| 8 +\|/)
  }, 120_000)

  it('fails, with the typed reason and exit 1, on a cache whose witness lost a node or that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-replay-'))
    const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8'))
    cache.witness.state.splice(cache.witness.state.length >> 1, 1)
    const pruned = join(dir, 'cache_hoodi_pruned.json')
    writeFileSync(pruned, JSON.stringify(cache))
    const garbage = join(dir, 'garbage.json')
    writeFileSync(garbage, '{"blocks": 7')
    const { code, stdout } = await replayFiles([pruned, garbage])
    expect(code).toBe(1)
    expect(stdout).toMatch(/FAILED WitnessIncomplete: .*cache_hoodi_pruned\.json: witness incomplete: missing node 0x[0-9a-f]{64}/)
    expect(stdout).toMatch(/FAILED InputFormatError: .*garbage\.json: <document>: not valid JSON/)
    expect(stdout).toMatch(/\| blocks +\| .*2 failed/)
  }, 120_000)
})
