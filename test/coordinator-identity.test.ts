import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { mockPublicValues } from '../src/backend/index.js'
import { Coordinator, type CoordinatorOptions } from '../src/coordinator/coordinator.js'
import { createCoordinatorMetrics } from '../src/coordinator/metrics.js'
import { AuthTokensInvalid, parseAddressList, ProverTokens } from '../src/coordinator/proverTokens.js'
import { coordinatorStatus, renderStatusHtml } from '../src/coordinator/statusPage.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import type { Message } from '../src/protocol/messages.js'
import { Refused, type RefusalReason } from '../src/protocol/refusal.js'
import { sendMessage, type Address } from '../src/protocol/transport.js'
import { captureLog, freePort, runCli, syntheticInput } from './support/coordinator-kit.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-identity-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const ALICE = 'alice-token-0123456789abcdef'
const BOB = 'bob-token-0123456789abcdef00'
const TOKENS = ProverTokens.parse(`# provers of this coordinator\nalice ${ALICE}\n\nbob   ${BOB}   # GPU host 2\n`, 'tokens.txt')

async function start(over: Partial<CoordinatorOptions> = {}) {
  const store = new CoordinatorStore(join(tempDir(), 'coordinator.db'))
  store.addBatches([1, 2, 3].map((n) => ({ source: `synthetic-${n}`, firstBlock: n, lastBlock: n, input: encodeProgramInput(syntheticInput(n)) })))
  const { logger, lines } = captureLog()
  const metrics = createCoordinatorMetrics(store, ['Exec'], 60_000)
  const opts: CoordinatorOptions = {
    store,
    version: 'test-1',
    requiredTypes: ['Exec'],
    proverTimeoutMs: 60_000,
    limits: { maxMessageBytes: 64 * 1024, idleTimeoutMs: 300, readDeadlineMs: 3000, maxConnections: 1000 },
    logger,
    metrics,
    derivePublicValues: async (input) => mockPublicValues(input),
    proverTokens: TOKENS,
    ...over,
  }
  const coordinator = new Coordinator(opts)
  const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(async () => {
    await coordinator.close()
    store.close()
  })
  return { coordinator, store, address, lines, metrics }
}

/** ethrex's InputRequest carries no auth_token and no prover_id; `from` picks the loopback address it comes from. */
const request = (a: Address, from: string, authToken?: string) =>
  sendMessage(a, { kind: 'BatchRequest', commitHash: 'test-1', proverType: 'Exec', authToken } as Message, { timeoutMs: 5000, localAddress: from })
const submit = (a: Address, from: string, batchNumber: number, authToken?: string) =>
  sendMessage(
    a,
    { kind: 'ProofSubmit', batchNumber, batchProof: { proverType: 'Exec', proof: new Uint8Array(0), publicValues: mockPublicValues(encodeProgramInput(syntheticInput(batchNumber))) }, authToken } as Message,
    { timeoutMs: 5000, localAddress: from },
  )

async function refusal(p: Promise<unknown>): Promise<RefusalReason | undefined> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(Refused)
  return (e as Refused).reason
}

describe('--auth-tokens file', () => {
  it('reads `name token` lines and a JSON object', () => {
    expect(TOKENS.names).toEqual(['alice', 'bob'])
    expect(TOKENS.nameOf(BOB)).toBe('bob')
    expect(TOKENS.nameOf('someone-else-0123456789')).toBeUndefined()
    expect(ProverTokens.parse(JSON.stringify({ carol: 'carol-token-0123456789' }), 'tokens.json').nameOf('carol-token-0123456789')).toBe('carol')
  })

  it('refuses a bad file naming the line, never quoting a token', () => {
    const cases: [string, RegExp][] = [
      [`alice ${ALICE}\nalice ${BOB}\n`, /line 2: alice is named twice/],
      [`alice ${ALICE}\nbob ${ALICE}\n`, /line 2: bob has the same token as alice/],
      [`alice short\n`, /line 1: the token of alice is not 16 to 512/],
      [`alice ${ALICE} extra\n`, /line 1: expected 2 fields/],
      [`al/ice ${ALICE}\n`, /line 1: "al\/ice" is not a valid name/],
      [`# nobody\n`, /no tokens/],
      [`{"alice": 7}`, /entry "alice": the token is not a string/],
    ]
    for (const [text, want] of cases) {
      const e = (() => {
        try {
          ProverTokens.parse(text, 'tokens.txt')
        } catch (err) {
          return err as Error
        }
      })()
      expect(e).toBeInstanceOf(AuthTokensInvalid)
      expect(e!.message).toMatch(want)
      expect(e!.message).not.toContain(ALICE)
    }
  })
})

