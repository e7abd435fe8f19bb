import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createEVM } from '@ethereumjs/evm'
import { Address, hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'

/**
 * patches/ holds version-pinned patches applied by patch-package at install (package.json postinstall).
 * These tests fail when a patch stops applying: a different installed version, or the patched behaviour gone.
 */
const root = join(import.meta.dirname, '..')
const installedVersion = (pkg: string) => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version

describe('pinned @ethereumjs patches', () => {
  it('every patch names the installed version of its package', () => {
    const patches = readdirSync(join(root, 'patches')).filter((f) => f.endsWith('.patch'))
    expect(patches).toContain('@ethereumjs+evm+10.1.3.patch')
    for (const file of patches) {
      const [, scope, name, version] = /^(@[^+]+)\+([^+]+)\+(.+)\.patch$/.exec(file)!
      expect(installedVersion(`${scope}/${name}`), file).toBe(version)
    }
  })

  it('evm: the opt-in jump-analysis cache is consulted and filled per code, and reused on the next call', async () => {
    const evm = await createEVM()
    const seen: { gets: number; sets: number } = { gets: 0, sets: 0 }
    const inner = new WeakMap<Uint8Array, object>()
    ;(evm as unknown as { jumpAnalysisCache: unknown }).jumpAnalysisCache = {
      get: (k: Uint8Array) => (seen.gets++, inner.get(k)),
      set: (k: Uint8Array, v: object) => (seen.sets++, inner.set(k, v)),
    }
    // PUSH1 4, JUMP, INVALID, JUMPDEST, PUSH1 1, STOP
    const code = hexToBytes('0x600456fe5b600100')
    const run = () => evm.runCode({ code, gasLimit: 100_000n, to: new Address(new Uint8Array(20)) } as never)
    const first = await run()
    expect(first.exceptionError).toBeUndefined()
    expect(seen).toEqual({ gets: 1, sets: 1 })
    const second = await run()
    expect(second.exceptionError).toBeUndefined()
    expect(seen).toEqual({ gets: 2, sets: 1 })
    expect(second.executionGasUsed).toBe(first.executionGasUsed)
  })

  it('evm: without the cache the interpreter behaves as unpatched (jumps still validated)', async () => {
    const evm = await createEVM()
    // PUSH1 3, JUMP into PUSH data -> invalid jump
    const bad = await evm.runCode({ code: hexToBytes('0x600356605b00'), gasLimit: 100_000n } as never)
    expect(bad.exceptionError?.error).toMatch(/^invalid JUMP/)
  })
})
