import net from 'node:net'
import { ProtocolError, type ProtocolErrorReason } from './errors.js'
import { encodeMessage, parseMessage, type Message } from './messages.js'
import { encodeRefusal, parseRefusal, Refused } from './refusal.js'

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
  /** No byte for this long while reading (or while the client fails to read our reply): drop. */
  idleTimeoutMs: number
  /** The whole request must arrive within this (stops trickling clients). */
  readDeadlineMs: number
  /**
   * Connections open at once. A new connection is always accepted; at the cap the oldest connection still
   * sending its request is dropped instead (reason `evicted`), so trickling clients cannot hold every slot.
   */
  maxConnections: number
  /** Connections still sending their request, per remote address; beyond it that address's oldest goes. */
  maxConnectionsPerAddress?: number
  /**
   * Slots of `maxConnections` only addresses that sent a valid request recently (`isTrusted`) may fill
   * while reading; other addresses are evicted first.
   */
  reservedConnections?: number
  /** Requests being handled at once (verification included); beyond it the answer is Refused{busy, retry}. */
  maxInFlight?: number
  /**
   * Of those, per client address (an IPv6 client's /64 counts as one address), so one client cannot take
   * every slot; beyond it that client is answered Refused{busy, retry}.
   */
  maxInFlightPerAddress?: number
  /** Request bytes buffered across all connections; a connection that would exceed it is dropped. */
  maxBufferedBytes?: number
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  idleTimeoutMs: 30_000,
  readDeadlineMs: 120_000,
  maxConnections: 1024,
  maxConnectionsPerAddress: 64,
  reservedConnections: 64,
  maxInFlight: 256,
  maxInFlightPerAddress: 32,
  maxBufferedBytes: 512 * 1024 * 1024,
}

/** What the handler returns: a reply, a pre-encoded reply, or null to close the connection without one. */
export type MessageHandler = (msg: Message, peer: string) => Promise<Message | string | null> | Message | string | null

/** Why a connection was closed without a reply; the `reason` label of the dropped-connections metric. */
export type DropReason =
  | ProtocolErrorReason // malformed, unknown_variant, oversized, timeout (read deadline or idle while reading)
  | 'evicted' // at the connection cap, the oldest connection still reading made room for a new one
  | 'address_cap' // at the per-address cap, that address's oldest reading connection made room
  | 'buffer_full' // all connections together hold maxBufferedBytes of requests
  | 'peer_reset' // the peer reset or closed before its request was complete
  | 'reply_stalled' // the peer did not read our reply within the idle timeout
  | 'peer_gone' // the peer left while its request was being handled (the reply is lost)
  | 'handler_closed' // the handler chose to answer with nothing
  | 'shutting_down' // the server is stopping: a connection still sending its request is closed (nothing was handled)

export interface MessageServerHooks {
  /** Every connection closed without a reply, with why (for logs and metrics). */
  onDropped?: (reason: DropReason, peer: string, detail: string) => void
  /** Called if the handler throws; the peer gets Refused{internal, retry}. */
  onHandlerError?: (error: unknown, peer: string) => void
  /** An address that recently sent a valid request (a known prover): its connections are evicted last. */
  isTrusted?: (host: string) => boolean
  /**
   * Parse a request larger than INLINE_PARSE_BYTES elsewhere (src/protocol/messageParser.ts: a worker
   * thread); reject with a ProtocolError. Unset: every request is parsed on this thread.
   */
  parseOffThread?: (bytes: Uint8Array) => Promise<Message>
}

/** Requests up to this size are parsed on the event loop (a BatchRequest is ~200 bytes; 64 KiB parses in ~1 ms). */
export const INLINE_PARSE_BYTES = 64 * 1024
/** Larger requests waiting for or in the parser, per client; more are answered Refused{busy, retry}. */
const MAX_PARSING_PER_ADDRESS = 4

interface Conn {
  socket: net.Socket
  host: string
  peer: string
  opened: number
  /** Still reading the request (evictable); false once handed to the handler. */
  reading: boolean
  drop(reason: DropReason, detail: string): void
}

