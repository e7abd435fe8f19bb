import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_V8_FLAGS, v8FlagsFor } from '../src/cli/v8flags.js'
import { EF_BLOCKCHAIN_TESTS } from './support/fixtures.js'

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js')

describe('CLI V8 flags for pool commands', () => {
  it('replay, conformance and bench get --single-threaded; services and one-shot commands do not', () => {
    expect(DEFAULT_V8_FLAGS).toEqual(['--single-threaded'])
    for (const c of ['replay', 'conformance', 'bench']) expect(v8FlagsFor(c, {})).toEqual(['--single-threaded'])
    for (const c of ['coordinator', 'prover', 'doctor', 'cache', undefined]) expect(v8FlagsFor(c, {})).toEqual([])
  })

  it('a replay that keeps fewer workers busy than there are cores runs with V8 defaults (background compiler and GC on the idle core)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-v8flags-'))
    const a = join(dir, 'a.json')
    const b = join(dir, 'b.json')
    writeFileSync(a, '{}')
    writeFileSync(b, '{}')
    const st = ['--single-threaded']
    expect(v8FlagsFor('replay', {}, ['file', a], 2)).toEqual([])
    expect(v8FlagsFor('replay', {}, ['file', a, '--network', 'hoodi', '--json', join(dir, 'out.json')], 2)).toEqual([])
    expect(v8FlagsFor('replay', {}, ['file', a, b], 2)).toEqual(st)
    expect(v8FlagsFor('replay', {}, ['file', a, b], 4)).toEqual([])
    expect(v8FlagsFor('replay', {}, ['file', dir], 2)).toEqual(st) // a directory may hold any number of inputs
    expect(v8FlagsFor('replay', {}, ['file', join(dir, 'missing.json')], 2)).toEqual(st)
    expect(v8FlagsFor('replay', {}, ['file', a, b, '--workers', '1'], 2)).toEqual([])
    expect(v8FlagsFor('replay', {}, ['file', a, '--workers=2'], 2)).toEqual(st)
    expect(v8FlagsFor('replay', {}, ['block', '5', '--rpc-url', 'http://127.0.0.1:8545'], 2)).toEqual([])
    expect(v8FlagsFor('replay', {}, ['block', '--endless', '--rpc-url', 'http://127.0.0.1:8545'], 2)).toEqual(st)
    expect(v8FlagsFor('replay', {}, ['blocks', '1,2', '--rpc-url', 'http://127.0.0.1:8545'], 2)).toEqual(st)
    // Only replay looks at its job; conformance and bench keep the pool setting.
    expect(v8FlagsFor('conformance', {}, [a, '--workers', '1'], 2)).toEqual(st)
    expect(v8FlagsFor('replay', {}, ['file', a], 1)).toEqual(st)
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

  it('one SIGINT to the process group (Ctrl-C, timeout) stops a re-executed conformance run with its summary', async () => {
    // The CLI leads its own group here, as a shell's foreground job does; the signal goes to the whole group.
    const child = spawn(process.execPath, [CLI, 'conformance', join(EF_BLOCKCHAIN_TESTS, 'ValidBlocks/bcExample'), '--workers', '1', '--progress-seconds', '0.2'], {
      env: { ...process.env, TESSERA_V8_FLAGS: undefined, TESSERA_V8_FLAGS_APPLIED: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    try {
      for (let i = 0; i < 600 && !/progress: /.test(out); i++) await new Promise((r) => setTimeout(r, 100))
      expect(out).toMatch(/progress: /)
      process.kill(-child.pid!, 'SIGINT')
      expect(await exited).toBe(130)
      expect(out).toMatch(/interrupted; \d+ of 4 files not run/)
      expect(out.trim().split('\n').at(-1)).toMatch(/^\d+ passed, \d+ failed$/)
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL')
    }
  }, 120_000)

  it('one SIGINT to the process group stops bench after the suite in progress, with its table', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tessera-bench-')), 'r.json')
    const child = spawn(process.execPath, [CLI, 'bench', '--suite', 'keccak', '--suite', 'ecrecover', '--quick', '--json', out], {
      env: { ...process.env, TESSERA_V8_FLAGS: undefined, TESSERA_V8_FLAGS_APPLIED: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let text = ''
    child.stdout!.on('data', (d) => (text += d))
    child.stderr!.on('data', (d) => (text += d))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    try {
      for (let i = 0; i < 600 && !/keccak: /.test(text); i++) await new Promise((r) => setTimeout(r, 100))
      process.kill(-child.pid!, 'SIGINT')
      expect(await exited).toBe(130)
      expect(text).toMatch(/stopping after the suite in progress/)
      expect(text).toMatch(/interrupted; 1 of 2 suites not run/)
      expect(JSON.parse(readFileSync(out, 'utf8')).suites.map((s: { suite: string }) => s.suite)).toEqual(['keccak'])
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL')
    }
  }, 120_000)
})
