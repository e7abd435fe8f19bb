import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bn254 } from '@noble/curves/bn254.js'
import { ProofRejected, ProofUnverifiable, verifyRisc0Groth16, verifySp1Proof, verifySubmittedProof, type ProofRejection } from '../src/verify/index.js'
import { risc0Selector } from '../src/verify/risc0Groth16.js'
import { RISC0_RELEASES } from '../src/verify/keys.js'
import { REPO_ROOT } from './support/fixtures.js'

// Real proofs: risc0/risc0-ethereum contracts/test/TestReceiptV*.sol and succinctlabs/sp1-contracts
// contracts/test/SP1VerifierGroth16*.sol (commits in each entry's `source`).
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
const load = (name: string) => JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/proofs', name), 'utf8'))
const risc0 = (load('risc0-groth16.json').receipts as { version: string; seal: string; journal: string; imageId: string }[]).map((r) => ({
  version: r.version,
  seal: bytes(r.seal),
  journal: bytes(r.journal),
  imageId: bytes(r.imageId),
}))
const sp1 = (load('sp1-groth16.json').proofs as { version: string; proof: string; publicValues: string; vkey: string }[]).map((p) => ({
  version: p.version,
  proof: bytes(p.proof),
  publicValues: bytes(p.publicValues),
  vkey: bytes(p.vkey),
}))

function flipBit(b: Uint8Array, byte: number, bit = 0): Uint8Array {
  const out = Uint8Array.from(b)
  out[byte] ^= 1 << bit
  return out
}

async function rejection(p: Promise<unknown>): Promise<ProofRejected> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e, 'the tampered proof was accepted').toBeInstanceOf(ProofRejected)
  return e as ProofRejected
}

/** Replaces the 32-byte word at `offset + 32*i` by P - word (the negated coordinate: still on the curve). */
function negateWord(b: Uint8Array, offset: number, i: number): Uint8Array {
  const out = Uint8Array.from(b)
  const at = offset + 32 * i
  const v = BigInt(`0x${Buffer.from(out.subarray(at, at + 32)).toString('hex')}`)
  out.set(Buffer.from((bn254.fields.Fp.ORDER - v).toString(16).padStart(64, '0'), 'hex'), at)
  return out
}

const POINT_OR_PAIRING: ProofRejection[] = ['not_on_curve', 'not_in_field', 'pairing']

