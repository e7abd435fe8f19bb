import { execFile, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadDirectory, parseBatchFile, SkippedFiles } from '../src/coordinator/source.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { programInputToJson } from '../src/protocol/input.js'
import { InputFormatError } from '../src/witness/formats/errors.js'
import { readInputFile } from '../src/witness/formats/read.js'
import { syntheticInput } from './support/coordinator-kit.js'
import { decodeL2ProgramInput, encodeL2ProgramInput } from '../guest/l2/input.js'
import { l2CacheFileToInput, readL2BatchCacheJson } from '../src/l2/cache.js'
import { EF_BLOCKCHAIN_TESTS, HOODI_CACHE, REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

/**
 * Hostile inputs at the edges: files that are not files (FIFO, device, directory, symlink loop), text that a
 * binary sniffer would misread, a 4 MB field, a witness of a million extra nodes. Each gives a typed error
 * or a normal run: never a hang, a stack overflow or a multi-megabyte line.
 */

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')

async function replayFile(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'replay', 'file', ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 100_000 })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

/** A FIFO (no writer), a directory, a symlink loop and a link to /dev/zero, all named *.json. */
function nonFiles(dir: string): void {
  mkdirSync(join(dir, 'b-dir.json'))
  symlinkSync('c-loop.json', join(dir, 'c-loop.json'))
  symlinkSync('/dev/zero', join(dir, 'd-zero.json'))
  // node has no mkfifo; coreutils does.
  const r = spawnSync('mkfifo', [join(dir, 'a-fifo.json')])
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`)
}

describe('files that are not regular files', () => {
  it('replay file: a FIFO, a directory, a symlink loop and a link to /dev/zero are typed errors, at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'))
    nonFiles(dir)
    const expected: [string, RegExp][] = [
      ['a-fifo.json', /a FIFO, not a regular file/],
      ['b-dir.json', /a directory, not a regular file/],
      ['c-loop.json', /cannot open: ELOOP/],
      ['d-zero.json', /a device, not a regular file/],
    ]
    for (const [name, reason] of expected) {
      const err = await readInputFile(join(dir, name)).then(() => undefined, (e: unknown) => e)
      expect(err, name).toBeInstanceOf(InputFormatError)
      expect((err as Error).message).toContain(name)
      expect((err as Error).message).toMatch(reason)
    }
  }, 20_000)

  it('the coordinator source dir names and counts them (once), and serves the good file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-src-'))
    nonFiles(dir)
    writeFileSync(join(dir, 'e-good.json'), JSON.stringify(programInputToJson(syntheticInput(10))))
    const store = new CoordinatorStore(':memory:')
    try {
      const skipped = new SkippedFiles()
      const reported: { name: string; error: string }[] = []
      const opts = { skipped, parse: parseBatchFile, onSkip: (name: string, error: string) => reported.push({ name, error }) }
      expect(await loadDirectory(dir, store, opts)).toEqual([1])
      expect(reported.map((r) => r.name)).toEqual(['a-fifo.json', 'b-dir.json', 'c-loop.json', 'd-zero.json'])
      expect(reported[0].error).toMatch(/a-fifo\.json: a FIFO, not a regular file/)
      expect(reported[1].error).toMatch(/b-dir\.json: a directory/)
      expect(reported[2].error).toMatch(/c-loop\.json: cannot stat: ELOOP/)
      expect(reported[3].error).toMatch(/d-zero\.json: a device/)
      expect(skipped.size).toBe(4)
      // Unchanged: not reported again on the next poll.
      expect(await loadDirectory(dir, store, opts)).toEqual([])
      expect(reported).toHaveLength(4)
    } finally {
      store.close()
    }
  }, 20_000)
})

describe('conformance over a folder holding a FIFO named *.json', () => {
  it('fails that file by name and runs the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-conf-'))
    copyFileSync(join(EF_BLOCKCHAIN_TESTS, 'ValidBlocks/bcExample/shanghaiExample.json'), join(dir, 'shanghaiExample.json'))
    const r = spawnSync('mkfifo', [join(dir, 'zz-fifo.json')])
    expect(r.status).toBe(0)
    let out = ''
    try {
      out = (await run(process.execPath, [CLI, 'conformance', dir, '--workers', '1'], { timeout: 100_000 })).stdout
    } catch (e) {
      out = (e as { stdout: string }).stdout
    }
    expect(out).toMatch(/FAIL .*zz-fifo\.json \(file\): .*a FIFO, not a regular file/)
    expect(out).toMatch(/1 passed, 1 failed/)
  }, 120_000)
})

describe('inputs a sniffer could misread', () => {
  it('a text file (README.md) is "not a recognised witness shape", not a zevm header with an absurd length', async () => {
    const err = await readInputFile(join(REPO_ROOT, 'README.md')).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(InputFormatError)
    expect((err as Error).message).toMatch(/README\.md: <document>: not a recognised witness shape: a text file/)
    expect((err as Error).message).not.toMatch(/length \d{10,}/)
  })

  it('binary junk is "not a recognised witness shape", naming its first bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'))
    const junk = Buffer.alloc(3000, 0xff)
    writeFileSync(join(dir, 'junk.bin'), junk)
    const err = await readInputFile(join(dir, 'junk.bin')).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(InputFormatError)
    expect((err as Error).message).toMatch(/not a recognised witness shape: 3000 bytes of binary data .*first bytes 0xffffffff/)
  })
})

describe('huge fields and huge witnesses', () => {
  it('a 4 MB extraData is quoted with a head and its length, on the terminal and in --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'))
    const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8'))
    cache.blocks[0].header.extraData = `0x${'ab'.repeat(2_000_000)}`
    const file = join(dir, 'huge-extra.json')
    writeFileSync(file, JSON.stringify(cache))
    const out = join(dir, 'out.json')
    const { code, stdout, stderr } = await replayFile([file, '--json', out])
    expect(code).toBe(1)
    const line = stdout.split('\n').find((l) => l.startsWith('FAILED'))!
    expect(line).toMatch(/extraData: 0x(ab)+… \(4000002 characters\)/)
    expect(line.length).toBeLessThan(1200)
    expect(stderr.length).toBeLessThan(5000)
    const json = readFileSync(out, 'utf8')
    expect(json.length).toBeLessThan(5000)
    expect(json).toContain('(4000002 characters)')
  }, 120_000)

  it('a cache whose witness carries 1,000,000 extra nodes replays (no call-stack overflow)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'))
    const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8'))
    for (let i = 0; i < 1_000_000; i++) cache.witness.state.push(`0xc483${i.toString(16).padStart(6, '0')}`)
    const file = join(dir, 'cache_hoodi_1265656_bloated.json')
    writeFileSync(file, JSON.stringify(cache))
    const { code, stdout } = await replayFile([file, '--workers', '1'])
    expect(stdout).not.toMatch(/RangeError|call stack/)
    expect(stdout).toMatch(/block 1265656: ok, 11 txs, 4402947 gas/)
    expect(code).toBe(0)
  }, 180_000)

  it('one account with 200,000 storage nodes (ethrex 2025 cache) reads; an L2 input of 200,000 nodes encodes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'))
    const cache = JSON.parse(readFileSync(join(SHARED_FIXTURES, 'real/ethrex-replay-2025/cache_690403.json'), 'utf8'))
    const group = cache.witness.storageTrieNodes[0]
    const addr = Object.keys(group)[0]
    for (let i = 0; i < 200_000; i++) group[addr].push(`0xc483${i.toString(16).padStart(6, '0')}`)
    writeFileSync(join(dir, 'cache_690403_bloated.json'), JSON.stringify(cache))
    const [part] = await readInputFile(join(dir, 'cache_690403_bloated.json'))
    expect(part.kind === 'input' && part.inputs[0].state.length).toBeGreaterThan(200_000)

    const l2 = l2CacheFileToInput(await readL2BatchCacheJson(join(REPO_ROOT, 'fixtures/l2/cache_batch_1.json')), 'cache_batch_1.json')
    const state = [...l2.witness.state]
    for (let i = 0; i < 200_000; i++) state.push(Uint8Array.of(0xc4, 0x83, i >> 16, (i >> 8) & 0xff, i & 0xff))
    const back = decodeL2ProgramInput(encodeL2ProgramInput({ ...l2, witness: { ...l2.witness, state } }))
    expect(back.witness.state).toHaveLength(state.length)
    expect(back.blocks).toEqual(l2.blocks)
    expect(back.feeConfigs).toEqual(l2.feeConfigs)
  }, 120_000)
})
