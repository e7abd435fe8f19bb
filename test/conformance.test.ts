import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { chainConfigForNetwork } from '../src/conformance/networks.js'
import { EF_BLOCKCHAIN_TESTS, REPO_ROOT } from './support/fixtures.js'

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')

async function conformance(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'conformance', ...args], { maxBuffer: 256 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

describe('EF network names', () => {
  it('maps forks and transitions to a fork schedule', () => {
    expect(chainConfigForNetwork('Frontier')).toEqual({ chainId: 1 })
    expect(chainConfigForNetwork('Cancun')).toMatchObject({ londonBlock: 0, mergeNetsplitBlock: 0, shanghaiTime: 0, cancunTime: 0 })
    expect(chainConfigForNetwork('Cancun').pragueTime).toBeUndefined()
    expect(chainConfigForNetwork('ShanghaiToCancunAtTime15k')).toMatchObject({ shanghaiTime: 0, cancunTime: 15000 })
    expect(chainConfigForNetwork('BerlinToLondonAt5')).toMatchObject({ berlinBlock: 0, londonBlock: 5 })
    expect(chainConfigForNetwork('HomesteadToDaoAt5')).toMatchObject({ homesteadBlock: 0, daoForkBlock: 5 })
    expect(chainConfigForNetwork('PragueToOsakaAtTime15k')).toMatchObject({ pragueTime: 0, osakaTime: 15000 })
    expect(() => chainConfigForNetwork('Atlantis')).toThrow(/unknown EF test network/)
  })
})

describe('tessera conformance', () => {
  it('passes every EF BlockchainTests case in the shared fixtures through the stateless path', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'tessera-conf-')), 'results.json')
    const { code, stdout } = await conformance([EF_BLOCKCHAIN_TESTS, '--workers', '2', '--json', json])
    const failures = stdout.split('\n').filter((l) => l.startsWith('FAIL'))
    expect(failures.slice(0, 20)).toEqual([])
    expect(code).toBe(0)
    const summary = JSON.parse(readFileSync(json, 'utf8'))
    expect(summary.failed).toBe(0)
    expect(summary.passed).toBeGreaterThan(7000)
    expect(stdout.trim().split('\n').at(-1)).toBe(`${summary.passed} passed, 0 failed`)
  }, 40 * 60_000)

  it('gives the same verdicts with 1 and 2 workers, and reports failures with a non-zero exit', async () => {
    const dir = join(EF_BLOCKCHAIN_TESTS, 'InvalidBlocks/bcUncleTest')
    const one = await conformance([dir, '--workers', '1'])
    const two = await conformance([dir, '--workers', '2'])
    expect(one.code).toBe(0)
    expect(two.stdout).toBe(one.stdout)
    // A case whose expected post state is wrong must fail, with one FAIL line and the closing count.
    const file = join(EF_BLOCKCHAIN_TESTS, 'ValidBlocks/bcExample/basefeeExample.json')
    const cases = JSON.parse(readFileSync(file, 'utf8'))
    const [name, test] = Object.entries(cases)[0] as [string, { postState: Record<string, { balance: string }> }]
    const addr = Object.keys(test.postState)[0]
    test.postState[addr].balance = '0x1234'
    const broken = join(mkdtempSync(join(tmpdir(), 'tessera-conf-')), 'broken.json')
    writeFileSync(broken, JSON.stringify({ [name]: test }))
    const bad = await conformance([broken, '--workers', '1'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/^FAIL .*final state root/m)
    expect(bad.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed')
  }, 5 * 60_000)

  it('requires invalid blocks to be rejected: garbage RLP passes as rejected, a valid block marked invalid fails', async () => {
    const file = join(EF_BLOCKCHAIN_TESTS, 'ValidBlocks/bcExample/basefeeExample.json')
    const [name, test] = Object.entries(JSON.parse(readFileSync(file, 'utf8')))[0] as [string, { blocks: { rlp: string; expectException?: string }[] }]
    const dir = mkdtempSync(join(tmpdir(), 'tessera-conf-'))
    const garbage = structuredClone(test)
    garbage.blocks.push({ rlp: '0xdeadbeef', expectException: 'RLP' })
    writeFileSync(join(dir, 'garbage-block.json'), JSON.stringify({ [name]: garbage }))
    const ok = await conformance([join(dir, 'garbage-block.json'), '--workers', '1'])
    expect(ok.stdout.trim().split('\n').at(-1)).toBe('1 passed, 0 failed')
    const lying = structuredClone(test)
    lying.blocks[lying.blocks.length - 1].expectException = 'claimed invalid'
    ;(lying as unknown as { lastblockhash: string }).lastblockhash = JSON.parse(readFileSync(file, 'utf8'))[name].genesisBlockHeader.hash
    ;(lying as unknown as { postState?: unknown; postStateHash?: string }).postState = JSON.parse(readFileSync(file, 'utf8'))[name].pre
    writeFileSync(join(dir, 'lying.json'), JSON.stringify({ [name]: lying }))
    const bad = await conformance([join(dir, 'lying.json'), '--workers', '1'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/accepted by the guest but should be rejected/)
  }, 120_000)

  it('rejects a file that is not a BlockchainTests fixture with a clear line, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-conf-'))
    writeFileSync(join(dir, 'garbage.json'), '{"x": {"nope": 1}}')
    writeFileSync(join(dir, 'broken.json'), '{not json')
    const { code, stdout } = await conformance([dir, '--workers', '1'])
    expect(code).toBe(1)
    expect(stdout).toMatch(/FAIL .*garbage\.json x: not a BlockchainTests case/)
    expect(stdout).toMatch(/FAIL .*broken\.json .*not valid JSON/)
    expect(stdout.trim().split('\n').at(-1)).toBe('0 passed, 2 failed')
  }, 60_000)
})