describe('RISC Zero Groth16 receipts', () => {
  it('recomputes the selectors risc0-ethereum publishes from the vendored keys and control roots', () => {
    for (const r of RISC0_RELEASES) expect(risc0Selector(r), r.version).toBe(r.publishedSelector)
  })

  it.each(risc0.map((r) => [r.version, r] as const))('verifies the real %s receipt', async (version, r) => {
    const ok = await verifyRisc0Groth16(r)
    expect(ok.version).toBe(version)
  })

  const r = risc0.find((x) => x.version === '5.0')!

  it('refuses a flipped bit in every word of the seal, with the point or pairing reason', async () => {
    for (let w = 0; w < 8; w++) {
      const e = await rejection(verifyRisc0Groth16({ ...r, seal: flipBit(r.seal, 4 + 32 * w + 17, 3) }))
      expect(POINT_OR_PAIRING, e.message).toContain(e.reason)
      expect(e.field).toBe('seal')
    }
  })

  it('refuses a seal whose points are valid but not the proven ones (A negated, C negated)', async () => {
    for (const i of [1, 7]) {
      const e = await rejection(verifyRisc0Groth16({ ...r, seal: negateWord(r.seal, 4, i) }))
      expect(e.reason).toBe('pairing')
      expect(e.message).toMatch(/does not prove image id 0x51350de4/)
    }
  })

  it('refuses a flipped bit in the journal and in the image id', async () => {
    const j = await rejection(verifyRisc0Groth16({ ...r, journal: flipBit(r.journal, 3) }))
    expect(j.reason).toBe('pairing')
    const i = await rejection(verifyRisc0Groth16({ ...r, imageId: flipBit(r.imageId, 31, 7) }))
    expect(i.reason).toBe('pairing')
    const empty = await rejection(verifyRisc0Groth16({ ...r, journal: new Uint8Array(0) }))
    expect(empty.reason).toBe('pairing')
  })

  it('refuses a seal checked under another release (the verifying parameters changed)', async () => {
    const v3 = risc0.find((x) => x.version === '3.0')!
    const seal = Uint8Array.from(v3.seal)
    seal.set(bytes(RISC0_RELEASES.find((x) => x.version === '5.0')!.publishedSelector), 0)
    expect((await rejection(verifyRisc0Groth16({ ...v3, seal }))).reason).toBe('pairing')
  })

  it('refuses an unknown selector, a wrong seal length and a short image id, naming the field', async () => {
    const sel = await rejection(verifyRisc0Groth16({ ...r, seal: flipBit(r.seal, 0) }))
    expect(sel.reason).toBe('unknown_selector')
    expect(sel.message).toMatch(/selector 0xc37d1bc0 .*0xc27d1bc0 \(5\.0\)/)
    const short = await rejection(verifyRisc0Groth16({ ...r, seal: r.seal.subarray(0, 259) }))
    expect([short.reason, short.field]).toEqual(['malformed', 'seal'])
    const id = await rejection(verifyRisc0Groth16({ ...r, imageId: r.imageId.subarray(1) }))
    expect([id.reason, id.field]).toEqual(['malformed', 'imageId'])
  })

  it('refuses a coordinate at or above the field modulus', async () => {
    const seal = Uint8Array.from(r.seal)
    seal.fill(0xff, 4, 36)
    const e = await rejection(verifyRisc0Groth16({ ...r, seal }))
    expect(e.reason).toBe('not_in_field')
  })
})

