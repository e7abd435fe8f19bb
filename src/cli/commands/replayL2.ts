/**
 * `tessera replay l2 batch|block|transaction` and `tessera cache l2 batch`: ethrex L2 batches and blocks read
 * from an ethrex L2 node (src/l2/rpc.ts names the methods and where they come from), executed by the L2
 * guest, public values printed. `replay custom --l2` builds a batch on the embedded L2 devnet instead.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from '../args.js'
import { bytesToHex } from '@ethereumjs/util'
import { TesseraError } from '../../../guest/errors.js'
import { encodeL2PublicValues } from '../../../guest/l2/output.js'
import { executeL2Batch, type L2BatchResult } from '../../../guest/l2/program.js'
import type { L2ProgramInput } from '../../../guest/l2/types.js'
import { loadBackend } from '../../backend/index.js'
import { hostGuestOptions } from '../../crypto/guestOptions.js'
import { writeL2BatchCache } from '../../l2/cache.js'
import { fetchL2Batch, fetchL2Range, L2BlockNotFound, type L2RangeInput } from '../../l2/rpc.js'
import { witnessSize } from '../../witness/codec.js'
import { refuseUnused } from '../args.js'
import { OPTIONS, chainConfigFrom, resolveBackend, rpcFrom, type Values } from './replay.js'

const HELP = `usage:
  tessera replay l2 batch <N> --rpc-url URL          batch N of an ethrex L2 node, its blob checked (or --batch N)
  tessera replay l2 block <N> --rpc-url URL          replay one L2 block (run as a one-block validium batch)
  tessera replay l2 transaction <hash> --rpc-url URL replay the L2 block holding that transaction
  tessera cache l2 batch <N> --rpc-url URL --cache-dir DIR   write cache_batch_<N>.json (replay it with 'replay file')

options:
  --action execute|prove   prove: hand the input to --backend (exec runs the L2 guest; sp1/risc0 need their libraries)
  --backend exec|sp1|risc0 (--zkvm sp1|risc0 is ethrex-replay's name for it); --resource cpu|gpu for sp1/risc0
  --rps N                  max requests per second to the node
  --chain-config FILE      the L2 genesis (or its config) when the chain cannot be inferred from the node
  --json FILE              write the result (public values and their fields) as JSON

Methods used (as ethrex-replay): ethrex_getBatchByNumber, eth_getBlockByNumber, debug_executionWitness,
and ethrex's fee-config methods (ethrex_getBaseFeeVaultAddress, ethrex_getOperatorFeeVaultAddress,
ethrex_getOperatorFee, ethrex_getL1FeeVaultAddress, ethrex_getL1BlobBaseFee).`

export class L2Unavailable extends TesseraError {}
export class L2ReplayMismatch extends TesseraError {}

function parseNumber(v: string | undefined, what: string): bigint {
  if (v === undefined || !/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new TesseraError(`${what} must be a number, got ${v === undefined ? 'nothing' : `'${v}'`}`)
  return BigInt(v)
}

function parse(argv: string[], command: string, used: string[]) {
  const parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...OPTIONS, batch: { type: 'string' } } })
  refuseUnused(parsed.values, used, command)
  return parsed as { values: Values & { batch?: string }; positionals: string[] }
}

export interface L2RunReport {
  label: string
  first: bigint
  last: bigint
  transactions: number
  gasUsed: bigint
  witnessBytes: number
  ms: number
  result: L2BatchResult
  publicValues: string
}

/** Execute (or prove through the backend) and return the public values with what they say. */
async function runGuest(values: Values, label: string, input: L2ProgramInput, range: { first: bigint; last: bigint }): Promise<L2RunReport> {
  resolveBackend(values)
  if (values.action !== 'execute' && values.action !== 'prove') throw new TesseraError(`--action must be execute or prove, got ${values.action}`)
  // An unavailable backend fails here, before any work.
  if (values.action === 'prove') await loadBackend(values.backend!, { resource: values.resource === 'gpu' ? 'gpu' : 'cpu' })
  else if (values.backend !== 'exec') throw new TesseraError(`--backend ${values.backend} only applies to --action prove`)
  const t0 = performance.now()
  const result = await executeL2Batch(input, await hostGuestOptions())
  const ms = performance.now() - t0
  return {
    label,
    ...range,
    transactions: Number(result.stats.transactionCount),
    gasUsed: result.stats.gasUsed,
    witnessBytes: witnessSize(input.witness).bytes,
    ms,
    result,
    publicValues: bytesToHex(encodeL2PublicValues(result)),
  }
}

