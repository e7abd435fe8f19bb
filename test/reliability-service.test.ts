import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { createCoordinatorMetrics } from '../src/coordinator/metrics.js'
import { RecentSet } from '../src/coordinator/recentSet.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { parseJson } from '../src/protocol/json.js'
import { createMessageParser } from '../src/protocol/messageParser.js'
import { clientOf, createMessageServer, sendMessage, type DropReason } from '../src/protocol/transport.js'
import { rawExchange, syntheticInput } from './support/coordinator-kit.js'
import { onCleanup, request, startCoordinator, until } from './support/reliability-kit.js'

/**
 * Issue 13, items 2 and 8: one client cannot stop service (slow connections are evicted oldest first, per
 * address and globally, known provers last), every dropped connection is logged and counted by reason, and
 * the prover registry behind the metric is bounded.
 */

/** Open a connection (optionally from another loopback address) that sends one byte and then nothing. */
function slowConnection(port: number, localAddress?: string): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress })
    socket.on('error', () => {})
    const closed = new Promise<void>((r) => socket.on('close', () => r()))
    socket.once('connect', () => {
      socket.write('{')
      resolve({ socket, closed })
    })
    socket.once('error', reject)
    onCleanup(() => void socket.destroy())
  })
}

describe('fair service under slow connections', () => {
  it('300 trickling connections from one address: a prover is still served, and every drop is logged and counted', async () => {
    const c = await startCoordinator({
      inputs: [syntheticInput(1)],
      limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 60_000, readDeadlineMs: 60_000, maxConnections: 100, maxConnectionsPerAddress: 40 },
    })
    const slow = []
    for (let i = 0; i < 300; i++) slow.push(await slowConnection(c.address.port))
    // The idle timeout is a minute: only eviction can have made room.
    expect(await request(c.address, 'real-prover')).toMatchObject({ kind: 'BatchResponse', batchNumber: 1 })
    const open = slow.filter((s) => !s.socket.destroyed && s.socket.readyState === 'open').length
    expect(open).toBeLessThanOrEqual(40)
    const dropLines = c.lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('connection dropped'))
    const metric = await c.opts.metrics!.registry.getSingleMetricAsString('tessera_coordinator_dropped_connections_total')
    const counted = [...metric.matchAll(/reason="([a-z_]+)"} (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0)
    expect(dropLines.length).toBeGreaterThanOrEqual(300 - 40)
    expect(counted).toBe(dropLines.length)
    expect(dropLines.every((l) => ['address_cap', 'evicted'].includes(l.reason as string))).toBe(true)
  }, 30_000)

  it('a known prover\'s connection is evicted last; unknown addresses churn among themselves', async () => {
    const drops: { reason: DropReason; peer: string }[] = []
    const server = createMessageServer(
      () => ({ kind: 'BatchResponse', batchNumber: null, input: null, format: null }),
      { maxMessageBytes: 1024, idleTimeoutMs: 60_000, readDeadlineMs: 60_000, maxConnections: 20, maxConnectionsPerAddress: 100, reservedConnections: 5 },
      { onDropped: (reason, peer) => drops.push({ reason, peer }), isTrusted: (host) => host === '127.0.0.2' },
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    onCleanup(() => new Promise<void>((r) => server.close(() => r())))
    const port = (server.address() as net.AddressInfo).port
    const known = await slowConnection(port, '127.0.0.2') // the oldest connection of all
    for (let i = 0; i < 60; i++) await slowConnection(port)
    await new Promise((r) => setTimeout(r, 50))
    expect(known.socket.destroyed).toBe(false)
    expect(drops.length).toBeGreaterThanOrEqual(60 - 15)
    expect(drops.every((d) => d.peer.startsWith('127.0.0.1:') && d.reason === 'evicted')).toBe(true)
    // And a complete request from anyone is still answered.
    expect(await sendMessage({ host: '127.0.0.1', port }, { kind: 'BatchRequest', commitHash: 'v', proverType: 'Exec' }, { timeoutMs: 5000 })).toMatchObject({ kind: 'BatchResponse' })
  })

  it('more requests in flight than allowed get Refused{busy, retry}, not silence', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const server = createMessageServer(
      async () => {
        await gate
        return { kind: 'BatchResponse', batchNumber: null, input: null, format: null }
      },
      { maxMessageBytes: 1024, idleTimeoutMs: 5000, readDeadlineMs: 5000, maxConnections: 50, maxInFlight: 2 },
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    onCleanup(() => new Promise<void>((r) => server.close(() => r())))
    const address = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }
    const ask = () => sendMessage(address, { kind: 'BatchRequest', commitHash: 'v', proverType: 'Exec' }, { timeoutMs: 5000 }).then((m) => m.kind, (e: Error & { reason?: string; retry?: boolean }) => `${e.reason}:${e.retry}`)
    const first = [ask(), ask()]
    await new Promise((r) => setTimeout(r, 100))
    expect(await ask()).toBe('busy:true')
    release()
    expect(await Promise.all(first)).toEqual(['BatchResponse', 'BatchResponse'])
  })

  it('one client cannot take every in-flight slot: beyond its share it gets busy, another client still gets in', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const server = createMessageServer(
      async () => {
        await gate
        return { kind: 'BatchResponse', batchNumber: null, input: null, format: null }
      },
      { maxMessageBytes: 1024, idleTimeoutMs: 5000, readDeadlineMs: 5000, maxConnections: 50, maxInFlight: 8, maxInFlightPerAddress: 3 },
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    onCleanup(() => new Promise<void>((r) => server.close(() => r())))
    const address = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }
    const ask = (localAddress: string) =>
      sendMessage(address, { kind: 'BatchRequest', commitHash: 'v', proverType: 'Exec' }, { timeoutMs: 5000, localAddress }).then(
        (m) => m.kind,
        (e: Error & { reason?: string; retry?: boolean }) => `${e.reason}:${e.retry}`,
      )
    const held = [ask('127.0.0.1'), ask('127.0.0.1'), ask('127.0.0.1')]
    await new Promise((r) => setTimeout(r, 100))
    expect(await ask('127.0.0.1')).toBe('busy:true')
    const other = ask('127.0.0.2')
    await new Promise((r) => setTimeout(r, 100))
    release()
    expect(await Promise.all([...held, other])).toEqual(['BatchResponse', 'BatchResponse', 'BatchResponse', 'BatchResponse'])
    expect(await ask('127.0.0.1')).toBe('BatchResponse') // its slots are free again
  })

  it('an IPv6 client counts by its /64; IPv4-mapped addresses by their IPv4 address', () => {
    expect(clientOf('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64')
    expect(clientOf('2001:db8:1:2::99')).toBe('2001:db8:1:2::/64')
    expect(clientOf('2001:0db8::1')).toBe('2001:db8:0:0::/64')
    expect(clientOf('::1')).toBe('0:0:0:0::/64')
    expect(clientOf('::ffff:10.0.0.7')).toBe('10.0.0.7')
    expect(clientOf('10.0.0.7')).toBe('10.0.0.7')
  })
})

