import { parseBatchFile } from '../src/coordinator/source.js'
import { announceLoaded } from '../src/pool/loaded.js'

/**
 * Piscina entry of the coordinator's source-file parser: reading, JSON parsing, validation and encoding of a
 * batch file happen here, so a 200 MB file never blocks the coordinator's event loop. Only the encoded
 * input crosses back (transferred); failures come back as text naming the file.
 */
export interface SourceTask {
  path: string
}

export type SourceReply = { ok: true; firstBlock: number; lastBlock: number; input: ArrayBuffer } | { ok: false; error: string }

export default async function parseSourceFile(task: SourceTask): Promise<SourceReply> {
  try {
    const { firstBlock, lastBlock, input } = await parseBatchFile(task.path)
    const buffer = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? (input.buffer as ArrayBuffer) : (input.slice().buffer as ArrayBuffer)
    return { ok: true, firstBlock, lastBlock, input: buffer }
  } catch (e) {
    return { ok: false, error: String((e as Error)?.message ?? e).slice(0, 800) }
  }
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