function print(r: L2RunReport, values: Values): void {
  const o = r.result
  const rows: [string, string][] = [
    ['blocks', r.first === r.last ? String(r.first) : `${r.first}-${r.last}`],
    ['transactions', `${r.transactions} (${o.privilegedCount} privileged)`],
    ['gas used', String(r.gasUsed)],
    ['initial state root', bytesToHex(o.initialStateRoot)],
    ['final state root', bytesToHex(o.finalStateRoot)],
    ['L1 messages root', `${bytesToHex(o.l1MessagesMerkleRoot)} (${o.l1Messages.length} messages)`],
    ['privileged txs hash', bytesToHex(o.privilegedTransactionsHash)],
    ['blob versioned hash', bytesToHex(o.blobVersionedHash)],
    ['last block hash', bytesToHex(o.lastBlockHash)],
    ['chain id', String(o.chainId)],
    ['non-privileged txs', String(o.nonPrivilegedCount)],
    ['witness', `${r.witnessBytes} bytes`],
    ['guest time', `${(r.ms / 1000).toFixed(2)} s`],
  ]
  console.log(`${r.label}: ok (${values.action}${values.action === 'prove' ? `, backend ${values.backend}` : ''})`)
  for (const [k, v] of rows) console.log(`  ${k.padEnd(20)} ${v}`)
  console.log(`public values ${r.publicValues}`)
}

async function writeJson(values: Values, r: L2RunReport): Promise<void> {
  if (!values.json) return
  const o = r.result
  const json = {
    label: r.label,
    action: values.action,
    backend: values.backend,
    first: String(r.first),
    last: String(r.last),
    transactions: r.transactions,
    privileged: o.privilegedCount,
    gasUsed: String(r.gasUsed),
    l1Messages: o.l1Messages.length,
    publicValues: r.publicValues,
    initialStateRoot: bytesToHex(o.initialStateRoot),
    finalStateRoot: bytesToHex(o.finalStateRoot),
    lastBlockHash: bytesToHex(o.lastBlockHash),
    blobVersionedHash: bytesToHex(o.blobVersionedHash),
  }
  await writeFile(values.json, `${JSON.stringify(json, null, 2)}\n`)
}

/** The node's own view of the last block: the guest's result must reach it. */
function checkAgainstNode(r: L2RunReport, fetched: L2RangeInput & { tipHash: string; tipStateRoot: string }): void {
  if (bytesToHex(r.result.finalStateRoot) !== fetched.tipStateRoot.toLowerCase()) {
    throw new L2ReplayMismatch(`final state root ${bytesToHex(r.result.finalStateRoot)} differs from the node's ${fetched.tipStateRoot} (block ${fetched.last})`)
  }
  if (bytesToHex(r.result.lastBlockHash) !== fetched.tipHash.toLowerCase()) {
    throw new L2ReplayMismatch(`last block hash ${bytesToHex(r.result.lastBlockHash)} differs from the node's ${fetched.tipHash}`)
  }
}

async function fetchRange(values: Values, first: bigint, last: bigint, blob?: { commitment: Uint8Array; proof: Uint8Array }) {
  const rpc = await rpcFrom(values)
  const config = await chainConfigFrom(values, rpc, first)
  const fetched = await fetchL2Range(rpc, config, first, last, blob)
  const tip = await rpc.request<{ hash: string; stateRoot: string } | null>('eth_getBlockByNumber', [`0x${last.toString(16)}`, false])
  if (tip === null) throw new L2BlockNotFound(`block ${last} is not known to the node`)
  return { ...fetched, tipHash: tip.hash, tipStateRoot: tip.stateRoot }
}