/**
 * The client a connection counts against: its IPv4 address (IPv4-mapped IPv6 included), or the /64 of an
 * IPv6 address (one host is commonly given a whole /64, so counting its addresses apart would be no limit).
 */
export function clientOf(host: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)
  if (mapped) return mapped[1]
  if (!net.isIPv6(host)) return host
  const [head, tail = ''] = host.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = host.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`
}

/** The server, and how to stop it without losing an answer. */
export interface MessageServer extends net.Server {
  /**
   * Stop: no new connections; connections still sending their request are closed (nothing of theirs was
   * handled); requests being handled get their reply, and their connections close once the peer has read it
   * (or after `graceMs`, when whatever is left is closed).
   */
  drain(graceMs: number): Promise<void>
}

/**
 * A TCP server speaking the one-message-per-connection framing. Never throws on input: anything that is
 * not a well-formed message within the limits is reported to `onDropped` and the connection closed.
 * Reading is slowloris-proof: every connection has an idle timeout and a whole-request deadline, and at the
 * connection caps the oldest reader (untrusted addresses first) is dropped to admit the newcomer, so a
 * client with a valid request gets in however many slow connections are held. A connection whose request
 * is complete is never evicted and has no deadline while the handler works (verification can be slow).
 */
export function createMessageServer(handler: MessageHandler, limits: ServerLimits, hooks: MessageServerHooks = {}): MessageServer {
  const maxBuffered = limits.maxBufferedBytes ?? Number.MAX_SAFE_INTEGER
  const perAddress = limits.maxConnectionsPerAddress ?? limits.maxConnections
  const reserved = Math.min(limits.reservedConnections ?? 0, Math.max(0, limits.maxConnections - 1))
  const maxInFlight = limits.maxInFlight ?? Number.MAX_SAFE_INTEGER
  const maxInFlightPerAddress = limits.maxInFlightPerAddress ?? maxInFlight
  const inFlightByClient = new Map<string, number>()
  const parsingByClient = new Map<string, number>()
  const trusted = (host: string) => hooks.isTrusted?.(host) === true
  let buffered = 0 // request bytes held by all connections
  let inFlight = 0
  // Insertion order = age: the first reader found is the oldest.
  const readers = new Set<Conn>()
  const readersByHost = new Map<string, Set<Conn>>()
  /** Every connection not yet closed. */
  const live = new Set<Conn>()
  let draining = false
  let open = 0

  const oldestReader = (pick: (c: Conn) => boolean): Conn | undefined => {
    for (const c of readers) if (pick(c)) return c
    return undefined
  }

  /** Make room for a new connection from `host` before admitting it. */
  const admit = (host: string) => {
    const own = readersByHost.get(host)
    if (own && own.size >= perAddress) {
      own.values().next().value!.drop('address_cap', `${host} already has ${own.size} connections sending requests`)
    }
    const isTrusted = trusted(host)
    const untrustedReaders = () => {
      let n = 0
      for (const c of readers) if (!trusted(c.host)) n++
      return n
    }
    if (open >= limits.maxConnections) {
      const victim = oldestReader((c) => !trusted(c.host)) ?? oldestReader(() => true)
      victim?.drop('evicted', `${open} connections open (cap ${limits.maxConnections}); dropped the oldest one still sending`)
    } else if (!isTrusted && reserved > 0 && open >= limits.maxConnections - reserved && untrustedReaders() >= limits.maxConnections - reserved) {
      oldestReader((c) => !trusted(c.host))?.drop('evicted', `${reserved} connection slots are kept for known provers; dropped the oldest unknown connection still sending`)
    }
  }

  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const host = socket.remoteAddress ?? 'unknown'
    const peer = `${host}:${socket.remotePort}`
    admit(host)
    open++
    const chunks: Buffer[] = []
    let size = 0
    let done = false // the request is complete or the connection dropped
    let closed = false
    let counted = true // still counted in `open` (released at drop or close, whichever comes first)
    const uncount = () => {
      if (counted) {
        counted = false
        open--
      }
    }
    const stopReading = () => {
      if (!conn.reading) return
      conn.reading = false
      readers.delete(conn)
      const own = readersByHost.get(host)
      own?.delete(conn)
      if (own?.size === 0) readersByHost.delete(host)
      clearTimeout(deadline)
      buffered -= size
      size = 0
      chunks.length = 0
    }
    const conn: Conn = {
      socket,
      host,
      peer,
      opened: Date.now(),
      reading: true,
      drop(reason, detail) {
        if (closed) return
        done = true
        stopReading()
        uncount() // the slot is free now, not when 'close' arrives: a burst must not evict twice for one slot
        hooks.onDropped?.(reason, peer, detail)
        socket.destroy()
      },
    }
    live.add(conn)
    readers.add(conn)
    let own = readersByHost.get(host)
    if (!own) readersByHost.set(host, (own = new Set()))
    own.add(conn)

    const deadline = setTimeout(() => conn.drop('timeout', `request not complete after ${limits.readDeadlineMs} ms`), limits.readDeadlineMs)
    socket.setTimeout(limits.idleTimeoutMs, () => {
      if (conn.reading) conn.drop('timeout', `no data for ${limits.idleTimeoutMs} ms`)
      else conn.drop('reply_stalled', `the peer did not read the reply for ${limits.idleTimeoutMs} ms`)
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (conn.reading) conn.drop('peer_reset', e.code ?? e.message)
    })
    socket.on('close', () => {
      live.delete(conn)
      onLiveClosed?.()
      if (conn.reading && !done) hooks.onDropped?.('peer_reset', peer, 'closed before the request was complete')
      stopReading()
      closed = true
      uncount()
    })
    socket.on('data', (chunk: Buffer) => {
      if (done) return
      if (size + chunk.length > limits.maxMessageBytes) {
        conn.drop('oversized', `request exceeds ${limits.maxMessageBytes} bytes`)
        return
      }
      // Small requests always have room (at most maxConnections x INLINE_PARSE_BYTES beyond the cap), so
      // large ones filling the buffer cannot keep a batch request or a Groth16 submit out.
      if (buffered + chunk.length > maxBuffered && size + chunk.length > INLINE_PARSE_BYTES) {
        conn.drop('buffer_full', `server is holding ${buffered} request bytes already; dropping this connection`)
        return
      }
      size += chunk.length
      buffered += chunk.length
      chunks.push(chunk)
    })
    socket.on('end', () => {
      if (done) return
      done = true
      const bytes = Buffer.concat(chunks, size)
      stopReading()
      // Large requests are parsed off this thread (hooks.parseOffThread) so that hostile ones of the allowed
      // size never delay the answer to a small one; their bytes stay counted in maxBufferedBytes meanwhile.
      if (bytes.length > INLINE_PARSE_BYTES && hooks.parseOffThread) {
        // A few per client at a time: one client cannot fill the parser's queue (nor the buffer) for all.
        const client = clientOf(host)
        const queued = parsingByClient.get(client) ?? 0
        if (queued >= MAX_PARSING_PER_ADDRESS) {
          reply(encodeRefusal(new Refused('busy', `${queued} large requests from ${client} are being read; try again shortly`)))
          return
        }
        parsingByClient.set(client, queued + 1)
        buffered += bytes.length
        socket.setTimeout(0) // waiting for the parser (maybe behind others) is not the peer's idleness
        const parsed = () => {
          buffered -= bytes.length
          const left = (parsingByClient.get(client) ?? 1) - 1
          if (left > 0) parsingByClient.set(client, left)
          else parsingByClient.delete(client)
        }
        hooks.parseOffThread(bytes).then(
          (msg) => {
            parsed()
            answer(msg)
          },
          (e: unknown) => {
            parsed()
            refuseUnreadable(e)
          },
        )
        return
      }
      let msg: Message
      try {
        msg = parseMessage(bytes.toString('utf8'))
      } catch (e) {
        refuseUnreadable(e)
        return
      }
      answer(msg)
    })
    const refuseUnreadable = (e: unknown) => {
      const error = e instanceof ProtocolError ? e : new ProtocolError('malformed', String((e as Error)?.message ?? e).slice(0, 200))
      hooks.onDropped?.(error.reason, peer, error.message)
      socket.destroy()
    }
    const reply = (text: string) => {
      if (socket.destroyed) {
        hooks.onDropped?.('peer_gone', peer, 'the peer left before the reply was ready')
        return
      }
      // From here the idle timer guards writing: a peer that never reads is dropped (reply_stalled).
      socket.setTimeout(limits.idleTimeoutMs)
      socket.end(text)
    }
    const answer = (msg: Message) => {
      if (inFlight >= maxInFlight) {
        reply(encodeRefusal(new Refused('busy', `${inFlight} requests are being handled; try again shortly`)))
        return
      }
      const client = clientOf(host)
      const mine = inFlightByClient.get(client) ?? 0
      if (mine >= maxInFlightPerAddress) {
        reply(encodeRefusal(new Refused('busy', `${mine} requests from ${client} are being handled (at most ${maxInFlightPerAddress} per address); try again shortly`)))
        return
      }
      inFlightByClient.set(client, mine + 1)
      inFlight++
      // No deadline while the handler runs: verification may take long and the reply must still arrive.
      socket.setTimeout(0)
      Promise.resolve()
        .then(() => handler(msg, peer))
        .then(
          (r) => {
            if (r === null) {
              hooks.onDropped?.('handler_closed', peer, `${msg.kind} answered with nothing`)
              socket.destroy()
            } else {
              let text: string
              try {
                // A request read in the older Tessera dialect is answered in it (src/protocol/legacy.ts).
                text = typeof r === 'string' ? r : encodeMessage(r, msg.dialect)
              } catch (err) {
                hooks.onHandlerError?.(err, peer)
                text = encodeRefusal(new Refused('internal', 'the reply could not be encoded'))
              }
              reply(text)
            }
          },
          (err: unknown) => {
            hooks.onHandlerError?.(err, peer)
            reply(encodeRefusal(new Refused('internal', 'internal error while handling the request; try again')))
          },
        )
        .finally(() => {
          inFlight--
          const left = (inFlightByClient.get(client) ?? 1) - 1
          if (left > 0) inFlightByClient.set(client, left)
          else inFlightByClient.delete(client)
        })
    }
    if (draining) conn.drop('shutting_down', 'the server is stopping')
  }) as MessageServer
  let onLiveClosed: (() => void) | undefined
  server.drain = async (graceMs) => {
    draining = true
    if (server.listening) server.close()
    for (const c of [...readers]) c.drop('shutting_down', 'the server is stopping; the request was not handled')
    if (live.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs)
        onLiveClosed = () => {
          if (live.size === 0) {
            clearTimeout(timer)
            resolve()
          }
        }
      })
    }
    onLiveClosed = undefined
    for (const c of live) c.socket.destroy()
  }
  return server
}

// ---------- client side ----------

export interface RequestOptions {
  /** Connect + write + read the whole reply within this. */
  timeoutMs: number
  /** Replies larger than this are refused (a BatchResponse carries a whole witness). */
  maxReplyBytes?: number
  /** Connect from this local address (another loopback address in tests). */
  localAddress?: string
}

/**
 * Send one message and return the parsed reply. Throws Refused when the server answers with an explicit
 * refusal, ProtocolError('no_reply') when it closes without answering (nothing is known: busy, evicted,
 * crashed, or an ethrex coordinator refusing), and Node's socket errors (ECONNREFUSED...) as is.
 */
export function sendMessage(address: Address, msg: Message, opts: RequestOptions): Promise<Message> {
  const maxReply = opts.maxReplyBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const payload = encodeMessage(msg)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port, allowHalfOpen: true, localAddress: opts.localAddress })
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
        const text = Buffer.concat(chunks, size).toString('utf8')
        const refusal = parseRefusal(text)
        if (refusal) finish(refusal)
        else finish(null, parseMessage(text))
      } catch (e) {
        finish(e as Error)
      }
    })
    socket.on('close', () => finish(new ProtocolError('no_reply', `${formatAddress(address)} closed the connection without a reply`)))
  })
}