describe('bounded prover registry', () => {
  it('400k random prover ids keep at most the cap, least recently seen forgotten first', async () => {
    const set = new RecentSet(60_000, 1000)
    for (let i = 0; i < 400_000; i++) set.touch(`id-${i}`)
    expect(set.size()).toBe(1000)
    expect(set.has('id-399999')).toBe(true)
    expect(set.has('id-0')).toBe(false)
    const store = new CoordinatorStore(':memory:')
    onCleanup(() => store.close())
    const metrics = createCoordinatorMetrics(store, ['Exec'], 60_000, 500)
    for (let i = 0; i < 5000; i++) metrics.seenProver(`random-${i}`)
    expect(await metrics.registry.getSingleMetricAsString('tessera_coordinator_provers')).toMatch(/tessera_coordinator_provers 500/)
  })

  it('forgets provers not seen within the prover timeout', () => {
    const set = new RecentSet(1000, 10)
    set.touch('a', 0)
    set.touch('b', 500)
    expect(set.size(1200)).toBe(1)
    expect(set.has('b', 1200)).toBe(true)
  })
})

describe('hostile input', () => {
  it('hostile messages of the allowed size never hold up a small request, and each is dropped as malformed', async () => {
    const SIZE = 15_000_000
    const parser = createMessageParser()
    onCleanup(() => parser.close())
    const c = await startCoordinator({
      inputs: [syntheticInput(1)],
      parseOffThread: parser.parse,
      limits: { maxMessageBytes: 16 * 1024 * 1024, idleTimeoutMs: 60_000, readDeadlineMs: 120_000, maxConnections: 200 },
    })
    const units = (unit: string) => `[${unit.repeat(SIZE / unit.length - 1)}0]`
    const hostile = [
      `{"ProofSubmit":{"id":${'9'.repeat(SIZE)}}}`, // one integer of 15 million digits
      `{${Array.from({ length: SIZE / 12 }, (_, i) => `"k${i}":0`).join(',')}}`, // ~1.2 million distinct keys
      units('{},'), // 5 million empty objects
      units('1e5,'), // 3.7 million floats
    ]
    const replies = hostile.map((text) => rawExchange(c.address.port, text, { timeoutMs: 300_000 }))
    // Once the hostile requests are in, ask for a batch: answered while they are still being parsed.
    await new Promise((r) => setTimeout(r, 1500))
    const cheap = await request(c.address, 'p')
    const dropsAtReply = c.lines.filter((l) => l.reason === 'malformed').length
    expect(cheap).toMatchObject({ kind: 'BatchResponse', batchNumber: 1 })
    expect(dropsAtReply).toBeLessThan(hostile.length)
    for (const r of await Promise.all(replies)) expect(r.reply.length).toBe(0)
    await until('every hostile request dropped', () => c.lines.filter((l) => l.reason === 'malformed').length === hostile.length, 240_000)
    expect(c.lines.some((l) => /number of 15000000 characters/.test(String(l.msg)))).toBe(true)
  }, 300_000)
})

