import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_V8_FLAGS, v8FlagsFor } from '../src/cli/v8flags.js'

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js')

describe('CLI V8 flags for pool commands', () => {
  it('replay, conformance and bench get --single-threaded; services and one-shot commands do not', () => {
    expect(DEFAULT_V8_FLAGS).toEqual(['--single-threaded'])
    for (const c of ['replay', 'conformance', 'bench']) expect(v8FlagsFor(c, {})).toEqual(['--single-threaded'])
    for (const c of ['coordinator', 'prover', 'doctor', 'cache', undefined]) expect(v8FlagsFor(c, {})).toEqual([])
  })

  it('TESSERA_V8_FLAGS overrides (none = V8 defaults); a re-executed child never re-executes again', () => {
    expect(v8FlagsFor('replay', { TESSERA_V8_FLAGS: 'none' })).toEqual([])
    expect(v8FlagsFor('replay', { TESSERA_V8_FLAGS: '' })).toEqual([])
    expect(v8FlagsFor('replay', { TESSERA_V8_FLAGS: '--single-threaded-gc  --max-semi-space-size=32' })).toEqual(['--single-threaded-gc', '--max-semi-space-size=32'])
    expect(v8FlagsFor('replay', { TESSERA_V8_FLAGS_APPLIED: '1' })).toEqual([])
  })

  it('the exit status of the re-executed command reaches the caller', () => {
    const r = spawnSync(process.execPath, [CLI, 'bench', '--suite', 'no-such-suite'], { encoding: 'utf8', env: { ...process.env, TESSERA_V8_FLAGS: undefined } })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/unknown suite no-such-suite/)
  })
})
