import { chainFromFlag } from './chain.js'
import { InputFormatError } from './errors.js'
import { isObject } from './json.js'
import { readFileBytes, readInputs, type GroupedInputs } from './read.js'
import { headerBytes, type ResolveOptions } from './resolve.js'
import type { HeaderSource } from './types.js'
import { parseHex } from '../hex.js'
import { unwrapEnvelope } from './rpcPair.js'
import { shortText } from '../../errors/shortText.js'

export { readInputs, readInputFile } from './read.js'
export { resolveInput, type ResolvedInput, type ResolveOptions } from './resolve.js'
export { explainMissing, inspectResolved, type WitnessReport } from './diagnose.js'

/** Flags shared by `replay file`, `convert` and `witness inspect`. */
export interface InputFlags {
  witness?: string
  network?: string
  chainConfig?: string
  parentHeader?: string
  rpcUrl?: string
  trustPreStateRoot?: boolean
}

async function headerFromFile(path: string): Promise<HeaderSource> {
  const bytes = await readFileBytes(path)
  const text = Buffer.from(bytes).toString('utf8').trim()
  if (text.startsWith('{') || text.startsWith('"')) {
    let doc: unknown
    try {
      doc = unwrapEnvelope(JSON.parse(text), path)
    } catch (e) {
      if (e instanceof InputFormatError) throw e
      throw new InputFormatError(path, '<document>', `not valid JSON (${(e as Error).message})`)
    }
    if (typeof doc === 'string') return parseHex(doc, path)
    if (isObject(doc)) return { json: doc, where: path }
    throw new InputFormatError(path, '<document>', 'expected a JSON header or RLP hex')
  }
  if (text.startsWith('0x')) return parseHex(text, path)
  return bytes
}

/** Resolve options from CLI flags (chain override, parent header, RPC header fetch, trust). */
export async function resolveOptionsFromFlags(flags: InputFlags): Promise<ResolveOptions> {
  const configJson = flags.chainConfig === undefined ? undefined : JSON.parse(Buffer.from(await readFileBytes(flags.chainConfig)).toString('utf8'))
  const opts: ResolveOptions = { chain: chainFromFlag(flags.network, configJson, flags.chainConfig), trustPreStateRoot: flags.trustPreStateRoot }
  if (flags.parentHeader !== undefined) opts.parentHeader = await headerFromFile(flags.parentHeader)
  if (flags.rpcUrl !== undefined) {
    const { createRpc } = await import('../../rpc/client.js') // viem: loaded only when a node is asked
    const rpc = createRpc({ url: flags.rpcUrl })
    opts.fetchHeader = async (hash, _number, common) => {
      const json = await rpc.request<Record<string, unknown> | null>('eth_getBlockByHash', [hash, false])
      if (json === null) throw new InputFormatError('--rpc-url', 'eth_getBlockByHash', `the node does not know block ${hash}`)
      return headerBytes({ json, where: `--rpc-url eth_getBlockByHash(${hash})` }, common)
    }
  }
  return opts
}

export async function loadInputs(paths: string[], flags: InputFlags): Promise<GroupedInputs> {
  return readInputs(paths, flags.witness)
}

/** One line saying why a run failed, with where the missing piece sits when it is a node. */
export function describeFailure(e: unknown): string {
  const err = e as Error
  return `${err?.name ?? 'Error'}: ${shortText(String(err?.message ?? e))}`
}