describe('bounded parsing', () => {
  it('large requests queue for the parser a few per client; others and small requests are not held back', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let parsing = 0
    const server = createMessageServer(
      async () => ({ kind: 'BatchResponse', batchNumber: null, input: null, format: null }),
      { maxMessageBytes: 1 << 20, idleTimeoutMs: 5000, readDeadlineMs: 5000, maxConnections: 50, maxBufferedBytes: 400_000 },
      {
        parseOffThread: async () => {
          parsing++
          await gate
          return { kind: 'BatchRequest', commitHash: 'v', proverType: 'Exec' }
        },
      },
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    onCleanup(() => new Promise<void>((r) => server.close(() => r())))
    const address = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }
    const large = `{"InputRequest":{"commit_hash":"v","prover_type":"Exec","pad":"${'x'.repeat(70_000)}"}}`
    const sendRaw = (text: string, localAddress: string) =>
      new Promise<string>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: address.port, allowHalfOpen: true, localAddress })
        let out = ''
        s.on('data', (d) => (out += d))
        s.on('error', () => {})
        s.on('close', () => resolve(out))
        s.on('connect', () => s.end(text))
      })
    const held = [1, 2, 3, 4].map(() => sendRaw(large, '127.0.0.1'))
    await until('four large requests at the parser', () => parsing === 4, 5000)
    expect(await sendRaw(large, '127.0.0.1')).toMatch(/^\{"Refused":\{"reason":"busy","message":"4 large requests from 127\.0\.0\.1 are being read/)
    const small = await sendMessage(address, { kind: 'BatchRequest', commitHash: 'v', proverType: 'Exec' }, { timeoutMs: 5000 })
    expect(small).toMatchObject({ kind: 'BatchResponse' })
    const other = sendRaw(large, '127.0.0.2')
    await until('another client\'s large request at the parser', () => parsing === 5, 5000)
    release()
    for (const r of await Promise.all([...held, other])) expect(r).toMatch(/^\{"InputResponse"/)
  })

  it('a small request finds room even when large ones fill the request buffer', async () => {
    const server = createMessageServer(
      async () => ({ kind: 'BatchResponse', batchNumber: null, input: null, format: null }),
      { maxMessageBytes: 1 << 20, idleTimeoutMs: 5000, readDeadlineMs: 5000, maxConnections: 50, maxBufferedBytes: 100_000 },
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    onCleanup(() => new Promise<void>((r) => server.close(() => r())))
    const port = (server.address() as net.AddressInfo).port
    // A large request still arriving holds all but a few bytes of the buffer.
    const hog = net.connect({ host: '127.0.0.1', port })
    hog.on('error', () => {})
    onCleanup(() => void hog.destroy())
    await new Promise<void>((r) => hog.on('connect', () => hog.write('x'.repeat(99_990), () => r())))
    await new Promise((r) => setTimeout(r, 200))
    const small = await sendMessage({ host: '127.0.0.1', port }, { kind: 'BatchRequest', commitHash: 'v', proverType: 'Exec' }, { timeoutMs: 5000 })
    expect(small).toMatchObject({ kind: 'BatchResponse' })
  })

  it('a long number is refused by its length before any BigInt is built; u128 and u256 sized ones still read', () => {
    expect(() => parseJson(`[${'9'.repeat(101)}]`)).toThrow(/number of 101 characters \(at most 100\)/)
    expect(parseJson('[340282366920938463463374607431768211455]')).toEqual([2n ** 128n - 1n])
    expect(parseJson(`[${(2n ** 256n - 1n).toString()}]`)).toEqual([2n ** 256n - 1n])
  })

  it('objects: "__proto__" is an ordinary key, duplicates are refused', () => {
    const o = parseJson('{"__proto__":{"x":1},"a":2}') as Record<string, unknown>
    expect(Object.keys(o)).toEqual(['__proto__', 'a'])
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    expect(() => parseJson('{"a":1,"a":2}')).toThrow(/duplicate key "a"/)
  })
})
