import net from 'node:net'
import { ProtocolError } from './errors.js'
import { encodeMessage, parseMessage, type Message } from './messages.js'

/**
 * ethrex framing: one JSON message per TCP connection. The client connects, writes one JSON document,
 * half-closes (FIN), and reads the reply until the server closes. No length prefix.
 */

export const DEFAULT_PORT = 3900
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024

export interface Address {
  host: string
  port: number
}

/** `host:port`, `tcp://host:port`, `[::1]:port`, or a bare port (127.0.0.1). */
export function parseAddress(text: string, defaultPort = DEFAULT_PORT): Address {
  const s = text.trim().replace(/^tcp:\/\//, '').replace(/\/$/, '')
  if (/^\d+$/.test(s)) return { host: '127.0.0.1', port: checkPort(Number(s), text) }
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s)
  if (bracket) return { host: bracket[1], port: bracket[2] ? checkPort(Number(bracket[2]), text) : defaultPort }
  const i = s.lastIndexOf(':')
  if (i < 0) {
    if (s === '') throw new ProtocolError('malformed', `not an address: "${text}"`)
    return { host: s, port: defaultPort }
  }
  const host = s.slice(0, i)
  if (host === '' || host.includes(':')) throw new ProtocolError('malformed', `not an address: "${text}"`, undefined, 'use host:port or [ipv6]:port')
  return { host, port: checkPort(Number(s.slice(i + 1)), text) }
}

function checkPort(p: number, text: string): number {
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new ProtocolError('malformed', `bad port in "${text}"`)
  return p
}

export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}

// ---------- server side ----------

export interface ServerLimits {
  /** Requests larger than this are dropped without reply. */
  maxMessageBytes: number
  /** No byte for this long while reading: drop (frees half-open connections). */
  idleTimeoutMs: number
  /** The whole request must arrive within this (stops trickling clients). */
  readDeadlineMs: number
  /** Connections open at once, beyond which new ones are refused. */
  maxConnections: number
  /** Request bytes buffered across all connections; a connection that would exceed it is dropped. */
  maxBufferedBytes?: number
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  idleTimeoutMs: 30_000,
  readDeadlineMs: 120_000,
  maxConnections: 1024,
  maxBufferedBytes: 512 * 1024 * 1024,
}

/** What the handler returns: a reply, or null to close the connection without one. */
export type MessageHandler = (msg: Message, peer: string) => Promise<Message | string | null> | Message | string | null

export interface MessageServerHooks {
  /** Called for every request refused before it reached the handler (for logs and metrics). */
  onRejected?: (error: ProtocolError, peer: string) => void
  /** Called if the handler throws; the connection is closed without reply. */
  onHandlerError?: (error: unknown, peer: string) => void
}

/**
 * A TCP server speaking the one-message-per-connection framing. Never throws on input: anything that is
 * not a well-formed message within the limits is reported to `onRejected` and the connection closed.
 * A handler may return a pre-encoded JSON string to avoid re-serialising large replies.
 */
export function createMessageServer(handler: MessageHandler, limits: ServerLimits, hooks: MessageServerHooks = {}): net.Server {
  const maxBuffered = limits.maxBufferedBytes ?? Number.MAX_SAFE_INTEGER
  let buffered = 0 // request bytes held by all connections
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const release = () => {
      buffered -= size
      size = 0
      chunks.length = 0
    }
    const reject = (error: ProtocolError) => {
      if (done) return
      done = true
      clearTimeout(deadline)
      release()
      hooks.onRejected?.(error, peer)
      socket.destroy()
    }
    const deadline = setTimeout(
      () => reject(new ProtocolError('timeout', `request not complete after ${limits.readDeadlineMs} ms`)),
      limits.readDeadlineMs,
    )
    socket.setTimeout(limits.idleTimeoutMs, () => {
      if (!done) reject(new ProtocolError('timeout', `no data for ${limits.idleTimeoutMs} ms`))
      else socket.destroy() // the client never read our reply
    })
    socket.on('error', () => {
      // resets and the like: nothing to answer
      if (!done) {
        done = true
        clearTimeout(deadline)
        release()
      }
    })
    socket.on('close', () => {
      clearTimeout(deadline)
      if (!done) {
        done = true
        release()
      }
    })
    socket.on('data', (chunk: Buffer) => {
      if (done) return
      if (size + chunk.length > limits.maxMessageBytes) {
        reject(new ProtocolError('oversized', `request exceeds ${limits.maxMessageBytes} bytes`))
        return
      }
      if (buffered + chunk.length > maxBuffered) {
        reject(new ProtocolError('oversized', `server is holding ${buffered} request bytes already; dropping this connection`))
        return
      }
      size += chunk.length
      buffered += chunk.length
      chunks.push(chunk)
    })
    socket.on('end', () => {
      if (done) return
      done = true
      clearTimeout(deadline)
      let text: string
      try {
        text = Buffer.concat(chunks, size).toString('utf8')
      } finally {
        release()
      }
      let msg: Message
      try {
        msg = parseMessage(text)
      } catch (e) {
        const error = e instanceof ProtocolError ? e : new ProtocolError('malformed', String(e))
        hooks.onRejected?.(error, peer)
        socket.destroy()
        return
      }
      Promise.resolve()
        .then(() => handler(msg, peer))
        .then(
          (reply) => {
            if (socket.destroyed) return
            if (reply === null) return void socket.destroy()
            let text: string
            try {
              // A request read in the older Tessera dialect is answered in it (src/protocol/legacy.ts).
              text = typeof reply === 'string' ? reply : encodeMessage(reply, msg.dialect)
            } catch (err) {
              hooks.onHandlerError?.(err, peer)
              return void socket.destroy()
            }
            socket.end(text)
          },
          (err: unknown) => {
            hooks.onHandlerError?.(err, peer)
            socket.destroy()
          },
        )
    })
  })
  server.maxConnections = limits.maxConnections
  return server
}

// ---------- client side ----------

export interface RequestOptions {
  /** Connect + write + read the whole reply within this. */
  timeoutMs: number
  /** Replies larger than this are refused (a BatchResponse carries a whole witness). */
  maxReplyBytes?: number
}

/**
 * Send one message and return the parsed reply. Throws ProtocolError('no_reply') when the server closes
 * without answering (how a coordinator refuses a message), and Node's socket errors (ECONNREFUSED...) as is.
 */
export function sendMessage(address: Address, msg: Message, opts: RequestOptions): Promise<Message> {
  const maxReply = opts.maxReplyBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const payload = encodeMessage(msg)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port, allowHalfOpen: true })
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const finish = (err: Error | null, value?: Message) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(value!)
    }
    const timer = setTimeout(
      () => finish(new ProtocolError('timeout', `no complete reply from ${formatAddress(address)} within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    )
    socket.on('connect', () => {
      socket.end(payload)
    })
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxReply) finish(new ProtocolError('oversized', `reply exceeds ${maxReply} bytes`))
      else chunks.push(chunk)
    })
    socket.on('error', (e) => finish(e))
    socket.on('end', () => {
      if (size === 0) {
        finish(new ProtocolError('no_reply', `${formatAddress(address)} closed the connection without a reply`))
        return
      }
      try {
        finish(null, parseMessage(Buffer.concat(chunks, size).toString('utf8')))
      } catch (e) {
        finish(e as Error)
      }
    })
    socket.on('close', () => finish(new ProtocolError('no_reply', `${formatAddress(address)} closed the connection without a reply`)))
  })
}
