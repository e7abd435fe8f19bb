import type { SourceReply } from '../../workers/source.js'
import { createSideWorker } from '../pool/sideWorker.js'
import { SourceError, type ParsedBatchFile } from './source.js'

/** One worker thread that parses source files (workers/source.ts) off the coordinator's event loop. */
export interface SourceParser {
  parse(path: string): Promise<ParsedBatchFile>
  close(): Promise<void>
}

export function createSourceParser(maxHeapMb = 4096): SourceParser {
  const pool = createSideWorker('source', maxHeapMb)
  return {
    async parse(path) {
      let reply: SourceReply
      try {
        reply = (await pool.run({ path })) as SourceReply
      } catch (e) {
        throw new SourceError(`${path}: the parser worker died (${String((e as Error)?.message ?? e).slice(0, 200)})`)
      }
      if (!reply.ok) throw new SourceError(reply.error)
      return { firstBlock: reply.firstBlock, lastBlock: reply.lastBlock, input: new Uint8Array(reply.input) }
    },
    close: () => pool.destroy(),
  }
}
