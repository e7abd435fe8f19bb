import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { Refused } from '../src/protocol/refusal.js'
import type { Message, ProverType } from '../src/protocol/messages.js'
import { sendMessage, type Address } from '../src/protocol/transport.js'
import { coordinatorProofVerifiers } from '../src/verify/index.js'
import { createProofVerifierPool } from '../src/verify/pool.js'
import { captureLog, syntheticInput } from './support/coordinator-kit.js'
import { REPO_ROOT } from './support/fixtures.js'

/**
 * The coordinator verifies RISC0 / SP1 Groth16 proofs before storing them. The batch's expected public values
 * are stood in by the real proofs' journal / public values (test/fixtures/proofs), so the real proofs are what
 * a prover submits; a flipped bit anywhere must be refused and nothing stored.
 */
const hex = (s: string) => Uint8Array.from(Buffer.from(s.slice(2), 'hex'))
const fixtures = (name: string) => JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/proofs', name), 'utf8'))
const risc0 = fixtures('risc0-groth16.json').receipts.find((r: { version: string }) => r.version === '3.0')
const sp1 = fixtures('sp1-groth16.json').proofs.find((p: { version: string }) => p.version === 'v4.0.0-rc.3')

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function start(type: ProverType, expected: Uint8Array, programs: Parameters<typeof coordinatorProofVerifiers>[0], inWorker = false) {
  // In process (coordinatorProofVerifiers) or in the worker thread the CLI uses (createProofVerifierPool).
  const pool = inWorker ? createProofVerifierPool(programs) : undefined
  if (pool) cleanups.push(() => pool.close())
  const dir = mkdtempSync(join(tmpdir(), 'tessera-proofcheck-'))
  const store = new CoordinatorStore(join(dir, 'c.db'))
  store.addBatches([{ source: 'synthetic-1', firstBlock: 1, lastBlock: 1, input: encodeProgramInput(syntheticInput(1)) }])
  const { logger, lines } = captureLog()
  const coordinator = new Coordinator({
    store,
    version: 'test-1',
    requiredTypes: [type],
    proverTimeoutMs: 60_000,
    limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 2000, readDeadlineMs: 5000, maxConnections: 100 },
    logger,
    derivePublicValues: async () => expected,
    verifyProof: pool ? pool.coordinatorVerifiers() : coordinatorProofVerifiers(programs),
  })
  const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(async () => {
    await coordinator.close()
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { address, store, lines }
}

const send = (a: Address, m: Message) => sendMessage(a, m, { timeoutMs: 10_000 })
const submit = (a: Address, proverType: ProverType, proof: Uint8Array, publicValues: Uint8Array) =>
  send(a, { kind: 'ProofSubmit', batchNumber: 1, batchProof: { proverType, proof, publicValues } })

/** The coordinator answers an explicit refusal naming the verifier's reason (src/protocol/refusal.ts). */
async function refused(p: Promise<unknown>): Promise<Refused> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(Refused)
  expect((e as Refused).reason).toBe('invalid_proof')
  return e as Refused
}

function flip(b: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(b)
  out[at] ^= 0x04
  return out
}

describe('coordinator: proofs are checked before they are stored', () => {
  it('RISC0: refuses a tampered seal, stores the real one', async () => {
    const journal = hex(risc0.journal)
    const { address, store, lines } = await start('RISC0', journal, { risc0ImageId: hex(risc0.imageId) })
    await send(address, { kind: 'BatchRequest', commitHash: 'test-1', proverType: 'RISC0' })
    const r = await refused(submit(address, 'RISC0', flip(hex(risc0.seal), 200), journal))
    expect(r.message).toMatch(/risc0-groth16 proof rejected/)
    expect(store.proof(1, 'RISC0')).toBeUndefined()
    const refusal = lines.find((l) => l.reason === 'invalid_proof')
    expect(String(refusal?.msg)).toMatch(/risc0-groth16 proof rejected \((pairing|not_on_curve), seal\)/)
    expect(await submit(address, 'RISC0', hex(risc0.seal), journal)).toMatchObject({ kind: 'ProofSubmitACK', batchNumber: 1 })
    expect(store.proof(1, 'RISC0')?.proof).toEqual(hex(risc0.seal))
  })

  it('SP1 (checked in the verify worker): a proof of another program (vkey) is refused; the right one is stored', async () => {
    const pv = hex(sp1.publicValues)
    const { address, store, lines } = await start('SP1', pv, { sp1VKey: flip(hex(sp1.vkey), 31) }, true)
    await send(address, { kind: 'BatchRequest', commitHash: 'test-1', proverType: 'SP1' })
    const r = await refused(submit(address, 'SP1', hex(sp1.proof), pv))
    expect(r.message).toMatch(/sp1-groth16 proof rejected \(pairing, proof\)/)
    expect(store.proof(1, 'SP1')).toBeUndefined()
    expect(String(lines.find((l) => l.reason === 'invalid_proof')?.msg)).toMatch(/does not prove program vkey/)

    const right = await start('SP1', pv, { sp1VKey: hex(sp1.vkey) }, true)
    await send(right.address, { kind: 'BatchRequest', commitHash: 'test-1', proverType: 'SP1' })
    expect(await submit(right.address, 'SP1', hex(sp1.proof), pv)).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(right.store.proof(1, 'SP1')?.publicValues).toEqual(pv)
  })
})
