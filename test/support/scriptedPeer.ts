import net from 'node:net'
import type { Address } from '../../src/protocol/transport.js'

export interface ScriptedServer {
  address: Address
  received: string[]
}

/**
 * A TCP peer with ethrex's framing, for tests that script the other side of the wire: read a request to EOF,
 * answer with `answer(request, n)` (n counts requests from 1), close. `cleanups` gets the server's close.
 */
export async function scriptedServer(answer: (request: string, n: number) => string, cleanups: (() => Promise<void> | void)[]): Promise<ScriptedServer> {
  const received: string[] = []
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = []
    socket.on('data', (c) => chunks.push(c))
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      received.push(text)
      socket.end(answer(text, received.length))
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  return { address: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, received }
}
