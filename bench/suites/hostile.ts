import net from 'node:net'
import pino from 'pino'
import { Coordinator } from '../../src/coordinator/coordinator.js'
import { CoordinatorStore } from '../../src/coordinator/store.js'
import { createMessageParser } from '../../src/protocol/messageParser.js'
import { DEFAULT_SERVER_LIMITS, sendMessage, type Address } from '../../src/protocol/transport.js'
import type { BenchSuite, Measurement } from '../types.js'

/**
 * The coordinator's answer time to a small request (a BatchRequest) while hostile messages of the allowed
 * size (15 MB: one 15-million-digit integer, a million distinct keys, five million empty objects) keep
 * arriving, against the same request on an idle coordinator. Large requests are parsed in a worker thread
 * (src/protocol/messageParser.ts), so the ratio should stay near 1 and the worst answer well under a second.
 */
const SIZE = 15_000_000

function hostileMessages(): string[] {
  const units = (unit: string) => `[${unit.repeat(SIZE / unit.length - 1)}0]`
  return [`{"ProofSubmit":{"id":${'9'.repeat(SIZE)}}}`, `{${Array.from({ length: SIZE / 12 }, (_, i) => `"k${i}":0`).join(',')}}`, units('{},')]
}

/** Write one message and half-close; the reply (none: they are dropped) is not awaited. */
function fire(address: Address, text: string): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address.host, port: address.port, allowHalfOpen: true })
    s.on('error', () => resolve())
    s.on('close', () => resolve())
    s.on('connect', () => s.end(text))
  })
}

async function latencies(address: Address, count: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    await sendMessage(address, { kind: 'BatchRequest', commitHash: 'bench', proverType: 'Exec' }, { timeoutMs: 60_000 })
    out.push(performance.now() - t)
    await new Promise((r) => setTimeout(r, 20))
  }
  return out.sort((a, b) => a - b)
}

export const hostileSuite: BenchSuite = {
  name: 'hostile',
  description: 'coordinator: a small request answered while 15 MB hostile messages are parsed, vs idle',
  async run(opts) {
    const store = new CoordinatorStore(':memory:')
    const parser = createMessageParser()
    const coordinator = new Coordinator({
      store,
      version: 'bench',
      requiredTypes: ['Exec'],
      proverTimeoutMs: 60_000,
      limits: { ...DEFAULT_SERVER_LIMITS, maxMessageBytes: 16 * 1024 * 1024 },
      logger: pino({ level: 'silent' }),
      derivePublicValues: async () => new Uint8Array(0),
      parseOffThread: parser.parse,
    })
    const count = opts.quick ? 10 : 40
    try {
      const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
      const idle = await latencies(address, count)
      const messages = hostileMessages()
      let stop = false
      const attackers = [0, 1].map(async () => {
        for (let i = 0; !stop; i++) await fire(address, messages[i % messages.length])
      })
      await new Promise((r) => setTimeout(r, 1000))
      const loaded = await latencies(address, count)
      stop = true
      await Promise.all(attackers)
      const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]
      const m = (name: string, xs: number[]): Measurement => ({ group: 'small request', name, value: 1000 / median(xs), unit: 'replies/s', samples: xs.length, rme: 0 })
      const measurements = [m('idle', idle), m('hostile-load', loaded)]
      return {
        suite: 'hostile',
        measurements,
        ratios: [{ group: 'small request', name: 'hostile-load', baseline: 'idle', ratio: Number((measurements[1].value / measurements[0].value).toFixed(2)) }],
        notes: [`median ${median(idle).toFixed(1)} ms idle, ${median(loaded).toFixed(1)} ms under load; worst under load ${loaded.at(-1)!.toFixed(0)} ms`],
      }
    } finally {
      await coordinator.close()
      await parser.close()
      store.close()
    }
  },
}
