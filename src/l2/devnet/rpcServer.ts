import http from 'node:http'
import { createTxFromRLP } from '@ethereumjs/tx'
import type { Common } from '@ethereumjs/common'
import { hexToBytes, isHex, type Hex } from 'viem'
import { L2RpcError, l2NodeMethods } from './nodeRpc.js'
import type { L2DevnetSequencer } from './sequencer.js'
import type { L2DevnetStore } from './store.js'
import { withdrawalProofJson, withdrawalProofs, WithdrawalNotFound } from './withdrawalProof.js'

/** Most calls one JSON-RPC batch may hold (viem batches up to 100). */
const MAX_BATCH = 1000

/**
 * The devnet's JSON-RPC endpoint (POST; one request or a JSON array of them, as viem batches):
 * `ethrex_getWithdrawalProof [txHash]` (the proofs of the L1 messages that L2 transaction sent, as ethrex's
 * RPC of that name serves them), `eth_sendRawTransaction [raw]` (queued for the next block), and with
 * `common` the read side of an ethrex L2 node (batches, blocks, witnesses, fee configs: src/l2/devnet/nodeRpc.ts).
 */
export function serveL2Rpc(o: { store: L2DevnetStore; sequencer?: L2DevnetSequencer; common?: Common; host: string; port: number }): Promise<http.Server> {
  const node = o.common ? l2NodeMethods(o.store, o.common) : {}
  const handle = (method: string, params: unknown[]): unknown => {
    switch (method) {
      case 'ethrex_getWithdrawalProof': {
        const tx = params[0]
        if (typeof tx !== 'string' || !isHex(tx) || tx.length !== 66) throw new L2RpcError(-32602, 'params[0]: expected a 32-byte transaction hash')
        try {
          return withdrawalProofs(o.store, tx as Hex).map(withdrawalProofJson)
        } catch (e) {
          if (e instanceof WithdrawalNotFound) throw new L2RpcError(-32000, e.message)
          throw e
        }
      }
      case 'eth_sendRawTransaction': {
        if (!o.sequencer || !o.common) throw new L2RpcError(-32601, 'this endpoint does not sequence')
        const raw = params[0]
        if (typeof raw !== 'string' || !isHex(raw)) throw new L2RpcError(-32602, 'params[0]: expected 0x-prefixed transaction bytes')
        let tx
        try {
          tx = createTxFromRLP(hexToBytes(raw), { common: o.common })
        } catch (e) {
          throw new L2RpcError(-32602, `not a transaction: ${(e as Error).message}`)
        }
        if (!tx.isSigned() || !tx.verifySignature()) throw new L2RpcError(-32602, 'transaction is not signed')
        return o.sequencer.submit(tx)
      }
      default: {
        const m = node[method]
        if (m === undefined) throw new L2RpcError(-32601, `Method not found: ${method}`)
        return m(params)
      }
    }
  }
  const answer = (msg: unknown): object => {
    const req = (typeof msg === 'object' && msg !== null ? msg : {}) as { id?: unknown; method?: unknown; params?: unknown }
    const id = req.id ?? null
    try {
      if (typeof req.method !== 'string') throw new L2RpcError(-32600, 'Invalid request: no method')
      return { jsonrpc: '2.0', id, result: handle(req.method, Array.isArray(req.params) ? req.params : []) ?? null }
    } catch (e) {
      return { jsonrpc: '2.0', id, error: { code: e instanceof L2RpcError ? e.code : -32603, message: (e as Error).message } }
    }
  }
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > 1 << 20) req.destroy()
      else chunks.push(c)
    })
    req.on('end', () => {
      let body: string
      try {
        const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
        if (Array.isArray(msg)) {
          if (msg.length === 0 || msg.length > MAX_BATCH) throw new L2RpcError(-32600, `Invalid request: a batch holds 1-${MAX_BATCH} calls, got ${msg.length}`)
          body = JSON.stringify(msg.map(answer))
        } else {
          body = JSON.stringify(answer(msg))
        }
      } catch (e) {
        const code = e instanceof L2RpcError ? e.code : -32700
        body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message: (e as Error).message } })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body)
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => resolve(server))
  })
}