async function fetchBatch(values: Values, n: bigint) {
  const rpc = await rpcFrom(values)
  const batch = await fetchL2Batch(rpc, n)
  return { batch, fetched: await fetchRange(values, batch.firstBlock, batch.lastBlock, { commitment: batch.blobCommitment, proof: batch.blobProof }) }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, 'replay l2', ['rpc-url', 'rps', 'chain-config', 'action', 'backend', 'zkvm', 'resource', 'json', 'batch'])
  const [sub, positional] = positionals
  // ethrex-replay writes `l2 batch --batch N`; Tessera takes the number as an argument too.
  if (values.batch !== undefined && (sub !== 'batch' || positional !== undefined)) throw new TesseraError('--batch N goes with replay l2 batch, instead of the number argument')
  const arg = positional ?? values.batch
  if (values.help || sub === undefined) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  let report: L2RunReport
  let fetched: Awaited<ReturnType<typeof fetchRange>>
  switch (sub) {
    case 'batch': {
      const n = parseNumber(arg, 'batch number')
      const got = await fetchBatch(values, n)
      fetched = got.fetched
      report = await runGuest(values, `batch ${n}`, fetched.input, fetched)
      break
    }
    case 'block': {
      const n = parseNumber(arg, 'block number')
      if (n < 1n) throw new TesseraError('block 0 (genesis) has no parent to replay from; start at 1')
      fetched = await fetchRange(values, n, n)
      report = await runGuest(values, `block ${n}`, fetched.input, fetched)
      break
    }
    case 'transaction': {
      if (!arg || !/^0x[0-9a-fA-F]{64}$/.test(arg)) throw new TesseraError('replay l2 transaction needs a 0x-prefixed 32-byte transaction hash')
      const rpc = await rpcFrom(values)
      const tx = await rpc.request<{ blockNumber: string | null; transactionIndex?: string } | null>('eth_getTransactionByHash', [arg])
      if (tx === null || tx.blockNumber === null) throw new L2BlockNotFound(`transaction ${arg} not found or not in a block yet`)
      const n = BigInt(tx.blockNumber)
      fetched = await fetchRange(values, n, n)
      report = await runGuest(values, `transaction ${arg} (block ${n}, index ${tx.transactionIndex === undefined ? '?' : BigInt(tx.transactionIndex)})`, fetched.input, fetched)
      break
    }
    default:
      throw new TesseraError(`unknown replay l2 subcommand '${sub}' (batch, block, transaction)`)
  }
  checkAgainstNode(report, fetched)
  print(report, values)
  await writeJson(values, report)
  return 0
}

/** `tessera cache l2 batch <N> --rpc-url URL --cache-dir DIR`. Checked by executing before it is written. */
export async function runCache(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, 'cache l2', ['rpc-url', 'rps', 'chain-config', 'cache-dir'])
  const [sub, arg] = positionals
  if (values.help || sub === undefined) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  if (sub !== 'batch') throw new TesseraError(`unknown cache l2 subcommand '${sub}' (batch)`)
  const dir = values['cache-dir']
  if (!dir) throw new TesseraError('--cache-dir is required')
  const n = parseNumber(arg, 'batch number')
  const { fetched } = await fetchBatch(values, n)
  const report = await runGuest({ ...values, action: 'execute', backend: 'exec' }, `batch ${n}`, fetched.input, fetched)
  checkAgainstNode(report, fetched)
  const path = await writeL2BatchCache(dir, Number(n), fetched.input)
  console.log(`${path}: batch ${n}, blocks ${fetched.first}-${fetched.last}, ${report.transactions} txs, witness ${report.witnessBytes} bytes`)
  return 0
}

export interface CustomL2Params {
  blocks: number
  txsPerBlock: number
  kind: string
  action: string
  backend: string
  json?: string
}

export async function runCustomL2(params: CustomL2Params): Promise<number> {
  const { buildCustomL2Batch } = await import('../../l2/devnet/custom.js')
  const t0 = performance.now()
  const built = await buildCustomL2Batch(params)
  console.log(`built L2 batch: ${params.blocks} block(s), ${built.transactions} txs (${params.kind}, plus ${built.deposits} deposits) in ${((performance.now() - t0) / 1000).toFixed(2)} s`)
  const values = { action: params.action, backend: params.backend, json: params.json } as Values
  const report = await runGuest(values, `L2 blocks 1-${params.blocks}`, built.input, { first: 1n, last: BigInt(params.blocks) })
  if (report.publicValues !== bytesToHex(built.publicValues)) {
    throw new L2ReplayMismatch(`public values ${report.publicValues} differ from the builder's ${bytesToHex(built.publicValues)}`)
  }
  print(report, values)
  await writeJson(values, report)
  return 0
}
