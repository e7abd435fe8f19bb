import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { executeStateless } from '../guest/execute.js'
import { buildCustomBatch } from '../src/devnet/custom.js'
import { CustomTrafficInvalid } from '../src/devnet/traffic.js'
import { toHex } from '../src/witness/hex.js'
import { REPO_ROOT } from './support/fixtures.js'

describe('custom blocks on the embedded devnet', () => {
  it('storage traffic: K txs per block (plus block 1’s deployments), executed statelessly to the built state root', async () => {
    const { chain, input } = await buildCustomBatch({ blocks: 3, txsPerBlock: 4, kind: 'storage' })
    // Block 1 deploys the three contracts first.
    expect(chain.blocks.map((b) => b.transactions.length)).toEqual([7, 4, 4])
    // Block 3 clears slots written in block 2: less gas than block 2 (refunds), still executed exactly.
    expect(chain.blocks[2].header.gasUsed).toBeLessThan(chain.blocks[1].header.gasUsed)
    const out = await executeStateless(input)
    expect(toHex(out.finalStateRoot)).toBe(toHex(chain.blocks[2].header.stateRoot))
    expect(out.transactionCount).toBe(15n)
  }, 120_000)

  it('refuses out-of-range sizes with a typed error', async () => {
    await expect(buildCustomBatch({ blocks: 0, txsPerBlock: 1, kind: 'transfer' })).rejects.toBeInstanceOf(CustomTrafficInvalid)
    await expect(buildCustomBatch({ blocks: 1, txsPerBlock: 0, kind: 'transfer' })).rejects.toThrow(/--txs-per-block must be an integer from 1 to 2000/)
  })
})

describe('tessera replay custom (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-custom-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('--kind erc20 --action prove: public values printed and matching the built chain; the cache file replays', async () => {
    const json = join(dir, 'custom.json')
    const { stdout } = await tessera(['replay', 'custom', '--blocks', '2', '--txs-per-block', '3', '--kind', 'erc20', '--action', 'prove', '--backend', 'exec', '--cache-dir', dir, '--json', json])
    expect(stdout).toMatch(/built 2 block\(s\), 9 txs \(erc20\)/)
    expect(stdout).toMatch(/blocks 1-2: ok \(prove, backend exec\)/)
    expect(stdout).toMatch(/public values 0x[0-9a-f]{320}\n/)
    const report = JSON.parse(readFileSync(json, 'utf8'))
    expect(report).toMatchObject({ ok: true, blocks: 2, transactions: 9, kind: 'erc20' })
    const [file] = readdirSync(dir).filter((f) => f.startsWith('cache_'))
    expect(file).toBe('cache_chain1337_1-2.json')
    const replay = await tessera(['replay', 'file', join(dir, file), '--workers', '1', '--action', 'prove'])
    // Same blocks, same witness: replay file proves the same public values.
    expect(replay.stdout).toContain(report.publicValues.slice(2))
  }, 180_000)

  it('clear errors: unknown kind, unavailable backend, bad numbers, stray arguments', async () => {
    await Promise.all([
      expect(tessera(['replay', 'custom', '--kind', 'nft'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--kind must be one of transfer, erc20, storage, mixed, got 'nft'/) }),
      expect(tessera(['replay', 'custom', '--action', 'prove', '--backend', 'sp1'])).rejects.toMatchObject({ stderr: expect.stringMatching(/backend sp1 is not available/) }),
      expect(tessera(['replay', 'custom', '--blocks', 'two'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--blocks must be a positive integer, got 'two'/) }),
      expect(tessera(['replay', 'custom', '--txs-per-block', '5000'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--txs-per-block must be an integer from 1 to 2000/) }),
      expect(tessera(['replay', 'custom', 'extra'])).rejects.toMatchObject({ stderr: expect.stringMatching(/takes no positional arguments/) }),
    ])
  }, 60_000)
})

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')
function tessera(args: string[]) {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 })
}
