import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BackendUnavailable } from '../src/backend/index.js'
import { BackendCallFailed, BackendIncompatible, defaultLibraryPath, loadZkvmBackend, zkvmBackendStatus } from '../src/backend/native.js'
import { packageRoot } from '../src/crypto/index.js'
import { NATIVE_EXPECTED } from './support/fixtures.js'

/** The echo library compiled here in a temp dir: it implements the ABI and proves nothing (see its header). */
const root = packageRoot()
const source = join(root, 'native', 'test-backend', 'echo_backend.c')
let dir: string
const lib = (variant: string) => join(dir, `libecho_${variant}.so`)

function compile(variant: string, flags: string[]): void {
  execFileSync('cc', ['-shared', '-fPIC', '-O1', `-I${join(root, 'native', 'include')}`, ...flags, source, '-o', lib(variant)])
}

function pvFor(input: Uint8Array): Uint8Array {
  return Uint8Array.from({ length: 160 }, (_, i) => (input.length ? input[i % input.length]! : 0) ^ (i & 0xff))
}

const haveAddon = NATIVE_EXPECTED

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-backend-'))
  if (!haveAddon) return
  compile('ok', [])
  compile('abi99', ['-DECHO_ABI_VERSION=99'])
  compile('noverify', ['-DECHO_OMIT_VERIFY'])
  writeFileSync(lib('garbage'), 'not an ELF file')
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

afterEach(() => {
  delete process.env.TESSERA_SP1_LIB
  delete process.env.TESSERA_RISC0_LIB
})

describe('loadZkvmBackend without a library', () => {
  it('throws BackendUnavailable that says what to build and where', () => {
    process.env.TESSERA_RISC0_LIB = join(tmpdir(), 'definitely-missing', 'librisc0_tessera.so')
    for (const name of ['sp1', 'risc0'] as const) {
      let err: unknown
      try {
        loadZkvmBackend(name, { resource: 'cpu', ...(name === 'sp1' ? { libraryPath: join(tmpdir(), 'nope', 'x.so') } : {}) })
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(BackendUnavailable)
      const e = err as BackendUnavailable
      expect(e.name).toBe('BackendUnavailable')
      expect(e.backend).toBe(name)
      expect(e.message).toContain('no backend library')
      expect(e.hint).toContain(`lib${name}_tessera.so`)
      expect(e.hint).toContain('native/ZKVM_ABI.md')
      expect(e.hint).toContain(defaultLibraryPath(name))
      expect(e.hint).toContain(name === 'sp1' ? 'TESSERA_SP1_LIB' : 'TESSERA_RISC0_LIB')
    }
  })

  it('doctor status lists both backends as not found', () => {
    const status = zkvmBackendStatus()
    expect(status.map((s) => s.name)).toEqual(['sp1', 'risc0'])
    for (const s of status) if (!s.found) expect(s.searched).toContain(defaultLibraryPath(s.name))
  })
})

describe.skipIf(!haveAddon)('loadZkvmBackend with the echo test library', () => {
  it('loads through TESSERA_SP1_LIB and round-trips prove / verify / execute', async () => {
    process.env.TESSERA_SP1_LIB = lib('ok')
    const b = loadZkvmBackend('sp1', { resource: 'gpu', format: 'groth16' })
    expect(b).toMatchObject({ name: 'sp1', proverType: 'SP1', libraryPath: lib('ok'), abiVersion: 1, resource: 'gpu' })
    expect(b.info).toBe('echo test backend (not a prover)')

    const input = new TextEncoder().encode('some program input bytes')
    const { proof, publicValues } = await b.prove(input)
    expect(Array.from(publicValues)).toEqual(Array.from(pvFor(input)))
    const text = new TextDecoder().decode(proof)
    expect(text.startsWith('TESSERA-ECHO-NOT-A-PROOF')).toBe(true)
    expect(text.endsWith('{"resource":"gpu","format":"groth16"}')).toBe(true)

    expect(await b.verify(proof, publicValues)).toBe(true)
    const tampered = publicValues.slice()
    tampered[0]! ^= 1
    expect(await b.verify(proof, tampered)).toBe(false)

    const run = await b.execute(input)
    expect(Array.from(run.publicValues)).toEqual(Array.from(pvFor(input)))
    expect(run.cycles).toBe(BigInt(input.length * 1000))

    // concurrent calls are serialised per library and all complete
    const many = await Promise.all([1, 2, 3, 4].map((n) => b.prove(new Uint8Array(n).fill(n))))
    many.forEach((r, i) => expect(Array.from(r.publicValues)).toEqual(Array.from(pvFor(new Uint8Array(i + 1).fill(i + 1)))))
    b.close()
    await expect(b.prove(input)).rejects.toThrow(/backend handle is closed/)
  })

  it('turns a failing call into BackendCallFailed with the library message', async () => {
    const b = loadZkvmBackend('risc0', { libraryPath: lib('ok') })
    expect(b.proverType).toBe('RISC0')
    const fail = new TextEncoder().encode('fail please')
    const err = await b.prove(fail).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BackendCallFailed)
    expect((err as BackendCallFailed).message).toBe('backend risc0 prove failed: echo backend: input asked to fail')
    expect((err as BackendCallFailed).status).toBe(7)
    await expect(b.execute(fail)).rejects.toThrow(/execute failed: echo backend: input asked to fail/)
    b.close()
  })

  it('rejects an ABI version mismatch', () => {
    const err = (() => {
      try {
        loadZkvmBackend('sp1', { libraryPath: lib('abi99') })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(BackendIncompatible)
    expect(err).toBeInstanceOf(BackendUnavailable)
    expect((err as Error).message).toContain('implements backend ABI version 99, this Tessera needs 1')
  })

  it('rejects a library with a missing symbol', () => {
    expect(() => loadZkvmBackend('sp1', { libraryPath: lib('noverify') })).toThrow(BackendIncompatible)
    expect(() => loadZkvmBackend('sp1', { libraryPath: lib('noverify') })).toThrow(/does not export: tessera_verify/)
  })

  it('reports a file that is not a loadable library', () => {
    const err = (() => {
      try {
        loadZkvmBackend('sp1', { libraryPath: lib('garbage') })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(BackendUnavailable)
    expect(err).not.toBeInstanceOf(BackendIncompatible)
    expect((err as Error).message).toContain('cannot load')
  })

  it('doctor status shows a found library with its info', () => {
    process.env.TESSERA_SP1_LIB = lib('ok')
    process.env.TESSERA_RISC0_LIB = lib('abi99')
    const [sp1, risc0] = zkvmBackendStatus()
    expect(sp1).toMatchObject({ name: 'sp1', found: true, abiVersion: 1, info: 'echo test backend (not a prover)' })
    expect(risc0).toMatchObject({ name: 'risc0', found: true })
    expect(risc0!.error).toContain('ABI version 99')
  })
})
