import { ProtocolError, type ProtocolErrorReason } from '../src/protocol/errors.js'
import { parseMessage, type Message } from '../src/protocol/messages.js'
import { announceLoaded } from '../src/pool/loaded.js'

/**
 * Piscina entry of the coordinator's request parser (src/protocol/messageParser.ts): large requests are
 * decoded and parsed here, off the event loop. Requests come back whole (plain data and byte arrays); of a
 * message that is not a request only its kind, which is all a server needs to refuse it.
 */
export type MessageReply = { ok: true; message: Message } | { ok: false; reason: ProtocolErrorReason; error: string }

const REQUESTS = new Set<Message['kind']>(['BatchRequest', 'ProofSubmit', 'ProverSetup'])

export default function parseRequest(bytes: Uint8Array): MessageReply {
  try {
    const message = parseMessage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
    return { ok: true, message: REQUESTS.has(message.kind) ? message : ({ kind: message.kind, dialect: message.dialect } as Message) }
  } catch (e) {
    if (e instanceof ProtocolError) return { ok: false, reason: e.reason, error: e.message.replace(/^protocol: /, '') }
    return { ok: false, reason: 'malformed', error: String((e as Error)?.message ?? e).slice(0, 300) }
  }
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
