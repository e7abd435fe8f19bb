import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './support/coordinator-kit.js'
import { REPO_ROOT } from './support/fixtures.js'

// `tessera verify-proof` on the real proofs of test/fixtures/proofs (see verify-proofs.test.ts for sources).
const risc0 = JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/proofs/risc0-groth16.json'), 'utf8')).receipts.find((r: { version: string }) => r.version === '5.0')
const sp1 = JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/proofs/sp1-groth16.json'), 'utf8')).proofs.find((p: { version: string }) => p.version === 'v6.0.0')

async function verify(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = runCli(['verify-proof', ...args])
  const code = await p.exited
  return { code, out: p.lines.join('\n') }
}

const flip = (hex: string, nibble: number) => `${hex.slice(0, nibble)}${(parseInt(hex[nibble], 16) ^ 1).toString(16)}${hex.slice(nibble + 1)}`

describe('tessera verify-proof', () => {
  it('accepts the real RISC Zero receipt given as hex, and exits (no snarkjs threads left behind)', async () => {
    const r = await verify(['--system', 'risc0', '--seal', risc0.seal, '--journal', risc0.journal, '--image-id', risc0.imageId])
    expect(r.code, r.out).toBe(0)
    expect(r.out).toMatch(/^valid: risc0-groth16 5\.0 \(selector 0xc27d1bc0\)/m)
  })

  it('accepts the real SP1 proof from files (raw bytes and hex text) and reports JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-verify-'))
    writeFileSync(join(dir, 'proof.bin'), Buffer.from(sp1.proof.slice(2), 'hex'))
    writeFileSync(join(dir, 'pv.hex'), `${sp1.publicValues}\n`)
    const r = await verify(['--system', 'sp1', '--proof', join(dir, 'proof.bin'), '--public-values', join(dir, 'pv.hex'), '--vkey', sp1.vkey, '--json'])
    expect(r.code, r.out).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ valid: true, system: 'sp1-groth16', version: 'v6.0.0', program: sp1.vkey })
  })

  it('refuses tampered seal, journal, image id and vkey with exit 1 and the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['--system', 'risc0', '--seal', flip(risc0.seal, 100), '--journal', risc0.journal, '--image-id', risc0.imageId], /rejected \((pairing|not_on_curve), seal\)/],
      [['--system', 'risc0', '--seal', risc0.seal, '--journal', flip(risc0.journal, 5), '--image-id', risc0.imageId], /rejected \(pairing, seal\): the seal does not prove/],
      [['--system', 'risc0', '--seal', risc0.seal, '--journal', risc0.journal, '--image-id', flip(risc0.imageId, 9)], /rejected \(pairing, seal\)/],
      [['--system', 'sp1', '--proof', sp1.proof, '--public-values', sp1.publicValues, '--vkey', flip(sp1.vkey, 20)], /rejected \(pairing, proof\): the proof does not prove program vkey/],
    ]
    for (const [args, want] of cases) {
      const r = await verify(args)
      expect(r.code, r.out).toBe(1)
      expect(r.out).toMatch(want)
    }
  })

  it('answers usage errors with exit 2 naming the flag', async () => {
    const r = await verify(['--system', 'sp1', '--proof', '0x1', '--public-values', '0x', '--vkey', sp1.vkey])
    expect(r.code).toBe(2)
    expect(r.out).toMatch(/--proof: "0x1" is neither a file nor even-length hex/)
    const s = await verify(['--system', 'plonky3', '--proof', sp1.proof, '--public-values', '0x', '--vkey', sp1.vkey])
    expect(s.code).toBe(2)
    expect(s.out).toMatch(/--system: expected risc0 or sp1/)
  })
})

describe('tessera verify-proof on proofs from public projects (test/fixtures/proofs/README.md)', () => {
  const load = (name: string) => JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/proofs', name), 'utf8'))
  const plonk = load('sp1-public.json').proofs.find((p: { system: string; version: string }) => p.system === 'sp1-plonk' && p.version === 'v6.0.0')
  const taiko = load('risc0-public.json').receipts.find((r: { version: string }) => r.version === '1.0')

  it('accepts an SP1 PLONK proof and refuses it with another vkey', async () => {
    const ok = await verify(['--system', 'sp1', '--proof', plonk.proof, '--public-values', plonk.publicValues, '--vkey', plonk.vkey, '--json'])
    expect(ok.code, ok.out).toBe(0)
    expect(JSON.parse(ok.out)).toMatchObject({ valid: true, system: 'sp1-plonk', version: 'v6.0.0', selector: '0xbb1a6f29' })
    const bad = await verify(['--system', 'sp1', '--proof', plonk.proof, '--public-values', plonk.publicValues, '--vkey', flip(plonk.vkey, 30)])
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/sp1-plonk proof rejected \(pairing, proof\)/)
  })

  it('accepts a RISC Zero 1.0 receipt given with only its journal digest', async () => {
    const ok = await verify(['--system', 'risc0', '--seal', taiko.seal, '--journal-digest', taiko.journalDigest, '--image-id', taiko.imageId])
    expect(ok.code, ok.out).toBe(0)
    expect(ok.out).toMatch(/^valid: risc0-groth16 1\.0 \(selector 0x310fe598\).*output sha256 0xa82287ae/m)
    const bad = await verify(['--system', 'risc0', '--seal', taiko.seal, '--journal-digest', flip(taiko.journalDigest, 2), '--image-id', taiko.imageId])
    expect(bad.code).toBe(1)
  })
})

describe('tessera doctor', () => {
  it('lists every verifier release with its selector', async () => {
    const p = runCli(['doctor', '--no-kzg'])
    expect(await p.exited).toBe(0)
    const out = p.lines.join('\n')
    expect(out).toMatch(/risc0 groth16: 1\.0 0x310fe598, .*2\.1 0xf536085a, .*5\.0 0xc27d1bc0/)
    expect(out).toMatch(/sp1 groth16: .*v2\.0\.0 0x6a2906ac, .*v6\.1\.0 0x4388a21c/)
    expect(out).toMatch(/sp1 plonk: .*v6\.0\.0-beta\.1 0x433cef0e, .*v6\.1\.0 0x5a093a2f/)
  })
})

describe('tessera coordinator proof flags', () => {
  it('refuses an image id / vkey that is not 32 bytes of hex, before opening anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-coordflags-'))
    for (const [flag, value] of [['--risc0-image-id', '0x1234'], ['--sp1-vkey', 'zz'.repeat(32)]]) {
      const p = runCli(['coordinator', '--source', dir, '--db', join(dir, 'c.db'), '--listen', '127.0.0.1:0', '--required-types', 'RISC0,SP1', flag, value], {}, dir)
      expect(await p.exited).not.toBe(0)
      expect(p.lines.join('\n')).toContain(`${flag}: expected 32 bytes of hex, got "${value}"`)
    }
  })
})