describe('coordinator with per-prover tokens', () => {
  it('records which named prover took and submitted each batch (store, logs, status page)', async () => {
    const { store, address, lines, metrics } = await start()
    expect(await request(address, '127.0.0.2', ALICE)).toMatchObject({ batchNumber: 1 })
    expect(await request(address, '127.0.0.3', BOB)).toMatchObject({ batchNumber: 2 })
    expect(store.assignment(1, 'Exec')?.assignedTo).toBe('alice')
    expect(store.assignment(2, 'Exec')?.assignedTo).toBe('bob')
    // Alice's batch, from another address and without a lease: her token names her as its assignee.
    expect(await submit(address, '127.0.0.4', 1, ALICE)).toMatchObject({ kind: 'ProofSubmitACK', batchNumber: 1 })
    expect(store.proof(1, 'Exec')?.submittedBy).toBe('alice')
    // Bob may not answer Alice's... nor Alice Bob's batch while it is assigned.
    expect(await refusal(submit(address, '127.0.0.2', 2, ALICE))).toBe('assigned_to_another_prover')
    expect(lines.find((l) => l.msg === 'batch assigned' && l.batch === 1)).toMatchObject({ prover: 'alice' })
    expect(lines.find((l) => l.msg === 'proof accepted' && l.batch === 1)).toMatchObject({ prover: 'alice' })
    const status = await coordinatorStatus({ store, metrics, requiredTypes: ['Exec'], proverTimeoutMs: 60_000, version: 'test-1', startedAtMs: Date.now() })
    expect(status.inProgress).toEqual([expect.objectContaining({ batch: 2, assignedTo: 'bob' })])
    expect(status.recentProofs).toEqual([expect.objectContaining({ batch: 1, submittedBy: 'alice' })])
    expect(renderStatusHtml(status)).toContain('<td>alice</td>')
  })

  it('refuses unknown and revoked tokens, and tokenless requests from unlisted addresses', async () => {
    const { coordinator, address, lines } = await start({ allowTokenless: parseAddressList('127.0.0.5,127.0.1.0/24', '--allow-tokenless') })
    expect(await refusal(request(address, '127.0.0.2', 'not-a-token-0123456789'))).toBe('auth')
    expect(await refusal(request(address, '127.0.0.6'))).toBe('auth')
    expect(await refusal(submit(address, '127.0.0.6', 1))).toBe('auth')
    expect(await request(address, '127.0.0.2', ALICE)).toMatchObject({ batchNumber: 1 })
    coordinator.setProverTokens(ProverTokens.parse(`bob ${BOB}\n`, 'tokens.txt')) // alice revoked
    expect(await refusal(request(address, '127.0.0.2', ALICE))).toBe('auth')
    expect(await refusal(submit(address, '127.0.0.2', 1, ALICE))).toBe('auth')
    expect(lines.filter((l) => l.reason === 'auth')).toHaveLength(5)
    expect(JSON.stringify(lines)).not.toContain(ALICE)
  })

  it('lets an ethrex prover (no token) in from a listed address, with ethrex reply unchanged, named by its address', async () => {
    const { store, address } = await start({ allowTokenless: parseAddressList('127.0.1.0/24', '--allow-tokenless') })
    const reply = await request(address, '127.0.1.9')
    expect(reply).toMatchObject({ kind: 'BatchResponse', batchNumber: 1, format: 'Groth16' })
    expect(reply).not.toHaveProperty('lease')
    expect(store.assignment(1, 'Exec')?.assignedTo).toBe('tokenless@127.0.1.9')
    expect(await submit(address, '127.0.1.9', 1)).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(store.proof(1, 'Exec')?.submittedBy).toBe('tokenless@127.0.1.9')
  })

  it('keeps the shared --auth-token working beside named tokens', async () => {
    const { store, address } = await start({ authToken: 'shared-secret-0123456789' })
    expect(await request(address, '127.0.0.2', 'shared-secret-0123456789')).toMatchObject({ batchNumber: 1 })
    expect(store.assignment(1, 'Exec')?.assignedTo).toBeNull()
  })
})

describe('tessera coordinator --auth-tokens', () => {
  it('rereads the file on SIGHUP: a revoked prover is refused, a bad file keeps the tokens in force', async () => {
    const dir = tempDir()
    const file = join(dir, 'tokens.txt')
    writeFileSync(file, `alice ${ALICE}\nbob ${BOB}\n`)
    const port = await freePort()
    const devnet = new URL('../fixtures/devnet', import.meta.url).pathname
    const p = runCli(['coordinator', '--source', devnet, '--db', join(dir, 'c.db'), '--listen', `127.0.0.1:${port}`, '--auth-tokens', file, '--commit-hash', 'test-1', '--source-poll-interval', '0', '--verify-workers', '1'])
    cleanups.push(async () => {
      p.kill('SIGKILL')
      await p.exited
    })
    const address = { host: '127.0.0.1', port }
    await p.waitFor(/coordinator listening/, 60_000)
    expect(await request(address, '127.0.0.1', ALICE)).toMatchObject({ kind: 'BatchResponse' })
    writeFileSync(file, `bob ${BOB}\n`)
    p.kill('SIGHUP')
    await p.waitFor(/per-prover auth tokens reloaded/, 10_000)
    expect(await refusal(request(address, '127.0.0.1', ALICE))).toBe('auth')
    writeFileSync(file, `bob short\n`)
    p.kill('SIGHUP')
    await p.waitFor(/not reloaded/, 10_000)
    expect(await request(address, '127.0.0.1', BOB)).toMatchObject({ kind: 'BatchResponse' })
  }, 90_000)

  it('refuses to start on a bad tokens file, and --allow-tokenless without auth', async () => {
    const dir = tempDir()
    const file = join(dir, 'tokens.txt')
    writeFileSync(file, `alice ${ALICE}\nalice ${BOB}\n`)
    const bad = runCli(['coordinator', '--source', dir, '--db', join(dir, 'c.db'), '--auth-tokens', file])
    expect(await bad.exited).not.toBe(0)
    expect(bad.lines.join('\n')).toMatch(/tokens\.txt line 2: alice is named twice/)
    const lonely = runCli(['coordinator', '--source', dir, '--db', join(dir, 'c.db'), '--allow-tokenless', '10.0.0.0/8'])
    expect(await lonely.exited).not.toBe(0)
    expect(lonely.lines.join('\n')).toMatch(/--allow-tokenless .*--auth-token/)
  }, 60_000)
})
