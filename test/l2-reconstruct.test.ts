/**
 * `tessera l2 reconstruct` on the real ethrex L2 in ../shared/fixtures/real/ethrex-l2 (genesis + 6 blobs as
 * lambdaclass/ethrex @ 6fbd93b5 published them), and every way a blob sequence can be wrong.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto } from '../guest/crypto.js'
import { BlockInvalid } from '../guest/errors.js'
import { BlobInvalid, blobFromPayload, decodeBatchPayload, payloadFromBlob } from '../guest/l2/blob.js'
import { FeeConfigInvalid } from '../guest/l2/feeConfig.js'
import { PrivilegedTransaction } from '../guest/l2/privilegedTx.js'
import { BatchFailed, BlobOutOfSequence, reconstructL2, type BlobFile } from '../src/l2/reconstruct.js'
import { REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')
const REAL = join(SHARED_FIXTURES, 'real/ethrex-l2')
const GENESIS = join(REAL, 'l2.json')
const genesis = () => JSON.parse(readFileSync(GENESIS, 'utf8'))
const blob = (n: number): BlobFile => ({ name: `${n}-1.blob`, bytes: new Uint8Array(readFileSync(join(REAL, `${n}-1.blob`))) })
/** Final state root and last block hash from fixtures/real/README.md. */
const FINAL_ROOT = '0xe466c5e502b2cc4f206a9235b9f776a638e334f319b76682b9559a51db234312'
const LAST_HASH = '0x27a1ca1ce163d95f5c1fa50c1865ac3f7f0613e0ee6e4f8743db66526239db2d'

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

/** Change the payload of a blob and re-pack it as ethrex would (top bytes stay zero). */
function withPayload(b: BlobFile, edit: (payload: Uint8Array) => void): BlobFile {
  const payload = payloadFromBlob(b.bytes)
  edit(payload)
  return { name: b.name, bytes: blobFromPayload(payload) }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle))
}

async function failure(blobs: BlobFile[], json = genesis()): Promise<{ error: unknown; blocks: bigint[] }> {
  const blocks: bigint[] = []
  try {
    await reconstructL2(json, blobs, { onBlock: (_, b) => blocks.push(b.header.number) })
  } catch (error) {
    return { error, blocks }
  }
  throw new Error('reconstruction unexpectedly succeeded')
}

describe('tessera l2 reconstruct: the real ethrex L2', () => {
  it('rebuilds all 24 blocks to the published state root, and replay file proves every written batch', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-l2-'))
    const report = join(out, 'report.json')
    const blobs = [1, 2, 3, 4, 5, 6].map((n) => join(REAL, `${n}-1.blob`))
    const r = await cli(['l2', 'reconstruct', '--genesis', GENESIS, ...blobs, '--out', out, '--json', report])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`final state root  ${FINAL_ROOT}`)
    expect(r.stdout).toContain(`last block        24 ${LAST_HASH}`)
    expect(r.stdout).toMatch(/reconstructed 24 blocks in 6 batches from 6 blobs/)
    expect(r.stdout).toMatch(/batch 4 \(4-1\.blob\): blocks 11-15, 50 txs \(50 privileged\)/)
    const json = JSON.parse(readFileSync(report, 'utf8'))
    expect(json.batches).toHaveLength(6)
    // The last batch's public values end with its final root, last block hash, chain id, 0 ordinary txs.
    const pv: string = json.batches[5].publicValues
    expect(pv.slice(2 + 64, 2 + 128)).toBe(FINAL_ROOT.slice(2))
    expect(pv.slice(2 + 5 * 64, 2 + 6 * 64)).toBe(LAST_HASH.slice(2))
    expect(BigInt(`0x${pv.slice(2 + 6 * 64, 2 + 7 * 64)}`)).toBe(65536999n)
    expect(BigInt(`0x${pv.slice(2 + 7 * 64)}`)).toBe(0n)
    const files = readdirSync(out).filter((f) => f.startsWith('cache_batch_')).sort()
    expect(files).toEqual([1, 2, 3, 4, 5, 6].map((n) => `cache_batch_${n}.json`))
    const replay = await cli(['replay', 'file', ...files.map((f) => join(out, f)), '--workers', '2'])
    expect(replay.code, replay.stdout).toBe(0)
    expect(replay.stdout.match(/blocks? [\d-]+: ok, .*shape ethrex-l2-batch/g)).toHaveLength(6)
    expect(replay.stdout).toContain(`public values ${pv}`)
  }, 600_000)

  it('stops at a tampered blob with exit 1, names it, keeps the batch before it and writes no file for it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-l2-'))
    const bad = join(out, '2-1.blob')
    const b2 = blob(2).bytes.slice()
    b2[32 * 100] = 0x01 // a field element whose top byte is not zero
    writeFileSync(bad, b2)
    const r = await cli(['l2', 'reconstruct', '--genesis', GENESIS, join(REAL, '1-1.blob'), bad, '--out', out])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/FAILED BlobInvalid in .*2-1\.blob: .*field element 100/)
    expect(r.stderr).toMatch(/verified before the failure: 1 blocks/)
    expect(existsSync(join(out, 'cache_batch_1.json'))).toBe(true)
    expect(existsSync(join(out, 'cache_batch_2.json'))).toBe(false)
  }, 240_000)
})

