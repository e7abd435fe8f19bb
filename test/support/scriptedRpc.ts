/**
 * A scripted JSON-RPC 2.0 server on 127.0.0.1 for tests: each method is a function of its params; anything
 * else is answered with -32601 "Method not found". Handles batched requests (viem batches). Started and
 * stopped by the test that uses it.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Throw from a handler to answer with a JSON-RPC error object. */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

/** Return from a handler to send this exact body text as the whole HTTP response (malformed answers). */
export class RawReply {
  constructor(readonly body: string) {}
}

export type Handler = (params: unknown[]) => unknown
export interface ScriptedRpc {
  url: string
  /** Methods called, in order. */
  calls: string[]
  stop(): Promise<void>
}

interface Request {
  jsonrpc?: string
  id?: unknown
  method?: unknown
  params?: unknown
}

async function answer(methods: Record<string, Handler>, req: Request, calls: string[]): Promise<object | RawReply> {
  const id = req.id ?? null
  if (typeof req.method !== 'string') return { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } }
  calls.push(req.method)
  const handler = methods[req.method]
  if (handler === undefined) return { jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${req.method}` } }
  try {
    const result = await handler(Array.isArray(req.params) ? req.params : [])
    if (result instanceof RawReply) return result
    return { jsonrpc: '2.0', id, result: result === undefined ? null : result }
  } catch (e) {
    if (e instanceof RpcFailure) return { jsonrpc: '2.0', id, error: { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) } }
    return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${(e as Error).message}` } }
  }
}

export async function startScriptedRpc(methods: Record<string, Handler>): Promise<ScriptedRpc> {
  const calls: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }))
        return
      }
      const replies = Array.isArray(body) ? await Promise.all(body.map((r) => answer(methods, r as Request, calls))) : [await answer(methods, body as Request, calls)]
      const raw = replies.find((r): r is RawReply => r instanceof RawReply)
      res.writeHead(200, { 'content-type': 'application/json' })
      if (raw) res.end(raw.body)
      else res.end(JSON.stringify(Array.isArray(body) ? replies : replies[0]))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
