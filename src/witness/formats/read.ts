import { gunzipBounded, readRegularFile } from '../inputFile.js'
import { InputFormatError } from './errors.js'
import { isEthrexCache, readEthrexCache } from './ethrex.js'
import { isEestFixture, readEestFixture } from './eest.js'
import { isObject, type Json } from './json.js'
import { isKethEels, readKethEels } from './keth.js'
import { isPreStateInput, readPreStateInput } from './preState.js'
import { GETH_RULE, readRlp } from './rlpShapes.js'
import { readRpcJson, unwrapEnvelope } from './rpcPair.js'
import { isSbvBlockWitness, readSbvBlockWitness } from './sbv.js'
import { isSszStatelessInput } from './sszSniff.js'
import type { LoadedInput, ReadPart } from './types.js'
import { isZkPig, readZkPig } from './zkpig.js'
import { toHex } from '../hex.js'
import { readZevmBinary } from './zevmBinary.js'

/** File bytes (a regular file, size-bounded), gunzipped when gzip (by magic, not by name). */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const bytes = await readRegularFile(path)
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipBounded(bytes, path) : bytes
}

function firstChar(bytes: Uint8Array): string {
  for (const b of bytes.subarray(0, 64)) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return String.fromCharCode(b)
  return ''
}

/** Recognise a JSON document's shape. */
export async function classifyJson(raw: unknown, file: string): Promise<ReadPart[]> {
  const doc = unwrapEnvelope(raw, file)
  if (isZkPig(doc)) return [readZkPig(doc, file)]
  if (isEthrexCache(doc)) return [readEthrexCache(doc, file)]
  if (isSbvBlockWitness(doc)) return [readSbvBlockWitness(doc, file)]
  if (isEestFixture(doc)) return [await readEestFixture(doc as Json, file)]
  if (isKethEels(doc)) return [readKethEels(doc, file)]
  if (isPreStateInput(doc)) return [readPreStateInput(doc as Json, file)]
  // A geth-style genesis ({config, alloc}) is not an input by itself; next to ethrex L2 blobs it is an L2 batch set.
  if (isObject(doc) && isObject(doc.config) && isObject(doc.alloc)) return [{ kind: 'l2-genesis', file, json: doc }]
  const rpc = readRpcJson(doc, file)
  if (rpc !== undefined) return rpc
  const keys = isObject(doc) ? Object.keys(doc).slice(0, 8).join(', ') : typeof doc
  throw new InputFormatError(file, '<document>', `not a recognised witness shape (top-level: ${keys})`, ACCEPTED_SHAPES)
}

const ACCEPTED_SHAPES =
  'accepted: ethrex-replay caches, zk-pig ProverInput, SBV BlockWitness, keth EELS-style inputs, eth_getBlockByNumber + debug_executionWitness JSON, RLP blocks/ExtWitness, zevm binary and SSZ stateless inputs, pre-state (EF/EELS) and EEST fixtures; see docs/witness-shapes.md'

/** Recognise a binary (or hex text) input. */
/** An EIP-4844 blob as ethrex's L1 committer publishes batches: 4096 field elements whose first byte is 0. */
function isBlob(bytes: Uint8Array): boolean {
  if (bytes.length !== 131072) return false
  for (let i = 0; i < bytes.length; i += 32) if (bytes[i] !== 0) return false
  return true
}

/** Text (valid UTF-8, no control characters but tab/newline/CR/FF) in its first 4 KiB: a document, not binary data. */
function looksLikeText(bytes: Uint8Array): boolean {
  let head: string
  try {
    head = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 4096), { stream: true })
  } catch {
    return false
  }
  return !/[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(head)
}

const notRecognised = (file: string, what: string) =>
  new InputFormatError(file, '<document>', `not a recognised witness shape: ${what}`, ACCEPTED_SHAPES)

export async function classifyBinary(bytes: Uint8Array, file: string): Promise<ReadPart[]> {
  if (isBlob(bytes)) return [{ kind: 'l2-blob', file, bytes }]
  if (isSszStatelessInput(bytes)) return [(await import('./ssz.js')).readSszStatelessInput(bytes, file)]
  const rlp = readRlp(bytes, file)
  if (rlp !== undefined) return rlp
  if (looksLikeText(bytes)) {
    const head = Buffer.from(bytes.subarray(0, 40)).toString('utf8').replace(/\s+/g, ' ').trim()
    throw notRecognised(file, `a text file that is neither JSON nor 0x-hex (it starts "${head}")`)
  }
  try {
    return [readZevmBinary(bytes, file)]
  } catch (e) {
    // The zevm format has no magic: a header that does not even parse means these bytes are something else.
    if (e instanceof InputFormatError && e.field.startsWith('header.')) {
      throw notRecognised(file, `${bytes.length} bytes of binary data that are not RLP, an SSZ stateless input, an EIP-4844 blob or a zevm binary input (first bytes ${toHex(bytes.subarray(0, 16))})`)
    }
    throw e
  }
}

