/**
 * `tessera/witness`: read stateless inputs written by any producer (ethrex-replay caches, reth/geth/Besu RPC
 * witnesses, zk-pig, SBV, EEST, SSZ, …), verify and resolve them into the guest's ProgramInput; write and read
 * ethrex-replay cache files; record a minimal witness from full state.
 */
import type { L2ProgramInput } from '../../guest/l2/types.js'
import { l2CacheFileToInput } from '../l2/cache.js'
import { InputFormatError } from './formats/errors.js'
import { readInputs, resolveInput, type ResolvedInput, type ResolveOptions } from './formats/index.js'

export { readInputs, readInputFile, resolveInput, explainMissing, inspectResolved, type ResolvedInput, type ResolveOptions, type WitnessReport } from './formats/index.js'
export type { LoadedInput, ShapeName } from './formats/types.js'
export { InputFormatError } from './formats/errors.js'
export { readCacheFile, writeCacheFile, cacheFileToProgramInput, cacheFileName, CacheFormatError, type CacheFile } from './cache.js'
export { recordWitness, type RecordWitnessParams, type RecordedWitness } from './record.js'

export interface StatelessInputs {
  /** L1 inputs, verified against their headers and ready for `executeStateless(input.program)`. */
  l1: ResolvedInput[]
  /** ethrex L2 batch cache files, ready for `executeL2Batch(input)`. */
  l2: { file: string; input: L2ProgramInput }[]
}

/**
 * Files of any accepted shape -> inputs for the guest programs, as `tessera replay file` reads them: a block
 * file and a witness file next to each other form one input (or pass the witness as `opts.witness`). Throws the
 * first file that cannot be read or resolved (e.g. `ParentHeaderMissing` for a headerless witness, unless
 * `opts.parentHeader`/`opts.trustPreStateRoot` is given). L2 blobs need `reconstructL2` from `tessera/l2`.
 */
export async function readStatelessInputs(paths: string[], opts: ResolveOptions & { witness?: string } = {}): Promise<StatelessInputs> {
  const grouped = await readInputs(paths, opts.witness)
  if (grouped.errors.length > 0) throw grouped.errors[0].error
  const l1: ResolvedInput[] = []
  for (const input of grouped.inputs) l1.push(await resolveInput(input, opts))
  const l2 = grouped.l2.map((part) => {
    const doc = part.json as { blobFiles?: unknown }
    if (doc.blobFiles !== undefined) throw new InputFormatError(part.file, '<blobs>', 'ethrex L2 blobs: use reconstructL2 from tessera/l2')
    return { file: part.file, input: l2CacheFileToInput(part.json, part.file) }
  })
  return { l1, l2 }
}
