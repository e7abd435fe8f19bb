import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from 'viem'
import { WitnessIncomplete } from '../guest/errors.js'
import { encodeL2PublicValues } from '../guest/l2/output.js'
import { executeL2Batch } from '../guest/l2/program.js'
import type { L2ProgramInput } from '../guest/l2/types.js'
import { l2DevnetFiles } from '../scripts/make-l2-devnet.js'
import { l2CacheFileToInput } from '../src/l2/cache.js'
import { REPO_ROOT } from './support/fixtures.js'

const L2_DIR = resolve(REPO_ROOT, 'fixtures/l2')
const summary = JSON.parse(readFileSync(join(L2_DIR, 'meta/summary.json'), 'utf8')) as {
  batches: { batch: number; receiptStatuses: number[][]; privilegedTransactions: number; l1Messages: number; publicValues: string }[]
}
let inputs: L2ProgramInput[] = []

beforeAll(() => {
  const names = readdirSync(L2_DIR).filter((n) => /^cache_batch_\d+\.json$/.test(n)).sort()
  inputs = names.map((n) => l2CacheFileToInput(JSON.parse(readFileSync(join(L2_DIR, n), 'utf8')), n))
})

describe('bundled L2 devnet (fixtures/l2)', () => {
  it('the files are exactly what scripts/make-l2-devnet.ts generates (no drift)', async () => {
    const files = await l2DevnetFiles()
    const onDisk = [...readdirSync(L2_DIR).filter((n) => n !== 'meta'), ...readdirSync(join(L2_DIR, 'meta')).map((n) => `meta/${n}`)]
    expect([...files.keys()].sort()).toEqual(onDisk.sort())
    for (const [name, text] of files) expect(readFileSync(join(L2_DIR, name), 'utf8'), name).toBe(text)
  }, 120_000)

  it('every batch proves statelessly to its recorded public values, chained root to root', async () => {
    expect(inputs.map((i) => i.blobCommitment.some((b) => b !== 0))).toEqual([true, true, true])
    let previousFinal: string | undefined
    for (const [i, input] of inputs.entries()) {
      const out = await executeL2Batch(input)
      expect(bytesToHex(encodeL2PublicValues(out)), `batch ${i + 1}`).toBe(summary.batches[i].publicValues)
      expect(out.privilegedCount).toBe(summary.batches[i].privilegedTransactions)
      expect(out.l1Messages.length).toBe(summary.batches[i].l1Messages)
      if (previousFinal) expect(bytesToHex(out.initialStateRoot)).toBe(previousFinal)
      previousFinal = bytesToHex(out.finalStateRoot)
    }
  }, 60_000)

  it('the traffic covers what it claims: deposits, a failing privileged tx, a failing call, withdrawals', () => {
    const [b1, b2, b3] = summary.batches
    expect(b1.privilegedTransactions).toBe(3)
    // Batch 2, block 4: withdrawERC20 ok, sendToL2 into a reverting call (privileged, status 0), a reverting call.
    expect(b2.receiptStatuses[1]).toEqual([1, 0, 0])
    expect(b2.l1Messages).toBe(2) // ETH and ERC-20 withdrawals
    expect(b3.l1Messages).toBe(1) // the deposit naming the wrong L1 token, bounced back
  })

  it('recorded L2 witnesses are minimal: removing any one state node or code makes the batch unprovable', async () => {
    for (const [b, input] of inputs.entries()) {
      for (let i = 0; i < input.witness.state.length; i++) {
        const state = input.witness.state.filter((_, j) => j !== i)
        await expect(executeL2Batch({ ...input, witness: { ...input.witness, state } }), `batch ${b + 1} node ${i}`).rejects.toBeInstanceOf(WitnessIncomplete)
      }
      for (let i = 0; i < input.witness.codes.length; i++) {
        const codes = input.witness.codes.filter((_, j) => j !== i)
        await expect(executeL2Batch({ ...input, witness: { ...input.witness, codes } }), `batch ${b + 1} code ${i}`).rejects.toBeInstanceOf(WitnessIncomplete)
      }
    }
  }, 300_000)
})