describe('SP1 Groth16 proofs', () => {
  it.each(sp1.map((p) => [p.version, p] as const))('verifies the real %s proof', async (version, p) => {
    expect((await verifySp1Proof(p)).version).toBe(version)
  })

  for (const p of sp1) {
    const header = p.version.startsWith('v6') ? 3 : 0
    it(`${p.version}: refuses a flipped bit in every proof point word`, async () => {
      for (let w = header; w < header + 8; w++) {
        const e = await rejection(verifySp1Proof({ ...p, proof: flipBit(p.proof, 4 + 32 * w + 20, 1) }))
        expect(POINT_OR_PAIRING, e.message).toContain(e.reason)
      }
    })

    it(`${p.version}: refuses valid points that are not the proven ones, tampered public values and vkey`, async () => {
      expect((await rejection(verifySp1Proof({ ...p, proof: negateWord(p.proof, 4, header + 1) }))).reason).toBe('pairing')
      const pv = await rejection(verifySp1Proof({ ...p, publicValues: flipBit(p.publicValues, 95) }))
      expect(pv.reason).toBe('pairing')
      expect(pv.message).toMatch(/does not prove program vkey/)
      expect((await rejection(verifySp1Proof({ ...p, publicValues: p.publicValues.subarray(0, 64) }))).reason).toBe('pairing')
      expect((await rejection(verifySp1Proof({ ...p, vkey: flipBit(p.vkey, 31) }))).reason).toBe('pairing')
    })
  }

  const v4 = sp1.find((p) => p.version === 'v4.0.0-rc.3')!
  const v6 = sp1.find((p) => p.version === 'v6.0.0')!

  it('refuses a v4 proof checked under the v5 verifying key (same layout, other key)', async () => {
    const proof = Uint8Array.from(v4.proof)
    proof.set(bytes('0xa4594c59'), 0)
    expect((await rejection(verifySp1Proof({ ...v4, proof }))).reason).toBe('pairing')
  })

  it('refuses a B on the G2 curve but outside the prime-order subgroup (what EIP-197 also refuses)', async () => {
    const Fp2 = bn254.fields.Fp2
    const b = bn254.G2.Point.CURVE().b
    let point: { x: { c0: bigint; c1: bigint }; y: { c0: bigint; c1: bigint } } | undefined
    for (let i = 1n; !point; i++) {
      const x = Fp2.create({ c0: i, c1: 1n })
      const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)
      try {
        point = { x, y: Fp2.sqrt(rhs) }
      } catch {
        // not a square: next x
      }
    }
    const proof = Uint8Array.from(v4.proof)
    const put = (i: number, v: bigint) => proof.set(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'), 4 + 32 * i)
    put(2, point.x.c1)
    put(3, point.x.c0)
    put(4, point.y.c1)
    put(5, point.y.c0)
    const e = await rejection(verifySp1Proof({ ...v4, proof }))
    expect([e.reason, e.message]).toEqual(['not_on_curve', expect.stringMatching(/B is not a point of the BN254 G2 subgroup/)])
  })

  it('v6: refuses a non-zero exit code, another vk root and a changed nonce', async () => {
    expect((await rejection(verifySp1Proof({ ...v6, proof: flipBit(v6.proof, 4 + 31) }))).reason).toBe('exit_code')
    expect((await rejection(verifySp1Proof({ ...v6, proof: flipBit(v6.proof, 4 + 32 + 31) }))).reason).toBe('vk_root')
    expect((await rejection(verifySp1Proof({ ...v6, proof: flipBit(v6.proof, 4 + 64 + 31) }))).reason).toBe('pairing')
  })

  it('refuses unknown selectors, wrong lengths (e.g. trailing commitment data) and a short vkey', async () => {
    expect((await rejection(verifySp1Proof({ ...v4, proof: flipBit(v4.proof, 1) }))).reason).toBe('unknown_selector')
    const long = await rejection(verifySp1Proof({ ...v4, proof: Uint8Array.from([...v4.proof, ...new Uint8Array(96)]) }))
    expect([long.reason, long.field]).toEqual(['malformed', 'proof'])
    expect(long.message).toMatch(/260 bytes, got 356/)
    expect((await rejection(verifySp1Proof({ ...v4, vkey: new Uint8Array(31) }))).field).toBe('vkey')
    expect((await rejection(verifySp1Proof({ ...v4, proof: new Uint8Array(2) }))).reason).toBe('malformed')
  })
})

describe('verifySubmittedProof (what the coordinator calls)', () => {
  const r = risc0.find((x) => x.version === '5.0')!
  const p = sp1.find((x) => x.version === 'v4.0.0-rc.3')!

  it('checks RISC0 and SP1 proofs against the expected public values and the configured program', async () => {
    expect(await verifySubmittedProof('RISC0', r.seal, r.journal, { risc0ImageId: r.imageId })).toEqual({ system: 'risc0-groth16', version: '5.0' })
    expect(await verifySubmittedProof('SP1', p.proof, p.publicValues, { sp1VKey: p.vkey })).toEqual({ system: 'sp1-groth16', version: 'v4.0.0-rc.3' })
    await rejection(verifySubmittedProof('RISC0', r.seal, flipBit(r.journal, 0), { risc0ImageId: r.imageId }))
    await rejection(verifySubmittedProof('SP1', p.proof, p.publicValues, { sp1VKey: flipBit(p.vkey, 0) }))
  })

  it('says when a type cannot be checked, and that Exec has nothing cryptographic to check', async () => {
    await expect(verifySubmittedProof('RISC0', r.seal, r.journal, {})).rejects.toThrow(ProofUnverifiable)
    await expect(verifySubmittedProof('SP1', p.proof, p.publicValues, {})).rejects.toMatchObject({ hint: expect.stringMatching(/--sp1-vkey/) })
    await expect(verifySubmittedProof('TDX', new Uint8Array(1), r.journal, {})).rejects.toThrow(/no verifier for TDX/)
    expect(await verifySubmittedProof('Exec', new Uint8Array([0]), r.journal, {})).toEqual({ system: 'exec' })
  })
})
