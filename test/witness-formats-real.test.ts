import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

/**
 * Every file in ../shared/fixtures/real through `tessera replay file`, checked against the verdict its README
 * gives, then again after `tessera convert`. Real blocks of public networks, made by other projects.
 */
const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')
const REAL = resolve(SHARED_FIXTURES, 'real')
const f = (p: string) => join(REAL, p)

async function tessera(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

/** The output line about one input (the file name appears once per input). */
function lineFor(out: string, file: string): string {
  const line = out.split('\n').find((l) => l.includes(file) && !l.startsWith('  note'))
  if (line === undefined) throw new Error(`no line for ${file} in:\n${out}`)
  return line
}

describe('real witnesses of other producers (../shared/fixtures/real)', () => {
  it('every file gives its README verdict through replay file', async () => {
    const { code, out } = await tessera([
      'replay', 'file',
      f('ethrex-replay-2025/cache_690403.json'),
      f('ethrex-replay-2025/cache_3990967.json'),
      f('ethrex-replay-2025/cache_hoodi_974567.json'),
      f('zk-pig/zkpi_mainnet_22188088.json'),
      f('sbv/holesky_0x2ba60c_block.json'), f('sbv/holesky_0x2ba60c_witness.json'),
      f('sbv/holesky_0x2caa27_blockwitness.json'),
      f('geth-keeper/1192c3_block.rlp'), f('geth-keeper/1192c3_witness.rlp'),
      f('besu-zevm/test_block.json'), f('besu-zevm/test_block_witness.json'),
      f('besu-zevm/test_stateless_input.bin'),
      f('ethrex-l2/l2.json'), ...readdirSync(f('ethrex-l2')).filter((n) => n.endsWith('.blob')).sort().map((n) => f(`ethrex-l2/${n}`)),
      '--workers', '2',
    ])
    expect(code).toBe(1)
    // ethrex-replay Jun–Aug 2025 caches: valid.
    expect(lineFor(out, 'cache_690403.json')).toMatch(/block 690403: ok, 4 txs/)
    expect(lineFor(out, 'cache_3990967.json')).toMatch(/block 3990967: ok, 108 txs, 15756859 gas/)
    expect(lineFor(out, 'cache_hoodi_974567.json')).toMatch(/block 974567: ok, 1 txs/)
    // zk-pig: incomplete by design (two restructuring nodes are missing; which one is hit first depends on the
    // order the state layer writes in); the error names the account or slot, the trie position and zk-pig's rule.
    const zk = lineFor(out, 'zkpi_mainnet_22188088.json')
    expect(zk).toMatch(/FAILED WitnessIncomplete: .*missing node (0x8423dffe|0x8a3d287b)/)
    expect(zk).toMatch(/(storage of 0x6ec94f50cadcc79984463688de42a0ca696ec2db trie at nibble path 0xd1|account 0xc83f7d9f2d4a76e81145849381aba02602373723.*state trie at nibble path 0x22c)/)
    expect(zk).toMatch(/modified MPT/)
    // SBV: no parent header -> a clear error naming the missing header and the ways to give it.
    expect(lineFor(out, 'holesky_0x2ba60c_block.json')).toMatch(/FAILED ParentHeaderMissing: .*parent header of block 2860556 \(block 2860555, hash 0x46393d10/)
    expect(lineFor(out, 'holesky_0x2caa27_blockwitness.json')).toMatch(/FAILED ParentHeaderMissing: .*block 2927142/)
    // geth keeper: the witness lacks the trie path of the transaction's recipient (see README, Limitations).
    const geth = lineFor(out, '1192c3_block.rlp')
    expect(geth).toMatch(/FAILED WitnessIncomplete: .*account 0x00d8b9e957becc0978a9882f0cd5e776cd7c5b20.*state trie at nibble path 0x39/)
    // Besu devnet: the chain config is not given.
    expect(lineFor(out, 'test_block.json')).toMatch(/FAILED UnknownChain: .*chain id 3151908 .*devnet chain config not given/)
    // zevm binary: identified; the producer dropped the withdrawals the header commits to.
    expect(lineFor(out, 'test_stateless_input.bin')).toMatch(/FAILED InputFormatError: .*withdrawals: absent, but the header's withdrawals root is 0xe585/)
    // ethrex L2 genesis + blobs: routed to the L2 guest (never read as L1), valid under ethrex L2 rules.
    expect(lineFor(out, 'l2.json')).toMatch(/blocks 1-24: ok.*shape ethrex-l2-genesis\+blobs/)
    expect(out).toMatch(/final state root 0xe466c5e502b2cc4f206a9235b9f776a638e334f319b76682b9559a51db234312, last block hash 0x27a1ca1ce163d95f5c1fa50c1865ac3f7f0613e0ee6e4f8743db66526239db2d/)
    expect(out).not.toMatch(/TypeError/)
  }, 300_000)

  it('the Besu devnet block runs once its chain config is given (Prague from genesis, chain 3151908)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-besu-'))
    const config = { chainId: 3151908, homesteadBlock: 0, eip150Block: 0, eip155Block: 0, eip158Block: 0, byzantiumBlock: 0, constantinopleBlock: 0, petersburgBlock: 0, istanbulBlock: 0, berlinBlock: 0, londonBlock: 0, mergeNetsplitBlock: 0, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 }
    writeFileSync(join(dir, 'genesis.json'), JSON.stringify({ config, alloc: {} }))
    const { code, out } = await tessera(['replay', 'file', f('besu-zevm/test_block.json'), f('besu-zevm/test_block_witness.json'), '--chain-config', join(dir, 'genesis.json'), '--workers', '1'])
    expect(lineFor(out, 'test_block.json')).toMatch(/block 1: ok, 100 txs, 2100000 gas.*shape rpc-block\+witness/)
    expect(code).toBe(0)
  }, 120_000)

  it('headerless inputs run when the user accepts an unanchored run, and say so', async () => {
    const { code, out } = await tessera([
      'replay', 'file', f('sbv/holesky_0x2ba60c_block.json'), f('sbv/holesky_0x2ba60c_witness.json'), f('sbv/holesky_0x2caa27_blockwitness.json'), '--trust-pre-state-root', '--workers', '2',
    ])
    expect(code).toBe(0)
    expect(lineFor(out, 'holesky_0x2ba60c_block.json')).toMatch(/block 2860556: ok, 42 txs, 10655712 gas.*UNANCHORED/)
    expect(lineFor(out, 'holesky_0x2caa27_blockwitness.json')).toMatch(/block 2927143: ok, 0 txs.*UNANCHORED/)
    expect(out).toMatch(/pre-state root 0x3bcb68f67af7c8d072b3f8c30a598526a706528956fa41a82dfa34dd843820a7 taken on trust/)
  }, 120_000)

  it('convert writes ethrex-replay caches that give the same verdicts (current and 2025 shapes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-convert-'))
    const conv = await tessera([
      'convert', f('ethrex-replay-2025/cache_690403.json'), f('zk-pig/zkpi_mainnet_22188088.json'), f('geth-keeper/1192c3_block.rlp'), f('geth-keeper/1192c3_witness.rlp'),
      f('sbv/holesky_0x2caa27_blockwitness.json'), '--out', dir,
    ])
    // The SBV file fails conversion exactly as it fails replay (no parent header).
    expect(conv.code).toBe(1)
    expect(conv.out).toMatch(/FAILED ParentHeaderMissing: .*holesky_0x2caa27_blockwitness\.json/)
    const old = await tessera(['convert', f('ethrex-replay-2025/cache_hoodi_974567.json'), '--shape', '2025', '--out', join(dir, 'old')])
    expect(old.code).toBe(0)
    const files = readdirSync(dir).filter((n) => n.endsWith('.json')).sort()
    expect(files).toEqual(['cache_hoodi_1151683.json', 'cache_hoodi_690403.json', 'cache_mainnet_22188088.json'])
    const { out } = await tessera(['replay', 'file', ...files.map((n) => join(dir, n)), join(dir, 'old/cache_hoodi_974567.json'), '--workers', '2'])
    expect(lineFor(out, 'cache_hoodi_690403.json')).toMatch(/block 690403: ok, 4 txs.*shape ethrex-cache\)/)
    expect(lineFor(out, 'old/cache_hoodi_974567.json')).toMatch(/block 974567: ok, 1 txs.*shape ethrex-cache-2025/)
    // The producer's rule survives conversion.
    expect(lineFor(out, 'cache_mainnet_22188088.json')).toMatch(/WitnessIncomplete: .*(0x8423dffe|0x8a3d287b).*modified MPT/)
    expect(lineFor(out, 'cache_hoodi_1151683.json')).toMatch(/WitnessIncomplete: .*nibble path 0x39.*geth's witness/)
  }, 300_000)

  it('witness inspect reports shape, sizes, unused nodes and the missing path', async () => {
    const { code, out } = await tessera(['witness', 'inspect', f('ethrex-replay-2025/cache_hoodi_974567.json'), f('zk-pig/zkpi_mainnet_22188088.json')])
    expect(code).toBe(1)
    expect(out).toMatch(/shape: +ethrex-cache-2025/)
    expect(out).toMatch(/run: +ok/)
    expect(out).toMatch(/never read: +\d+ nodes, \d+ codes, \d+ headers\n/)
    expect(out).toMatch(/shape: +zk-pig/)
    expect(out).toMatch(/nodes: +854 \(308\.3 KiB\), 854 reachable from the root, 0 unreachable/)
    expect(out).toMatch(/diagnosis: +the node sits in the (storage of 0x6ec94f50cadcc79984463688de42a0ca696ec2db trie at nibble path 0xd1|state trie at nibble path 0x22c).*producer rule: zk-pig/)
    // reth's 2024 map-form witness (SBV testdata), run unanchored: over-inclusion is reported.
    const sbv = await tessera(['witness', 'inspect', f('sbv/holesky_0x2ba60c_block.json'), f('sbv/holesky_0x2ba60c_witness.json'), '--trust-pre-state-root'])
    expect(sbv.code).toBe(0)
    expect(sbv.out).toMatch(/anchor: +unanchored/)
    expect(sbv.out).toMatch(/run: +ok\n +never read: +6 nodes, 0 codes, 0 headers/)
  }, 180_000)
})
