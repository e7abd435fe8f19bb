import { describe, expect, it, vi } from 'vitest'
import type { BatchResponse } from '../src/protocol/messages.js'
import { Refused } from '../src/protocol/refusal.js'
import { sendMessage } from '../src/protocol/transport.js'
import { syntheticInput } from './support/coordinator-kit.js'
import { rejection, request, send, startCoordinator, submit, valuesOf } from './support/reliability-kit.js'

/**
 * Issue 13, item 3: proofs only from a prover the batch was given to (until the assignment expires), the first
 * valid proof wins and later different ones are refused explicitly, and proof bytes nobody can verify are
 * stored only with trustUnverified.
 */

const reasonOf = async (p: Promise<unknown>) => {
  const e = await rejection(p)
  expect(e).toBeInstanceOf(Refused)
  return (e as Refused).reason
}

describe('proof acceptance', () => {
  it('refuses a submit from a prover the batch is not assigned to; the assigned prover still gets its ACK', async () => {
    const inputs = [1, 2, 3, 4, 5].map((n) => syntheticInput(n))
    const c = await startCoordinator({ inputs })
    const leases: (string | undefined)[] = [undefined]
    for (let i = 0; i < 5; i++) leases.push(((await request(c.address, 'real')) as BatchResponse).lease)
    expect(leases.slice(1).every((l) => typeof l === 'string' && l.length === 32)).toBe(true)
    const from = (localAddress: string, b: number, o: { proverId?: string; lease?: string } = {}) =>
      sendMessage(c.address, { kind: 'ProofSubmit', batchNumber: b, batchProof: { proverType: 'Exec', proof: new Uint8Array(0), publicValues: valuesOf(inputs[b - 1]) }, ...o }, { timeoutMs: 10_000, localAddress })
    for (let b = 2; b <= 5; b++) {
      // prover_id is a claim anyone can make: from another address, without the lease, it is refused.
      expect(await reasonOf(from('127.0.0.2', b, { proverId: 'real' }))).toBe('assigned_to_another_prover')
      // A lease that was not handed out is refused, from any address.
      expect(await reasonOf(from('127.0.0.2', b, { proverId: 'real', lease: 'f'.repeat(32) }))).toBe('assigned_to_another_prover')
      expect(await reasonOf(from('127.0.0.1', b, { proverId: 'real', lease: leases[1] }))).toBe('assigned_to_another_prover') // batch 1's lease
    }
    // The lease works from anywhere (a prover behind a changing address); all five are stored once.
    for (let b = 1; b <= 5; b++) expect(await from(b % 2 ? '127.0.0.1' : '127.0.0.4', b, { proverId: 'real', lease: leases[b] })).toMatchObject({ kind: 'ProofSubmitACK' })
    for (let b = 1; b <= 5; b++) expect(c.store.proof(b, 'Exec')?.proof).toEqual(new Uint8Array(0))
  })

  it('an ethrex prover (no prover_id, no lease) gets ethrex\'s exact reply and is known by its address', async () => {
    const inputs = [syntheticInput(1)]
    const c = await startCoordinator({ inputs })
    const reply = await sendMessage(c.address, { kind: 'BatchRequest', commitHash: 'v', proverType: 'Exec' }, { timeoutMs: 10_000, localAddress: '127.0.0.3' })
    expect(reply).toMatchObject({ kind: 'BatchResponse', batchNumber: 1 })
    expect((reply as BatchResponse).lease).toBeUndefined()
    const submitFrom = (localAddress: string) =>
      sendMessage(c.address, { kind: 'ProofSubmit', batchNumber: 1, batchProof: { proverType: 'Exec', proof: new Uint8Array(0), publicValues: valuesOf(inputs[0]) } }, { timeoutMs: 10_000, localAddress })
    expect(await reasonOf(submitFrom('127.0.0.2'))).toBe('assigned_to_another_prover')
    expect(await submitFrom('127.0.0.3')).toMatchObject({ kind: 'ProofSubmitACK' })
  })

  it('after the assignment expired anyone may answer, and an earlier holder\'s late proof is welcome', async () => {
    // The coordinator's clock (Date.now) is frozen and moved by hand: a loaded machine cannot expire the first
    // assignment before the second request. Timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const inputs = [syntheticInput(1), syntheticInput(2)]
      const c = await startCoordinator({ inputs, proverTimeoutMs: 200 })
      expect(await request(c.address, 'slow')).toMatchObject({ batchNumber: 1 })
      expect(await request(c.address, 'slow')).toMatchObject({ batchNumber: 2 })
      vi.setSystemTime(Date.now() + 300)
      expect(await submit(c.address, 1, valuesOf(inputs[0]), { proverId: 'rescuer' })).toMatchObject({ kind: 'ProofSubmitACK' })
      expect(await request(c.address, 'second')).toMatchObject({ batchNumber: 2 }) // reassigned
      expect(await submit(c.address, 2, valuesOf(inputs[1]), { proverId: 'slow' })).toMatchObject({ kind: 'ProofSubmitACK' })
    } finally {
      vi.useRealTimers()
    }
  })

  it('20 racing submits with different bytes: exactly one ACK, one stored, the other 19 refused explicitly', async () => {
    const input = syntheticInput(1)
    const c = await startCoordinator({
      inputs: [input],
      trustUnverified: true,
      derivePublicValues: async () => {
        await new Promise((r) => setTimeout(r, 100)) // all 20 are being checked at once
        return valuesOf(input)
      },
    })
    await request(c.address, 'p')
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        submit(c.address, 1, valuesOf(input), { proverId: 'p', proof: Uint8Array.of(i) }).then(
          () => ({ ack: i }),
          (e: Refused) => ({ refused: e.reason }),
        ),
      ),
    )
    const acks = results.filter((r) => 'ack' in r) as { ack: number }[]
    expect(acks).toHaveLength(1)
    expect(results.filter((r) => 'refused' in r && r.refused === 'conflicting_duplicate')).toHaveLength(19)
    expect(c.store.proof(1, 'Exec')?.proof).toEqual(Uint8Array.of(acks[0].ack))
  })

  it('junk proof bytes nobody can verify are refused, and stored only with trustUnverified', async () => {
    const input = syntheticInput(1)
    const strict = await startCoordinator({ inputs: [input], requiredTypes: ['Exec', 'SP1'] })
    await request(strict.address, 'p', 'SP1')
    await request(strict.address, 'p', 'Exec')
    const junk = new Uint8Array(64).fill(0x5a)
    expect(await reasonOf(submit(strict.address, 1, valuesOf(input), { proverId: 'p', proverType: 'SP1', proof: junk }))).toBe('unverifiable')
    expect(await reasonOf(submit(strict.address, 1, valuesOf(input), { proverId: 'p', proof: junk }))).toBe('unverifiable')
    expect(strict.store.proof(1, 'SP1')).toBeUndefined()
    expect(strict.store.proof(1, 'Exec')).toBeUndefined()
    // A verifier, when there is one, decides.
    const verified = await startCoordinator({ inputs: [input], requiredTypes: ['SP1'], verifyProof: { SP1: async (proof) => proof[0] === 1 } })
    await request(verified.address, 'p', 'SP1')
    expect(await reasonOf(submit(verified.address, 1, valuesOf(input), { proverId: 'p', proverType: 'SP1', proof: junk }))).toBe('invalid_proof')
    expect(await submit(verified.address, 1, valuesOf(input), { proverId: 'p', proverType: 'SP1', proof: Uint8Array.of(1) })).toMatchObject({ kind: 'ProofSubmitACK' })
    // trustUnverified: stored after the public values check.
    const trusting = await startCoordinator({ inputs: [input], requiredTypes: ['SP1'], trustUnverified: true })
    await request(trusting.address, 'p', 'SP1')
    expect(await reasonOf(submit(trusting.address, 1, new Uint8Array(160), { proverId: 'p', proverType: 'SP1', proof: junk }))).toBe('wrong_public_values')
    expect(await submit(trusting.address, 1, valuesOf(input), { proverId: 'p', proverType: 'SP1', proof: junk })).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(trusting.store.proof(1, 'SP1')?.proof).toEqual(junk)
  })

  it('junk in ethrex\'s Exec form (no public values) never blocks the correct proof', async () => {
    const input = syntheticInput(1)
    const junkSubmit = (address: Parameters<typeof send>[0], proof: Uint8Array, proverId = 'junk') =>
      send(address, { kind: 'ProofSubmit', batchNumber: 1, batchProof: { proverType: 'Exec', proof }, proverId })
    const junk = new Uint8Array(4096).fill(0x77)
    // Without --trust-unverified: refused, nothing stored, the honest prover's proof is taken.
    const strict = await startCoordinator({ inputs: [input] })
    await request(strict.address, 'junk')
    expect(await reasonOf(junkSubmit(strict.address, junk))).toBe('unverifiable')
    expect(await reasonOf(junkSubmit(strict.address, Uint8Array.of(0)))).toBe('unverifiable')
    expect(strict.store.proof(1, 'Exec')).toBeUndefined()
    expect(await submit(strict.address, 1, valuesOf(input), { proverId: 'junk' })).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(strict.store.proof(1, 'Exec')?.checked).toBe('public_values')
    // With it: stored, marked unchecked, and replaced by the first verified proof; after that nothing replaces it.
    const trusting = await startCoordinator({ inputs: [input], trustUnverified: true, proverTimeoutMs: 1 })
    await request(trusting.address, 'junk')
    expect(await junkSubmit(trusting.address, Uint8Array.of(0))).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(trusting.store.proof(1, 'Exec')?.checked).toBe('nothing')
    expect(await junkSubmit(trusting.address, Uint8Array.of(0))).toMatchObject({ kind: 'ProofSubmitACK' }) // a retry of the same bytes
    expect(await reasonOf(junkSubmit(trusting.address, junk))).toBe('conflicting_duplicate') // two unverified: the first stays
    expect(await submit(trusting.address, 1, valuesOf(input), { proverId: 'honest' })).toMatchObject({ kind: 'ProofSubmitACK' })
    expect(trusting.store.proof(1, 'Exec')).toMatchObject({ proof: new Uint8Array(0), publicValues: valuesOf(input), checked: 'public_values' })
    expect(await reasonOf(junkSubmit(trusting.address, Uint8Array.of(0)))).toBe('conflicting_duplicate')
    expect(await submit(trusting.address, 1, valuesOf(input), { proverId: 'honest' })).toMatchObject({ kind: 'ProofSubmitACK' })
  })
})
