/**
 * Generates the bundled L2 devnet batches (fixtures/l2): an ethrex-style L2 genesis with Tessera's system
 * contracts, then 3 batches mixing deposits (privileged transactions), transfers, an ERC-20, contract calls,
 * ETH and ERC-20 withdrawals and failing calls (src/l2/devnet/scenario.ts). Each batch is written as an
 * ethrex-replay L2 batch cache file cache_batch_<n>.json (src/l2/cache.ts) with its minimal witness, and
 * the rollup's KZG blob commitment and proof; the genesis and a summary of expected results go in meta/ (so
 * the folder can be a coordinator --source as is). Deterministic, so a test can check the files for drift.
 *
 *   node dist/scripts/make-l2-devnet.js [outDir]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex } from 'viem'
import { l2InputToCacheFile, l2BatchCacheFileName } from '../src/l2/cache.js'
import { buildBundledL2Devnet } from '../src/l2/devnet/scenario.js'

/** File name -> exact contents, so the drift test can compare without touching the disk. */
export async function l2DevnetFiles(): Promise<Map<string, string>> {
  const devnet = await buildBundledL2Devnet({ validium: false })
  const files = new Map<string, string>()
  files.set('meta/genesis.json', `${JSON.stringify(devnet.genesis, null, 1)}\n`)
  for (const b of devnet.batches) files.set(l2BatchCacheFileName(b.number), `${JSON.stringify(l2InputToCacheFile(b.input, b.number))}\n`)
  const summary = {
    note: 'Expected results of the bundled L2 devnet (written by scripts/make-l2-devnet.ts); the tests recompute them.',
    addresses: Object.fromEntries(Object.entries(devnet.addresses).map(([k, v]) => [k, v.toString()])),
    batches: devnet.batches.map((b) => ({
      batch: b.number,
      blocks: b.blocks.map((x) => Number(x.header.number)),
      receiptStatuses: b.receipts.map((r) => r.map((x) => x.status)),
      privilegedTransactions: b.privilegedHashes.length,
      l1Messages: b.output.l1Messages.length,
      publicValues: bytesToHex(b.publicValues),
    })),
  }
  files.set('meta/summary.json', `${JSON.stringify(summary, null, 1)}\n`)
  return files
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'fixtures/l2'
  const files = await l2DevnetFiles()
  await rm(out, { recursive: true, force: true })
  await mkdir(join(out, 'meta'), { recursive: true })
  for (const [name, text] of files) {
    await writeFile(join(out, name), text)
    console.log(join(out, name))
  }
}
