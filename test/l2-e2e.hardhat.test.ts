import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LOOP_DEPOSIT_WEI,
  LOOP_REASONS,
  LOOP_TOKEN_DEPOSIT,
  LOOP_TOKEN_SUPPLY,
  LOOP_TOKEN_WITHDRAW,
  LOOP_WITHDRAW_WEI,
  runDepositWithdrawLoop,
  type LoopSummary,
} from '../src/l1/loop.js'
import { L2DevnetStore } from '../src/l2/devnet/store.js'
import { withdrawalProofJson, withdrawalProofs } from '../src/l2/devnet/withdrawalProof.js'
import { serveL2Rpc } from '../src/l2/devnet/rpcServer.js'
import { REPO_ROOT } from './support/fixtures.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'

// The loop itself (src/l1/loop.ts) checks each step and throws LoopCheckFailed on any mismatch; this test
// re-checks the summary's numbers independently (exact wei) and the withdrawal-proof endpoints.

let node: HardhatNode
let dir: string
let s: LoopSummary

beforeAll(async () => {
  node = await startHardhatNode(60_000, 'hardhat.l1.config.cjs')
  dir = mkdtempSync(join(tmpdir(), 'tessera-l2-e2e-'))
}, 120_000)

afterAll(async () => {
  await node?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('end to end on Hardhat: deposit -> L2 batch -> commit -> prove -> verify -> withdraw -> claim', () => {
  it('runs the loop: balances exact to the wei on L1 and L2, batches 1-3 committed and verified', async () => {
    s = await runDepositWithdrawLoop({ l1Url: node.url, workDir: dir })
    const names = s.steps.map((x) => x.step)
    expect(names).toHaveLength(11)
    const by = (prefix: string) => s.steps.find((x) => x.step.startsWith(prefix))!
    const first = s.steps[0].before
    expect(first.l1Token).toBe(LOOP_TOKEN_SUPPLY)
    expect(first.l2Eth).toBe(0n)
    expect(first.l2Token).toBe(0n)
    const dEth = by('L1 deposit') // ETH deposit
    expect(dEth.after.l1Eth).toBe(dEth.before.l1Eth - LOOP_DEPOSIT_WEI - dEth.l1GasWei)
    const credited = by('L2 batch 2')
    expect(credited.after.l2Eth).toBe(LOOP_DEPOSIT_WEI)
    expect(credited.after.l2Token).toBe(LOOP_TOKEN_DEPOSIT)
    expect(credited.after.l1Token).toBe(LOOP_TOKEN_SUPPLY - LOOP_TOKEN_DEPOSIT)
    const withdrawn = by('L2 batch 3')
    expect(withdrawn.after.l2Token).toBe(LOOP_TOKEN_DEPOSIT - LOOP_TOKEN_WITHDRAW)
    expect(withdrawn.after.l2Eth < LOOP_DEPOSIT_WEI - LOOP_WITHDRAW_WEI).toBe(true) // minus the L2 fees
    const claimEth = by('L1 claim 1 ETH')
    expect(claimEth.after.l1Eth).toBe(claimEth.before.l1Eth + LOOP_WITHDRAW_WEI - claimEth.l1GasWei)
    const last = s.steps[s.steps.length - 1].after
    expect(last.l1Token).toBe(LOOP_TOKEN_SUPPLY - LOOP_TOKEN_DEPOSIT + LOOP_TOKEN_WITHDRAW)
    // Over the whole loop the user's L1 ETH changed by exactly -deposit +withdrawal -gas paid.
    const gas = s.steps.reduce((n, x) => n + x.l1GasWei, 0n)
    expect(last.l1Eth).toBe(first.l1Eth - LOOP_DEPOSIT_WEI + LOOP_WITHDRAW_WEI - gas)
    expect(s.bridgeEth).toBe(LOOP_DEPOSIT_WEI - LOOP_WITHDRAW_WEI)
    expect(s.bridgeToken).toBe(LOOP_TOKEN_DEPOSIT - LOOP_TOKEN_WITHDRAW)
    expect(s.lastCommittedBatch).toBe(3n)
    expect(s.lastVerifiedBatch).toBe(3n)
    for (const x of s.steps.filter((x) => x.step.includes('verified on L1'))) expect(x.txs).toHaveLength(1)
  }, 180_000)

  it('every negative case reverted with the contract reason', () => {
    expect(s.negatives).toEqual([
      { case: 'claim before the batch is verified', reason: LOOP_REASONS.notVerified },
      { case: 'verifyBatches with wrong public values', reason: LOOP_REASONS.wrongPublicValues },
      { case: 'claim with a wrong Merkle proof', reason: LOOP_REASONS.invalidProof },
      { case: 'claim with a wrong amount', reason: LOOP_REASONS.invalidProof },
      { case: 'second claim of the same withdrawal', reason: LOOP_REASONS.alreadyClaimed },
    ])
  })

  it('withdrawal proofs are served by the HTTP route (ethrex_getWithdrawalProof) and the CLI, from SQLite', async () => {
    const ethWithdrawal = s.withdrawalTxs.eth
    const l2Store = new L2DevnetStore(join(dir, 'l2.db'))
    try {
      const expected = withdrawalProofs(l2Store, ethWithdrawal).map(withdrawalProofJson)
      expect(expected).toHaveLength(1)
      const server = await serveL2Rpc({ store: l2Store, host: '127.0.0.1', port: 0 })
      try {
        const { port } = server.address() as AddressInfo
        const call = async (params: unknown[]) =>
          (await (await fetch(`http://127.0.0.1:${port}`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ethrex_getWithdrawalProof', params }) })).json()) as {
            result?: unknown
            error?: { message: string }
          }
        expect((await call([ethWithdrawal])).result).toEqual(expected)
        expect((await call([`0x${'00'.repeat(32)}`])).error?.message).toMatch(/no L1 message was sent by L2 transaction/)
        expect((await call(['0x12'])).error?.message).toMatch(/expected a 32-byte transaction hash/)
      } finally {
        server.close()
      }
      const out = execFileSync(process.execPath, [join(REPO_ROOT, 'dist/src/cli/main.js'), 'l2', 'withdrawal-proof', ethWithdrawal, '--db', join(dir, 'l2.db')], { encoding: 'utf8' })
      expect(JSON.parse(out)).toEqual(expected)
    } finally {
      l2Store.close()
    }
  }, 60_000)
})
