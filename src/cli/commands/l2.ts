import { readRegularFile } from '../../witness/inputFile.js'
import { readFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseArgs } from '../args.js'
import { describeFeeConfig } from '../../../guest/l2/feeConfig.js'
import { hostGuestOptions } from '../../crypto/guestOptions.js'
import { writeL2BatchCache } from '../../l2/cache.js'
import { BatchFailed, reconstructL2, type ReconstructedBatch } from '../../l2/reconstruct.js'
import { toHex } from '../../witness/hex.js'
import { ProgressBar } from '../progress.js'

const HELP = `usage:
  tessera l2 reconstruct --genesis <l2 genesis.json> <blob>... [--out DIR] [--json FILE]
  tessera l2 devnet --l1-rpc-url URL [...]          L2 devnet sequencer (see 'tessera l2 devnet --help')
  tessera l2 withdrawal-proof <L2 tx hash> [--db F]  Merkle proof to claim a withdrawal on L1

Rebuild an ethrex L2 from its genesis and the EIP-4844 blobs its L1 committer published (files of 131072
bytes, named <batch>-<index>.blob by ethrex, given in batch order). Every block is re-executed under ethrex's
L2 rules and its header checked (parent hash, state root, receipts root, gas used, logs bloom); every batch is
then proven by the L2 guest from a minimal recorded witness, its blob's KZG proof checked.

options:
  --genesis FILE   the L2 genesis (geth-style config + alloc), as given to ethrex
  --out DIR        write each batch as an L2 batch cache file cache_batch_<n>.json (for 'tessera replay file')
  --json FILE      write the per-batch report and the summary as JSON
Exit code 1 at the first batch that fails; the batches before it are reported and written.`

const OPTIONS = {
  genesis: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Subcommands of `tessera l2`. */
const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  reconstruct: runReconstruct,
  devnet: (argv) => import('./l2-devnet.js').then((m) => m.runDevnet(argv)),
  'withdrawal-proof': (argv) => import('./l2-devnet.js').then((m) => m.runWithdrawalProof(argv)),
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const command = sub === undefined ? undefined : SUBCOMMANDS[sub]
  if (command === undefined) {
    console.log(HELP)
    return sub === '--help' || sub === '-h' ? 0 : 2
  }
  return command(rest)
}

/** ethrex names blobs <batch>-<index>.blob; the batch number names the cache file when present. */
function batchNumberOf(name: string): number | undefined {
  const m = /^(\d+)-(\d+)\.blob$/.exec(basename(name))
  return m ? Number(m[1]) : undefined
}

function batchLine(b: ReconstructedBatch, batchNumber: number): string {
  const first = b.blocks[0].header.number
  const last = b.blocks[b.blocks.length - 1].header.number
  return [
    `batch ${batchNumber} (${basename(b.blob)}): blocks ${first}-${last}, ${b.transactionCount} txs (${b.privilegedCount} privileged)`,
    `  KZG commitment   ${toHex(b.commitment)}`,
    `  versioned hash   ${toHex(b.versionedHash)}`,
    `  fee config       ${describeFeeConfig(b.feeConfigs[b.feeConfigs.length - 1])}${b.feeConfigs.some((f) => describeFeeConfig(f) !== describeFeeConfig(b.feeConfigs[0])) ? ' (varies by block)' : ''}`,
    `  public values    ${toHex(b.publicValues)}`,
  ].join('\n')
}

async function runReconstruct(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (!values.genesis) throw new Error('l2 reconstruct needs --genesis <l2 genesis.json>')
  if (positionals.length === 0) throw new Error('l2 reconstruct needs at least one blob file')
  const batchOfFile = positionals.map(batchNumberOf)
  const seen = new Map<number, string>()
  positionals.forEach((p, i) => {
    const n = batchOfFile[i]
    if (n === undefined) return
    const other = seen.get(n)
    if (other !== undefined) {
      throw Object.assign(new Error(`${p} and ${other} are two blobs of batch ${n}: ethrex @6fbd93b5 commits one blob per batch; multi-blob batches are not supported`), {
        hint: 'pass one <batch>-1.blob per batch',
      })
    }
    seen.set(n, p)
  })
  let genesis: unknown
  try {
    genesis = JSON.parse((await readRegularFile(values.genesis)).toString('utf8'))
  } catch (e) {
    throw new Error(`${values.genesis}: cannot read the genesis file (${(e as Error).message})`)
  }
  const blobs = await Promise.all(positionals.map(async (name) => ({ name, bytes: new Uint8Array(await readRegularFile(name)) })))
  const bar = new ProgressBar(blobs.length)
  const report: Record<string, unknown>[] = []
  let blocksDone = 0
  let lastBlock = ''
  const t0 = performance.now()
  const guest = await hostGuestOptions()
  try {
    const result = await reconstructL2(genesis, blobs, {
      crypto: guest.crypto,
      bn254: guest.bn254,
      blake2f: guest.blake2f,
      onBlock: (_, block) => {
        blocksDone++
        lastBlock = `block ${block.header.number} ${toHex(block.hash())}`
      },
      onBatch: async (b) => {
        const batchNumber = batchOfFile[b.number - 1] ?? b.number
        let file: string | undefined
        if (values.out) file = await writeL2BatchCache(values.out, batchNumber, b.input)
        bar.tick({ ok: true, transactions: b.transactionCount, gasUsed: b.blocks.reduce((g, blk) => g + blk.header.gasUsed, 0n) })
        bar.log(batchLine(b, batchNumber) + (file ? `\n  written          ${file}` : ''))
        report.push({
          batch: batchNumber,
          blob: b.blob,
          firstBlock: String(b.blocks[0].header.number),
          lastBlock: String(b.blocks[b.blocks.length - 1].header.number),
          transactions: b.transactionCount,
          privileged: b.privilegedCount,
          commitment: toHex(b.commitment),
          versionedHash: toHex(b.versionedHash),
          publicValues: toHex(b.publicValues),
          file,
        })
      },
    })
    bar.finish()
    console.log(`final state root  ${toHex(result.finalStateRoot)}`)
    console.log(`last block        ${result.lastBlockNumber} ${toHex(result.lastBlockHash)}`)
    console.log(
      `reconstructed ${blocksDone} blocks in ${result.batches.length} batches from ${blobs.length} blobs in ${((performance.now() - t0) / 1000).toFixed(1)} s: every header verified, every batch proven by the L2 guest`,
    )
    if (values.json) await writeJson(values.json, { ok: true, batches: report, finalStateRoot: toHex(result.finalStateRoot), lastBlock: String(result.lastBlockNumber), lastBlockHash: toHex(result.lastBlockHash) })
    return 0
  } catch (e) {
    bar.finish()
    const err = e as Error & { hint?: string; cause?: unknown }
    const cause = e instanceof BatchFailed ? (e.cause as Error) : err
    console.error(`FAILED ${cause?.name ?? 'Error'} in ${(e as { blob?: string }).blob ?? 'input'}: ${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}`)
    console.error(`verified before the failure: ${blocksDone} blocks${lastBlock ? ` (up to ${lastBlock})` : ''}, ${report.length} batches`)
    if (values.json) await writeJson(values.json, { ok: false, batches: report, error: { name: cause?.name, message: err.message }, blocksVerified: blocksDone })
    return 1
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`)
}
