import http from 'node:http'
import { createTxFromRLP } from '@ethereumjs/tx'
import type { Common } from '@ethereumjs/common'
import { hexToBytes, isHex, type Hex } from 'viem'
import type { L2DevnetSequencer } from './sequencer.js'
import type { L2DevnetStore } from './store.js'
import { withdrawalProofJson, withdrawalProofs, WithdrawalNotFound } from './withdrawalProof.js'

/**
 * The devnet's JSON-RPC endpoint (POST, one request per body): `ethrex_getWithdrawalProof [txHash]` (the
 * proofs of the L1 messages that L2 transaction sent, as ethrex's RPC of that name serves them),
 * `eth_sendRawTransaction [raw]` (queued for the next block) and `eth_chainId`.
 */
export function serveL2Rpc(o: { store: L2DevnetStore; sequencer?: L2DevnetSequencer; common?: Common; host: string; port: number }): Promise<http.Server> {
  const handle = (method: string, params: unknown[]): unknown => {
    switch (method) {
      case 'eth_chainId':
        if (!o.common) throw new RpcError(-32601, 'no chain here')
        return `0x${o.common.chainId().toString(16)}`
      case 'ethrex_getWithdrawalProof': {
        const tx = params[0]
        if (typeof tx !== 'string' || !isHex(tx) || tx.length !== 66) throw new RpcError(-32602, 'params[0]: expected a 32-byte transaction hash')
        try {
          return withdrawalProofs(o.store, tx as Hex).map(withdrawalProofJson)
        } catch (e) {
          if (e instanceof WithdrawalNotFound) throw new RpcError(-32000, e.message)
          throw e
        }
      }
      case 'eth_sendRawTransaction': {
        if (!o.sequencer || !o.common) throw new RpcError(-32601, 'this endpoint does not sequence')
        const raw = params[0]
        if (typeof raw !== 'string' || !isHex(raw)) throw new RpcError(-32602, 'params[0]: expected 0x-prefixed transaction bytes')
        let tx
        try {
          tx = createTxFromRLP(hexToBytes(raw), { common: o.common })
        } catch (e) {
          throw new RpcError(-32602, `not a transaction: ${(e as Error).message}`)
        }
        if (!tx.isSigned() || !tx.verifySignature()) throw new RpcError(-32602, 'transaction is not signed')
        return o.sequencer.submit(tx)
      }
      default:
        throw new RpcError(-32601, `method ${method} not found`)
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
      let id: unknown = null
      let body: string
      try {
        const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method?: unknown; params?: unknown }
        id = msg.id ?? null
        if (typeof msg.method !== 'string') throw new RpcError(-32600, 'no method')
        body = JSON.stringify({ jsonrpc: '2.0', id, result: handle(msg.method, Array.isArray(msg.params) ? msg.params : []) })
      } catch (e) {
        const code = e instanceof RpcError ? e.code : e instanceof SyntaxError ? -32700 : -32603
        body = JSON.stringify({ jsonrpc: '2.0', id, error: { code, message: (e as Error).message } })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body)
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => resolve(server))
  })
}

class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}
