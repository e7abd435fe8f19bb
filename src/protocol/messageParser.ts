import type { MessageReply } from '../../workers/message.js'
import { createSideWorker } from '../pool/sideWorker.js'
import { ProtocolError } from './errors.js'
import type { Message } from './messages.js'

/**
 * One worker thread parsing large requests (workers/message.ts) for the coordinator's transport, so that
 * however many hostile messages of the allowed size arrive, the event loop keeps answering small requests
 * at once. Parsing is linear in the message size (src/protocol/json.ts); the worker takes them one at a time.
 */
export interface MessageParser {
  parse(bytes: Uint8Array): Promise<Message>
  close(): Promise<void>
}

export function createMessageParser(maxHeapMb = 2048): MessageParser {
  const pool = createSideWorker('message', maxHeapMb)
  return {
    async parse(bytes) {
      let reply: MessageReply
      try {
        reply = (await pool.run(bytes)) as MessageReply
      } catch (e) {
        throw new ProtocolError('malformed', `the message parser worker failed on this message (${String((e as Error)?.message ?? e).slice(0, 200)})`)
      }
      if (!reply.ok) throw new ProtocolError(reply.reason, reply.error)
      return reply.message
    },
    close: () => pool.destroy(),
  }
}
