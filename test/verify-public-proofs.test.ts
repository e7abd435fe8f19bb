import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ProofRejected, verifyRisc0Groth16, verifySp1Proof, type ProofRejection } from '../src/verify/index.js'
import { RISC0_RELEASES, SP1_GROTH16_RELEASES, SP1_PLONK_RELEASES } from '../src/verify/keys.js'
import { REPO_ROOT } from './support/fixtures.js'

// Real proofs from projects that use SP1 and RISC Zero (provenance per entry: test/fixtures/proofs/README.md).
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
const load = (name: string) => JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/proofs', name), 'utf8'))
type Sp1Vector = { system: 'sp1-groth16' | 'sp1-plonk'; version: string; source: string; proof: Uint8Array; publicValues: Uint8Array; vkey: Uint8Array }
const sp1: Sp1Vector[] = load('sp1-public.json').proofs.map((p: Record<string, string>) => ({ ...p, proof: bytes(p.proof), publicValues: bytes(p.publicValues), vkey: bytes(p.vkey) }))
type Risc0Vector = { version: string; source: string; seal: Uint8Array; imageId: Uint8Array; journal?: Uint8Array; journalDigest?: Uint8Array }
const risc0: Risc0Vector[] = load('risc0-public.json').receipts.map((r: Record<string, string>) => ({
  version: r.version,
  source: r.source,
  seal: bytes(r.seal),
  imageId: bytes(r.imageId),
  ...(r.journal ? { journal: bytes(r.journal) } : { journalDigest: bytes(r.journalDigest) }),
}))

function flipBit(b: Uint8Array, byte: number, bit = 0): Uint8Array {
  const out = Uint8Array.from(b)
  out[byte] ^= 1 << bit
  return out
}

async function reason(p: Promise<unknown>): Promise<ProofRejection> {
  const e = await p.then(() => undefined, (err: unknown) => err)
  expect(e, 'the tampered proof was accepted').toBeInstanceOf(ProofRejected)
  return (e as ProofRejected).reason
}

const POINT_OR_PAIRING: ProofRejection[] = ['not_on_curve', 'not_in_field', 'pairing']

describe('SP1 proofs from public projects', () => {
  it('covers Groth16 and PLONK of every major release from v2 to v6', () => {
    for (const system of ['sp1-groth16', 'sp1-plonk']) {
      const majors = new Set(sp1.filter((p) => p.system === system).map((p) => p.version.split('.')[0]))
      for (const major of ['v2', 'v3', 'v4', 'v5', 'v6']) expect(majors, system).toContain(major)
    }
  })

  for (const p of sp1) {
    const header = p.version.startsWith('v6') ? 3 : 0
    it(`${p.system} ${p.version}: valid, and refused when a bit of the proof, the public values or the vkey changes`, async () => {
      expect(await verifySp1Proof(p)).toMatchObject({ system: p.system, version: p.version })
      // A bit inside the first proof point (A, or PLONK's [L]) and one in the last word.
      expect(POINT_OR_PAIRING).toContain(await reason(verifySp1Proof({ ...p, proof: flipBit(p.proof, 4 + 32 * header + 40, 2) })))
      expect(POINT_OR_PAIRING).toContain(await reason(verifySp1Proof({ ...p, proof: flipBit(p.proof, p.proof.length - 1) })))
      expect(await reason(verifySp1Proof({ ...p, publicValues: flipBit(p.publicValues, p.publicValues.length - 1) }))).toBe('pairing')
      expect(await reason(verifySp1Proof({ ...p, vkey: flipBit(p.vkey, 31) }))).toBe('pairing')
    })

    it(`${p.system} ${p.version}: refused under another release's key`, async () => {
      const keys = p.system === 'sp1-groth16' ? SP1_GROTH16_RELEASES : SP1_PLONK_RELEASES
      const other = keys.find((k) => k.version !== p.version && (k.vkRoot === null) === (header === 0))!
      const proof = Uint8Array.from(p.proof)
      proof.set(bytes(other.verifierHash).subarray(0, 4), 0)
      const r = await reason(verifySp1Proof({ ...p, proof }))
      expect(r).toBe(other.vkRoot !== null && header && other.vkRoot !== keys.find((k) => k.version === p.version)!.vkRoot ? 'vk_root' : 'pairing')
    })
  }

  it('PLONK: refuses an opening at or above the scalar modulus and a proof of the wrong length', async () => {
    const p = sp1.find((x) => x.system === 'sp1-plonk' && x.version === 'v5.0.0')!
    const proof = Uint8Array.from(p.proof)
    proof.fill(0xff, 4 + 0x180, 4 + 0x1a0) // l(ζ)
    expect(await reason(verifySp1Proof({ ...p, proof }))).toBe('not_in_field')
    const short = await verifySp1Proof({ ...p, proof: p.proof.subarray(0, 800) }).catch((e: ProofRejected) => e)
    expect(short).toMatchObject({ reason: 'malformed', field: 'proof', message: expect.stringMatching(/PLONK proofs are 868 bytes, got 800/) })
  })
})