describe('l2 reconstruct: blobs out of sequence', () => {
  it('a missing blob', async () => {
    const { error } = await failure([blob(1), blob(3)])
    expect(error).toBeInstanceOf(BlobOutOfSequence)
    expect((error as Error).message).toMatch(/3-1\.blob: starts at block 7, expected 2 \(a blob is missing before it\)/)
  }, 60_000)

  it('reordered blobs', async () => {
    const { error } = await failure([blob(2), blob(1)])
    expect(error).toBeInstanceOf(BlobOutOfSequence)
    expect((error as Error).message).toMatch(/2-1\.blob: starts at block 2, expected 1/)
  }, 60_000)

  it('a duplicated blob', async () => {
    const { error } = await failure([blob(1), blob(1)])
    expect(error).toBeInstanceOf(BlobOutOfSequence)
    expect((error as Error).message).toMatch(/1-1\.blob: starts at block 1 but block 1 was already reconstructed/)
  }, 60_000)

  it('a blob of another chain (other genesis)', async () => {
    const other = genesis()
    const [addr] = Object.keys(other.alloc)
    other.alloc[addr].balance = '0x1'
    const { error } = await failure([blob(1)], other)
    expect(error).toBeInstanceOf(BlobOutOfSequence)
    expect((error as Error).message).toMatch(/block 1 names parent 0x4bc450ae.*another chain/)
  }, 60_000)
})

describe('l2 reconstruct: corrupted blobs', () => {
  it('a non-zero top byte', async () => {
    const b = blob(1)
    b.bytes[32 * 3] = 0x80
    const { error } = await failure([b])
    expect(error).toBeInstanceOf(BatchFailed)
    expect((error as BatchFailed).cause).toBeInstanceOf(BlobInvalid)
    expect((error as Error).message).toMatch(/1-1\.blob: .*field element 3/)
  }, 60_000)

  it('a flipped payload byte inside a privileged transaction', async () => {
    const b2 = blob(2)
    const payload = payloadFromBlob(b2.bytes)
    const common = commonFromChainConfig(genesis().config, guestCrypto())
    const tx = decodeBatchPayload(payload, common).blocks[0].transactions[3] as unknown as PrivilegedTransaction
    const serialized = tx.serialize()
    const at = indexOf(payload, serialized)
    expect(at).toBeGreaterThan(0)
    const tampered = withPayload(b2, (p) => {
      p[at + serialized.length - 1] ^= 0x01 // last byte of `from`: another sender
    })
    const { error, blocks } = await failure([blob(1), tampered])
    expect(blocks).toEqual([1n])
    expect((error as BatchFailed).cause).toBeInstanceOf(BlockInvalid)
    expect((error as Error).message).toMatch(/2-1\.blob: block 2 invalid: transactions root/)
  }, 60_000)

  it('truncated RLP', async () => {
    const tampered = withPayload(blob(2), (p) => p.fill(0, 300))
    const { error } = await failure([blob(1), tampered])
    expect((error as BatchFailed).cause).toBeInstanceOf(BlockInvalid)
    expect((error as Error).message).toMatch(/2-1\.blob: block 1 of 5/)
  }, 60_000)

  it('an unknown fee-config version', async () => {
    const b1 = blob(1)
    const payload = payloadFromBlob(b1.bytes)
    // Blob 1 holds one block: its fee config starts right after the block's RLP.
    const blockLength = 3 + ((payload[9] << 8) | payload[10])
    expect(payload[8]).toBe(0xf9)
    const tampered = withPayload(b1, (p) => {
      p[8 + blockLength] = 1
    })
    const { error } = await failure([tampered])
    expect((error as BatchFailed).cause).toBeInstanceOf(FeeConfigInvalid)
    expect((error as Error).message).toMatch(/1-1\.blob: fee config of block 1: version.*unsupported fee config version 1/)
  }, 60_000)

  it('a header whose state root does not match re-execution; the blocks before it are reported', async () => {
    const b2 = blob(2)
    const payload = payloadFromBlob(b2.bytes)
    const common = commonFromChainConfig(genesis().config, guestCrypto())
    const root6 = decodeBatchPayload(payload, common).blocks[4].header.stateRoot
    const at = indexOf(payload, root6)
    expect(at).toBeGreaterThan(0)
    const tampered = withPayload(b2, (p) => {
      p[at + 5] ^= 0xff
    })
    const { error, blocks } = await failure([blob(1), tampered])
    expect((error as Error).message).toMatch(/2-1\.blob: block 6 invalid: state root: expected 0x/)
    expect(blocks).toEqual([1n, 2n, 3n, 4n, 5n])
  }, 120_000)
})
