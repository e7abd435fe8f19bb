#!/usr/bin/env node
/**
 * Regenerates the verifying keys Tessera ships (src/verify/keys.json, read by src/verify/*Keys.ts and by
 * scripts/build-contracts.mjs, which renders the Solidity verifiers from it) from git clones of
 * risc0/risc0-ethereum and succinctlabs/sp1-contracts, so a reviewer can rebuild the constants and diff them:
 *   node scripts/extract-verifier-keys.mjs <risc0-ethereum git dir> <sp1-contracts git dir>
 * Only `git log` / `git show` on the given directories is used; nothing is fetched.
 *
 * RISC Zero: one Groth16 key (the circom stark-to-snark circuit, unchanged since risc0-ethereum e1b45467) and one
 * control root / BN254 control id per released verifier. Which commit's ControlID.sol each release's selector
 * comes from is listed below (selectors: contracts/src/selector.rs and contracts/deployment.toml); the script
 * recomputes every selector from the parameters and stops if one differs from the published value.
 * SP1: every VERIFIER_HASH any committed contracts/src/v*\/SP1Verifier{Groth16,Plonk,}.sol has carried, with
 * the key of the Groth16Verifier.sol / PlonkVerifier.sol beside it in the same commit.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const [risc0Dir, sp1Dir] = process.argv.slice(2)
if (!risc0Dir || !sp1Dir) {
  console.error('usage: extract-verifier-keys.mjs <risc0-ethereum git dir> <sp1-contracts git dir>')
  process.exit(2)
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const git = (dir, ...args) => execFileSync('git', ['--git-dir', dir, ...args], { maxBuffer: 1 << 28 }).toString()
const show = (dir, rev, path) => git(dir, 'show', `${rev}:${path}`)
const tryShow = (dir, rev, path) => {
  try {
    return show(dir, rev, path)
  } catch {
    return undefined
  }
}
const fullCommit = (dir, rev) => git(dir, 'rev-parse', rev).trim()
const constants = (src) => Object.fromEntries([...src.matchAll(/uint256 (?:private |internal )?constant (\w+) =\s*(\d+);/g)].map((m) => [m[1], m[2]]))

// ---- RISC Zero ------------------------------------------------------------------------------------------
// version: risc0-zkvm release line (selector.rs names Groth16V<x>, deployment.toml the risc0-ethereum version);
// rev: the risc0-ethereum commit whose ControlID.sol holds the release's control root.
const RISC0_RELEASES = [
  { version: '1.0', selector: '0x310fe598', rev: '0710cd56', note: 'risc0-ethereum v1.0.0' },
  { version: '1.1.0-rc.2', selector: '0x4c630d87', rev: '0d02cc9c', note: 'deployment.toml: ethereum-mainnet, first 1.1 verifier' },
  { version: '1.1', selector: '0x50bd1769', rev: '34d2fee4', note: 'selector.rs Groth16V1_1; deployment.toml 1.1.0-rc.3' },
  { version: '1.2', selector: '0xc101b42b', rev: '6121a980', note: 'selector.rs Groth16V1_2; deployment.toml 1.2.0' },
  { version: '1.3.0-rc.1', selector: '0x922fe23d', rev: 'a623c104', note: 'deployment.toml: ethereum-sepolia 1.3.0-rc.1' },
  { version: '2.0.0-unroutable', selector: '0x14da014b', rev: 'eef3265e', note: 'deployment.toml 2.0.0, marked unroutable' },
  { version: '2.0', selector: '0x9f39696c', rev: '90877d9a', note: 'selector.rs Groth16V2_0; deployment.toml 2.0.0-rc.3' },
  { version: '2.1', selector: '0xf536085a', rev: 'dc9d181c', note: 'selector.rs Groth16V2_1; deployment.toml 2.1.0' },
  { version: '2.2', selector: '0xbb001d44', rev: '6c4fb313', note: 'selector.rs Groth16V2_2; deployment.toml 2.2.0' },
  { version: '3.0', selector: '0x73c457ba', rev: '274eccaf', note: 'selector.rs Groth16V3_0; deployment.toml 3.0.0' },
  { version: '5.0', selector: '0xc27d1bc0', rev: '0dd148c3', note: 'selector.rs Groth16V5_0' },
]

const sha = (...parts) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}
const u256 = (v) => Buffer.from(BigInt(v).toString(16).padStart(64, '0'), 'hex')
const tagged = (tag, down) => sha(sha(tag), ...down, Buffer.from([down.length & 0xff, down.length >> 8]))

function risc0Key(rev) {
  const k = constants(show(risc0Dir, rev, 'contracts/src/groth16/Groth16Verifier.sol'))
  // snarkjs writes G2 coordinates as x1 (imaginary), x2 (real); keep its order: [c1, c0].
  const g2 = (n) => ({ x: [k[`${n}x1`], k[`${n}x2`]], y: [k[`${n}y1`], k[`${n}y2`]] })
  return {
    alpha: [k.alphax, k.alphay],
    beta: g2('beta'),
    gamma: g2('gamma'),
    delta: g2('delta'),
    ic: [0, 1, 2, 3, 4, 5].map((i) => [k[`IC${i}x`], k[`IC${i}y`]]),
  }
}

function risc0KeyDigest(key) {
  const g2 = (p) => sha(u256(p.x[0]), u256(p.x[1]), u256(p.y[0]), u256(p.y[1]))
  let ic = Buffer.alloc(32)
  for (let i = key.ic.length - 1; i >= 0; i--) ic = tagged('risc0_groth16.VerifyingKey.IC', [sha(u256(key.ic[i][0]), u256(key.ic[i][1])), ic])
  return tagged('risc0_groth16.VerifyingKey', [sha(u256(key.alpha[0]), u256(key.alpha[1])), g2(key.beta), g2(key.gamma), g2(key.delta), ic])
}

const r0Key = risc0Key(RISC0_RELEASES.at(-1).rev)
const r0KeyDigest = risc0KeyDigest(r0Key)
const risc0 = RISC0_RELEASES.map((rel) => {
  const commit = fullCommit(risc0Dir, rel.rev)
  if (!risc0KeyDigest(risc0Key(commit)).equals(r0KeyDigest)) throw new Error(`risc0 ${rel.version}: Groth16 key at ${commit} differs`)
  const s = show(risc0Dir, commit, 'contracts/src/groth16/ControlID.sol')
  const controlRoot = `0x${s.match(/CONTROL_ROOT = hex"(\w{64})"/)[1]}`
  const bn254ControlId = `0x${s.match(/BN254_CONTROL_ID = hex"(\w{64})"/)[1]}`
  const selector = `0x${tagged('risc0.Groth16ReceiptVerifierParameters', [Buffer.from(controlRoot.slice(2), 'hex'), Buffer.from(bn254ControlId.slice(2), 'hex').reverse(), r0KeyDigest]).subarray(0, 4).toString('hex')}`
  if (selector !== rel.selector) throw new Error(`risc0 ${rel.version}: computed selector ${selector}, published ${rel.selector}`)
  return { version: rel.version, selector, controlRoot, bn254ControlId, source: `risc0/risc0-ethereum@${commit}:contracts/src/groth16/ControlID.sol`, note: rel.note }
})

// ---- SP1 ------------------------------------------------------------------------------------------------
const hashesIn = (src) => [...src.matchAll(/function (VERIFIER_HASH|VK_ROOT)\(\)[^{]*\{\s*return (0x[0-9a-f]{64});/g)].map((m) => [m[1], m[2]])

function sp1Groth16Key(k) {
  // gnark's Groth16 template writes X_0 = real, X_1 = imaginary part: store [imaginary, real] like the others.
  const g2 = (n) => ({ x: [k[`${n}_X_1`], k[`${n}_X_0`]], y: [k[`${n}_Y_1`], k[`${n}_Y_0`]] })
  const pubs = Object.keys(k).filter((n) => /^PUB_\d+_X$/.test(n)).length
  return {
    alpha: [k.ALPHA_X, k.ALPHA_Y],
    betaNeg: g2('BETA_NEG'),
    gammaNeg: g2('GAMMA_NEG'),
    deltaNeg: g2('DELTA_NEG'),
    ic: [[k.CONSTANT_X, k.CONSTANT_Y], ...Array.from({ length: pubs }, (_, i) => [k[`PUB_${i}_X`], k[`PUB_${i}_Y`]])],
  }
}

function sp1PlonkKey(k) {
  const need = (n) => {
    if (k[n] === undefined) throw new Error(`PlonkVerifier.sol without ${n}`)
    return k[n]
  }
  const pt = (n) => [need(`${n}_X`), need(`${n}_Y`)]
  if (need('VK_NB_CUSTOM_GATES') !== '1') throw new Error('PLONK keys with other than one custom gate are not supported')
  return {
    nbPublicInputs: Number(need('VK_NB_PUBLIC_INPUTS')),
    domainSize: need('VK_DOMAIN_SIZE'),
    invDomainSize: need('VK_INV_DOMAIN_SIZE'),
    omega: need('VK_OMEGA'),
    cosetShift: need('VK_COSET_SHIFT'),
    ql: pt('VK_QL_COM'),
    qr: pt('VK_QR_COM'),
    qm: pt('VK_QM_COM'),
    qo: pt('VK_QO_COM'),
    qk: pt('VK_QK_COM'),
    s1: pt('VK_S1_COM'),
    s2: pt('VK_S2_COM'),
    s3: pt('VK_S3_COM'),
    qcp0: pt('VK_QCP_0'),
    indexCommitApi0: need('VK_INDEX_COMMIT_API_0'),
    g1Srs: [need('G1_SRS_X'), need('G1_SRS_Y')],
    // gnark writes G2 as X_0 = imaginary part, X_1 = real part (EIP-197 order): keep [c1, c0].
    g2Srs0: { x: [need('G2_SRS_0_X_0'), need('G2_SRS_0_X_1')], y: [need('G2_SRS_0_Y_0'), need('G2_SRS_0_Y_1')] },
    g2Srs1: { x: [need('G2_SRS_1_X_0'), need('G2_SRS_1_X_1')], y: [need('G2_SRS_1_Y_0'), need('G2_SRS_1_Y_1')] },
  }
}

const sp1 = { groth16: new Map(), plonk: new Map() }
const head = fullCommit(sp1Dir, 'HEAD')
// Newest first: a hash keeps the newest commit that still holds it, and its directory name as the version.
const commits = git(sp1Dir, 'log', '--all', '--format=%H', '--', 'contracts/src').trim().split('\n')
for (const commit of commits) {
  // v1.0 and v1.1 shipped PLONK only, its wrapper named SP1Verifier.sol.
  const dirs = new Set(git(sp1Dir, 'ls-tree', '-r', '--name-only', commit, 'contracts/src').split('\n').map((f) => f.match(/^contracts\/src\/(v[^/]+)\/(SP1VerifierGroth16|SP1VerifierPlonk|SP1Verifier)\.sol$/)).filter(Boolean).map((m) => `${m[1]}/${m[2]}`))
  for (const entry of dirs) {
    const [version, file] = entry.split('/')
    const kind = file === 'SP1VerifierGroth16' ? 'groth16' : 'plonk'
    const wrapper = show(sp1Dir, commit, `contracts/src/${version}/${file}.sol`)
    const hashes = Object.fromEntries(hashesIn(wrapper))
    if (!hashes.VERIFIER_HASH || sp1[kind].has(hashes.VERIFIER_HASH)) continue
    const keyFile = `contracts/src/${version}/${kind === 'groth16' ? 'Groth16Verifier' : 'PlonkVerifier'}.sol`
    const keySrc = tryShow(sp1Dir, commit, keyFile)
    if (!keySrc) continue
    const k = constants(keySrc)
    sp1[kind].set(hashes.VERIFIER_HASH, {
      version,
      verifierHash: hashes.VERIFIER_HASH,
      vkRoot: hashes.VK_ROOT ?? null,
      ...(kind === 'groth16' ? sp1Groth16Key(k) : sp1PlonkKey(k)),
      source: `succinctlabs/sp1-contracts@${commit}:contracts/src/${version}/${file}.sol and ${keyFile.split('/').pop()}`,
    })
  }
}
// Two hashes from one directory (a release re-cut in place): name the superseded one after its commit.
const semverish = (v) => v.replace(/^v/, '').split(/[.-]/).map((p) => (/^\d+$/.test(p) ? p.padStart(4, '0') : p)).join('.')
function ordered(map) {
  const out = [...map.values()]
  const byVersion = new Map()
  for (const r of out) byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r])
  for (const list of byVersion.values()) {
    for (const r of list.slice(1)) r.version = `${r.version}+${r.source.split('@')[1].slice(0, 8)}`
  }
  return out.sort((a, b) => semverish(a.version).localeCompare(semverish(b.version)))
}

// Every G2 coordinate pair below is [imaginary, real] (EIP-197 order).
const keys = {
  generatedBy: 'scripts/extract-verifier-keys.mjs',
  risc0: { groth16Key: r0Key, keySource: `risc0/risc0-ethereum@${fullCommit(risc0Dir, RISC0_RELEASES.at(-1).rev)}:contracts/src/groth16/Groth16Verifier.sol`, releases: risc0 },
  sp1: { headCommit: head, groth16: ordered(sp1.groth16), plonk: ordered(sp1.plonk) },
}
writeFileSync(join(root, 'src/verify/keys.json'), `${JSON.stringify(keys, null, 1)}\n`)
console.error(`risc0: ${risc0.length} releases; sp1: ${keys.sp1.groth16.length} Groth16 and ${keys.sp1.plonk.length} PLONK keys`)
