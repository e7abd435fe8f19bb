import { createPublicClient, http, type PublicClient } from 'viem'
import { TesseraError } from '../../guest/errors.js'

/**
 * The one way Tessera talks JSON-RPC: a viem public client (HTTP, JSON-RPC batching) behind a concurrency
 * bound, a requests-per-second limiter and retries with exponential backoff on transient failures.
 */
export interface RpcOptions {
  url: string
  /** Requests per second sent to the node (each call in a batch counts). Default: unlimited. */
  rps?: number
  /** Calls in flight at once. Default 16. */
  concurrency?: number
  /** Attempts for a transient failure (429, 5xx, network, timeout). Default 5. */
  retries?: number
  /** Per-request timeout, ms. Default 60 000. */
  timeoutMs?: number
}

export interface Rpc {
  readonly url: string
  readonly client: PublicClient
  request<T = unknown>(method: string, params?: unknown[]): Promise<T>
  /** Calls made and retried so far, for summaries. */
  readonly stats: { calls: number; retries: number }
}

export class RpcError extends TesseraError {
  readonly method: string
  readonly code?: number
  constructor(method: string, message: string, code?: number, hint?: string) {
    super(`${method} failed: ${message}`, hint)
    this.method = method
    this.code = code
  }
}

function errorCode(e: unknown): number | undefined {
  for (let x = e as { code?: unknown; cause?: unknown; status?: unknown } | undefined; x; x = x.cause as typeof x) {
    if (typeof x.code === 'number') return x.code
    if (typeof x.status === 'number') return x.status
  }
  return undefined
}

function errorText(e: unknown): string {
  const parts: string[] = []
  for (let x = e as { shortMessage?: string; message?: string; details?: string; cause?: unknown } | undefined; x; x = x.cause as typeof x) {
    parts.push(x.details ?? x.shortMessage ?? x.message ?? '')
    if (parts.length > 4) break
  }
  return parts.filter(Boolean).join(' / ')
}

/** The node does not serve this method (so the caller can pick a fallback). */
export function isMethodNotFound(e: unknown): boolean {
  const code = e instanceof RpcError ? e.code : errorCode(e)
  if (code === -32601) return true
  return /method .*(not found|not supported|does not exist|not available|unsupported)|unsupported method|not implemented/i.test(
    e instanceof Error ? e.message : String(e),
  )
}

function isTransient(e: unknown): boolean {
  const code = errorCode(e)
  if (code === 429 || (code !== undefined && code >= 500 && code < 600) || code === -32005) return true
  return /timed? ?out|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|fetch failed|rate limit|too many requests|HTTP request failed/i.test(errorText(e))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function createRpc(opts: RpcOptions): Rpc {
  const client = createPublicClient({
    transport: http(opts.url, { batch: { batchSize: 100, wait: 1 }, retryCount: 0, timeout: opts.timeoutMs ?? 60_000 }),
  }) as PublicClient
  const limit = Math.max(1, opts.concurrency ?? 16)
  const retries = opts.retries ?? 5
  const gap = opts.rps && opts.rps > 0 ? 1000 / opts.rps : 0
  let nextSlot = 0
  let inFlight = 0
  const waiting: (() => void)[] = []
  const stats = { calls: 0, retries: 0 }

  async function acquire(): Promise<void> {
    if (inFlight >= limit) await new Promise<void>((r) => waiting.push(r))
    inFlight++
    if (gap > 0) {
      const now = Date.now()
      const at = Math.max(now, nextSlot)
      nextSlot = at + gap
      if (at > now) await sleep(at - now)
    }
  }
  function release(): void {
    inFlight--
    waiting.shift()?.()
  }

  async function request<T>(method: string, params: unknown[] = []): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await acquire()
      let error: unknown
      try {
        stats.calls++
        return (await client.request({ method, params } as never)) as T
      } catch (e) {
        error = e
      } finally {
        release()
      }
      if (attempt + 1 < retries && isTransient(error)) {
        stats.retries++
        await sleep(Math.min(8000, 250 * 2 ** attempt) * (0.75 + Math.random() / 2))
        continue
      }
      const hint = isTransient(error) ? `the node at ${opts.url} kept failing; lower --rps or check that it is up` : undefined
      throw new RpcError(method, errorText(error) || String(error), errorCode(error), hint)
    }
  }

  return { url: opts.url, client, request, stats }
}
