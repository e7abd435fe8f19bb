import net from 'node:net'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { decodeProgramInput, encodeProgramInput } from '../../guest/input.js'
import { Coordinator } from '../../src/coordinator/coordinator.js'
import { createInputBuilder } from '../../src/coordinator/inputBuilder.js'
import { parseBatchFile } from '../../src/coordinator/source.js'
import { CoordinatorStore } from '../../src/coordinator/store.js'
import { createMessageParser } from '../../src/protocol/messageParser.js'
import { DEFAULT_SERVER_LIMITS, sendMessage, type Address } from '../../src/protocol/transport.js'
import type { ProverType } from '../../src/protocol/messages.js'
import type { BenchSuite, Measurement } from '../types.js'

/**
 * The coordinator's answer time to a small request (a BatchRequest) while hostile messages of the allowed
 * size (15 MB: one 15-million-digit integer, a million distinct keys, five million empty objects) keep
 * arriving, against the same request on an idle coordinator. Large requests are parsed in a worker thread
 * (src/protocol/messageParser.ts), so the ratio should stay near 1 and the worst answer well under a second.
 *
 * Then the same small request (here a prover type not needed: answered without touching a batch) while another
 * prover takes batches whose witness has 100,000 extra nodes: each InputResponse takes seconds to build, in the
 * input builder's worker thread (src/coordinator/inputBuilder.ts), or on the event loop ("inline", as before it).
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

async function latencies(address: Address, count: number, proverType: ProverType = 'Exec'): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    await sendMessage(address, { kind: 'BatchRequest', commitHash: 'bench', proverType }, { timeoutMs: 120_000 })
    out.push(performance.now() - t)
    await new Promise((r) => setTimeout(r, 20))
  }
  return out.sort((a, b) => a - b)
}

/** A devnet batch whose witness carries `extra` more (unreachable) state nodes: each is hashed when the input is built. */
async function largeBatch(extra: number, seed: number): Promise<Uint8Array> {
  const file = fileURLToPath(new URL('../../../fixtures/devnet/cache_chain1337_1-3.json', import.meta.url))
  const program = decodeProgramInput((await parseBatchFile(file)).input)
  for (let i = 0; i < extra; i++) program.witness.state.push(new Uint8Array(200).fill(seed).fill(i & 0xff, 0, 1).fill(i >> 8, 1, 2).fill(i >> 16, 2, 3))
  return encodeProgramInput(program)
}

/** Small-request latencies while another prover takes `batches` large batches one after another. */
async function whileBuilding(batches: number, inWorker: boolean): Promise<number[]> {
  const store = new CoordinatorStore(':memory:')
  const inputs = await Promise.all(Array.from({ length: batches }, (_, i) => largeBatch(100_000, i + 1)))
  store.addBatches(inputs.map((input, i) => ({ source: `large-${i}`, firstBlock: 1, lastBlock: 3, input })))
  const builder = inWorker ? createInputBuilder() : undefined
  const coordinator = new Coordinator({
    store,
    version: 'bench',
    requiredTypes: ['SP1'],
    proverTimeoutMs: 600_000,
    limits: { ...DEFAULT_SERVER_LIMITS },
    logger: pino({ level: 'silent' }),
    derivePublicValues: async () => new Uint8Array(0),
    buildInput: builder?.build,
  })
  try {
    const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    let taken = 0
    let done = false
    const taker = (async () => {
      for (;;) {
        const r = await sendMessage(address, { kind: 'BatchRequest', commitHash: 'bench', proverType: 'SP1' }, { timeoutMs: 300_000 })
        if (r.kind !== 'BatchResponse' || r.batchNumber === null) break
        taken++
      }
      done = true
    })()
    await new Promise((r) => setTimeout(r, 50))
    // Sampled for as long as batches are being handed out.
    const out: number[] = []
    while (!done) out.push(...(await latencies(address, 1, 'RISC0')))
    await taker
    out.sort((x, y) => x - y)
    if (out.length === 0) throw new Error('large-input bench: no sample')
    if (taken !== batches) throw new Error(`large-input bench: ${taken} of ${batches} batches handed out`)
    return out
  } finally {
    await coordinator.close()
    await builder?.close()
    store.close()
  }
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
      const large = opts.quick ? 2 : 4
      const building = await whileBuilding(large, true)
      const inline = await whileBuilding(large, false)
      const measurements = [m('idle', idle), m('hostile-load', loaded), m('large-input-worker', building), m('large-input-inline', inline)]
      const ratio = (i: number) => Number((measurements[i].value / measurements[0].value).toFixed(2))
      return {
        suite: 'hostile',
        measurements,
        ratios: [
          { group: 'small request', name: 'hostile-load', baseline: 'idle', ratio: ratio(1) },
          { group: 'small request', name: 'large-input-worker', baseline: 'idle', ratio: ratio(2) },
          { group: 'small request', name: 'large-input-inline', baseline: 'idle', ratio: ratio(3) },
        ],
        notes: [
          `median ${median(idle).toFixed(1)} ms idle, ${median(loaded).toFixed(1)} ms under load; worst under load ${loaded.at(-1)!.toFixed(0)} ms`,
          `while ${large} batches with 100,000-node witnesses are handed out: median ${median(building).toFixed(1)} ms, worst ${building.at(-1)!.toFixed(0)} ms of ${building.length} requests (input built in a worker); inline: median ${median(inline).toFixed(1)} ms, worst ${inline.at(-1)!.toFixed(0)} ms of ${inline.length}`,
        ],
      }
    } finally {
      await coordinator.close()
      await parser.close()
      store.close()
    }
  },
}