describe('RISC Zero receipts from public projects', () => {
  it('covers releases 1.0 to 3.0 and every one recomputes its published selector', () => {
    const selectors = new Map(RISC0_RELEASES.map((r) => [r.version, r.publishedSelector]))
    for (const r of risc0) expect(Buffer.from(r.seal.subarray(0, 4)).toString('hex'), r.version).toBe(selectors.get(r.version)!.slice(2))
    expect(risc0.map((r) => r.version)).toEqual(expect.arrayContaining(['1.0', '1.2', '2.0', '2.2', '3.0']))
  })

  for (const r of risc0) {
    it(`${r.version}: valid, and refused for a changed seal, journal, image id or release`, async () => {
      expect((await verifyRisc0Groth16(r)).version).toBe(r.version)
      expect(POINT_OR_PAIRING).toContain(await reason(verifyRisc0Groth16({ ...r, seal: flipBit(r.seal, 4 + 100) })))
      const output = r.journal ? { journal: flipBit(r.journal, 0) } : { journalDigest: flipBit(r.journalDigest!, 0) }
      expect(await reason(verifyRisc0Groth16({ ...r, ...output }))).toBe('pairing')
      expect(await reason(verifyRisc0Groth16({ ...r, imageId: flipBit(r.imageId, 31, 7) }))).toBe('pairing')
      const seal = Uint8Array.from(r.seal)
      seal.set(bytes(RISC0_RELEASES.find((x) => x.version !== r.version)!.publishedSelector), 0)
      expect(await reason(verifyRisc0Groth16({ ...r, seal }))).toBe('pairing')
    })
  }

  it('wants the journal or its digest, exactly one, and a digest of 32 bytes', async () => {
    const r = risc0[0]
    expect(await reason(verifyRisc0Groth16({ seal: r.seal, imageId: r.imageId }))).toBe('malformed')
    expect(await reason(verifyRisc0Groth16({ seal: r.seal, imageId: r.imageId, journal: new Uint8Array(1), journalDigest: new Uint8Array(32) }))).toBe('malformed')
    expect(await reason(verifyRisc0Groth16({ seal: r.seal, imageId: r.imageId, journalDigest: new Uint8Array(31) }))).toBe('malformed')
  })
})

describe('no input crashes a verifier', () => {
  // Deterministic pseudo-random bytes (xorshift), so a failure can be replayed.
  let state = 0x9e3779b9
  const random = (n: number) => Uint8Array.from({ length: n }, () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state & 0xff
  })

  it('every known selector followed by random bytes of the right and wrong lengths is refused with a reason', async () => {
    const sp1Selectors = [...SP1_GROTH16_RELEASES, ...SP1_PLONK_RELEASES].map((k) => ({ sel: bytes(k.verifierHash).subarray(0, 4), v6: k.vkRoot !== null, plonk: 'omega' in k }))
    for (const { sel, v6, plonk } of sp1Selectors) {
      const body = (v6 ? 96 : 0) + (plonk ? 864 : 256)
      for (const n of [0, 31, body, body + 1]) {
        const proof = Uint8Array.from([...sel, ...random(n)])
        const e = await verifySp1Proof({ proof, publicValues: random(40), vkey: random(32) }).catch((x: unknown) => x)
        expect(e, `${Buffer.from(sel).toString('hex')} + ${n}`).toBeInstanceOf(ProofRejected)
      }
    }
    for (const rel of RISC0_RELEASES.slice(0, 3)) {
      for (const n of [0, 256, 300]) {
        const e = await verifyRisc0Groth16({ seal: Uint8Array.from([...bytes(rel.publishedSelector), ...random(n)]), imageId: random(32), journal: random(10) }).catch((x: unknown) => x)
        expect(e).toBeInstanceOf(ProofRejected)
      }
    }
  })

  it('valid-looking points that prove nothing are refused by the pairing (all-zero proofs are points at infinity)', async () => {
    const plonk = SP1_PLONK_RELEASES.find((k) => k.version === 'v5.0.0')!
    const groth = SP1_GROTH16_RELEASES.find((k) => k.version === 'v5.0.0')!
    for (const [k, n] of [[plonk, 864], [groth, 256]] as const) {
      const proof = Uint8Array.from([...bytes(k.verifierHash).subarray(0, 4), ...new Uint8Array(n)])
      expect(await reason(verifySp1Proof({ proof, publicValues: new Uint8Array(0), vkey: new Uint8Array(32) }))).toBe('pairing')
    }
  })
})

describe('docs/proof-verification.md', () => {
  it('lists every release this build verifies, with its selector', () => {
    const doc = readFileSync(resolve(REPO_ROOT, 'docs/proof-verification.md'), 'utf8')
    for (const r of RISC0_RELEASES) expect(doc, `RISC Zero ${r.version}`).toContain(`| ${r.version} | \`${r.publishedSelector}\``)
    for (const r of [...SP1_GROTH16_RELEASES, ...SP1_PLONK_RELEASES]) expect(doc, `SP1 ${r.version}`).toContain(`| ${r.version} | \`${r.verifierHash.slice(0, 10)}\` | \`${r.verifierHash}\``)
  })
})
