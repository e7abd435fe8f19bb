import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')
/** EEST release tests-v5.4.0, Prague folder: Prague, Osaka and CancunToPragueAtTime15k networks (see its README). */
const EEST_PRAGUE = join(SHARED_FIXTURES, 'eest/blockchain_tests/prague')

describe('EEST Prague/Osaka blockchain tests', () => {
  // About a minute on one worker of the 2-core reference machine.
  it('passes every case of the shared EEST Prague folder through the stateless path', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'tessera-eest-')), 'results.json')
    let stdout: string
    let code = 0
    try {
      ;({ stdout } = await run(process.execPath, [CLI, 'conformance', EEST_PRAGUE, '--workers', '2', '--json', json], { maxBuffer: 64 * 1024 * 1024 }))
    } catch (e) {
      ;({ stdout, code } = e as { stdout: string; code: number })
    }
    const failures = stdout.split('\n').filter((l) => l.startsWith('FAIL'))
    expect(failures.slice(0, 20)).toEqual([])
    expect(code).toBe(0)
    const summary = JSON.parse(readFileSync(json, 'utf8'))
    expect(summary.passed).toBe(1312)
    expect(stdout.trim().split('\n').at(-1)).toBe('1312 passed, 0 failed')
  }, 20 * 60_000)
})