/** Read one file and say what it is. */
export async function readInputFile(path: string): Promise<ReadPart[]> {
  const bytes = await readFileBytes(path)
  const c = firstChar(bytes)
  if (c === '{' || c === '[' || c === '"') {
    let json: unknown
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'))
    } catch (e) {
      throw new InputFormatError(path, '<document>', `not valid JSON (${(e as Error).message})`)
    }
    return classifyJson(json, path)
  }
  if (c === '0' && /^\s*0x[0-9a-fA-F]*\s*$/.test(Buffer.from(bytes.subarray(0, 4096)).toString('latin1'))) {
    const text = Buffer.from(bytes).toString('latin1').trim()
    return classifyBinary(Uint8Array.from(Buffer.from(text.slice(2), 'hex')), path)
  }
  return classifyBinary(bytes, path)
}

export interface GroupedInputs {
  inputs: LoadedInput[]
  l2: Extract<ReadPart, { kind: 'l2-batch' }>[]
  /** Files that could not be read or recognised; the others still run. */
  errors: { file: string; error: unknown }[]
}

/**
 * Files -> inputs. Complete inputs stand alone; a block file and a witness file next to each other on the
 * command line form one input (either order), as does a block file followed by `--witness FILE`.
 */
export async function readInputs(paths: string[], witnessPath?: string): Promise<GroupedInputs> {
  const parts: ReadPart[] = []
  const errors: GroupedInputs['errors'] = []
  for (const p of [...paths, ...(witnessPath === undefined ? [] : [witnessPath])]) {
    try {
      parts.push(...(await readInputFile(p)))
    } catch (error) {
      errors.push({ file: p, error })
    }
  }
  const inputs: LoadedInput[] = []
  const l2: GroupedInputs['l2'] = []
  let pendingBlock: Extract<ReadPart, { kind: 'block' }> | undefined
  let pendingWitness: Extract<ReadPart, { kind: 'witness' }> | undefined
  const pair = () => {
    if (pendingBlock === undefined || pendingWitness === undefined) return
    const b = pendingBlock
    const w = pendingWitness
    inputs.push({
      shape: b.shape === 'geth-keeper-payload' ? 'geth-keeper-payload' : w.shape === 'geth-rlp' || b.shape === 'geth-rlp' ? 'geth-rlp' : 'rpc-block+witness',
      files: b.file === w.file ? [b.file] : [b.file, w.file],
      blocks: b.blocks,
      ...w.witness,
      chain: b.chain,
      notes: w.witness.headers.length === 0 ? ['the witness carries no headers'] : [],
      producerRule: w.shape === 'geth-rlp' || b.shape === 'geth-rlp' || b.shape === 'geth-keeper-payload' ? GETH_RULE : undefined,
    })
    pendingBlock = undefined
    pendingWitness = undefined
  }
  const genesis = parts.filter((p) => p.kind === 'l2-genesis')
  const blobs = parts.filter((p) => p.kind === 'l2-blob')
  if (blobs.length > 0) {
    l2.push({ kind: 'l2-batch', file: [...genesis, ...blobs].map((p) => p.file).join(' + '), json: { genesis: genesis[0]?.kind === 'l2-genesis' ? genesis[0].json : undefined, blobFiles: blobs.map((b) => b.file) } })
  } else if (genesis.length > 0) {
    throw new InputFormatError(genesis[0].file, '<document>', 'a genesis file ({config, alloc}) is not an input by itself', 'use it as --chain-config FILE, or give it together with the ethrex L2 blobs it belongs to')
  }
  for (const part of parts) {
    switch (part.kind) {
      case 'l2-genesis':
      case 'l2-blob':
        break
      case 'input':
        inputs.push(...part.inputs)
        break
      case 'l2-batch':
        l2.push(part)
        break
      case 'block':
        if (pendingBlock !== undefined) throw new InputFormatError(pendingBlock.file, '<document>', 'a block without a witness', 'give its witness file right after it, or with --witness FILE')
        pendingBlock = part
        pair()
        break
      case 'witness':
        if (pendingWitness !== undefined) throw new InputFormatError(pendingWitness.file, '<document>', 'a witness without a block', 'give the block file (eth_getBlockByNumber JSON or RLP) next to it')
        pendingWitness = part
        pair()
        break
      case 'header':
        throw new InputFormatError(part.file, '<document>', 'a lone header: pass it with --parent-header')
    }
  }
  if (pendingBlock !== undefined) throw new InputFormatError(pendingBlock.file, '<document>', 'a block without a witness', 'give its witness file right after it, or with --witness FILE')
  if (pendingWitness !== undefined) throw new InputFormatError(pendingWitness.file, '<document>', 'a witness without a block', 'give the block file (eth_getBlockByNumber JSON or RLP) next to it')
  return { inputs, l2, errors }
}
