import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './support/fixtures.js'

/**
 * Real inputs of scroll's stateless-block-verifier (current BlockWitness: alloy-tagged transactions, boolean
 * `y_parity`, legacy `v` = parity) and keth's EELS-style inputs, as their projects committed them
 * (test/fixtures/real-shapes/README.md names repo@commit:path), through `tessera replay file`.
 */
const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')
const fixture = (name: string) => join(REPO_ROOT, 'test/fixtures/real-shapes', name)

async function replay(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'replay', 'file', ...args, '--workers', '1'], { maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

describe('scroll stateless-block-verifier BlockWitness (current)', () => {
  it('boolean y_parity and alloy-tagged transactions with legacy v = parity: refused without a parent header, valid when unanchored', async () => {
    const files = [fixture('sbv_holesky_2971844.json'), fixture('sbv_mainnet_23587691.json.gz')]
    const anchored = await replay(files)
    expect(anchored.code).toBe(1)
    expect(anchored.out).toMatch(/FAILED ParentHeaderMissing: .*sbv_holesky_2971844\.json: parent header of block 2971844/)
    expect(anchored.out).toMatch(/FAILED ParentHeaderMissing: .*sbv_mainnet_23587691\.json\.gz: parent header of block 23587691/)
    const trusted = await replay([...files, '--trust-pre-state-root'])
    expect(trusted.out).not.toMatch(/FAILED/)
    expect(trusted.out).toMatch(/sbv_holesky_2971844\.json: block 2971844: ok, 42 txs, 903420 gas, .*shape sbv-block-witness; UNANCHORED/)
    expect(trusted.out).toMatch(/sbv_mainnet_23587691\.json\.gz: block 23587691: ok, 40 txs, 1429580 gas, .*shape sbv-block-witness; UNANCHORED/)
    expect(trusted.code).toBe(0)
  }, 180_000)

  it('a Scroll L2 block (same writer, chain 534352) is refused by name, not run under Ethereum rules', async () => {
    const r = await replay([fixture('sbv_scroll_19604677.json'), '--trust-pre-state-root'])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/FAILED InputFormatError: .*sbv_scroll_19604677\.json: chain_id: a block of Scroll \(chain 534352\)/)
  }, 60_000)
})

describe("keth's EELS-style input", () => {
  it('is read; its partial pre-state is refused anchored, and reaches keth\'s post-state root when unanchored', async () => {
    const file = fixture('keth_eels_21872325.json.gz')
    const anchored = await replay([file])
    expect(anchored.code).toBe(1)
    expect(anchored.out).toMatch(/FAILED WitnessInvalid: .*keth_eels_21872325\.json\.gz: pre: the pre-state hashes to 0xc82ec49e10b31aaaf6a6eda74ef651cf2bf00b0394453ea49fb59d0259342300, the parent header's state root is 0xe03d40bf05dcb3439eadfa63a22c55e106b943fef818b05b4299ea8f70419a46 \(keth writes only the accounts/)
    const trusted = await replay([file, '--trust-pre-state-root'])
    expect(trusted.out).toMatch(/keth_eels_21872325\.json\.gz: block 21872325: ok, 161 txs, 12520586 gas, .*shape keth-eels; UNANCHORED/)
    expect(trusted.code).toBe(0)
  }, 180_000)
})
