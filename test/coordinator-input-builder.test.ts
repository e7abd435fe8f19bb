import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { mockPublicValues } from '../src/backend/index.js'
import { Coordinator, type CoordinatorOptions } from '../src/coordinator/coordinator.js'
import { buildInputText, createInputBuilder, encodeInputResponse, InputCache, type InputTask } from '../src/coordinator/inputBuilder.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { BatchInput } from '../src/protocol/batchInput.js'
import { encodeMessage, type Message } from '../src/protocol/messages.js'
import { sendMessage, type Address } from '../src/protocol/transport.js'
import { captureLog, rawExchange, syntheticInput } from './support/coordinator-kit.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function start(inputs: Uint8Array[], over: Partial<CoordinatorOptions> = {}): Promise<{ address: Address; store: CoordinatorStore }> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-input-'))
  const store = new CoordinatorStore(join(dir, 'coordinator.db'))
  store.addBatches(inputs.map((input, i) => ({ source: `synthetic-${i + 1}`, firstBlock: i + 1, lastBlock: i + 1, input })))
  const coordinator = new Coordinator({
    store,
    version: 'test-1',
    requiredTypes: ['Exec', 'SP1'],
    proverTimeoutMs: 60_000,
    limits: { maxMessageBytes: 64 * 1024, idleTimeoutMs: 300, readDeadlineMs: 3000, maxConnections: 1000 },
    logger: captureLog().logger,
    derivePublicValues: async (input) => mockPublicValues(input),
    ...over,
  })
  const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(async () => {
    await coordinator.close()
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { address, store }
}

const request = (a: Address, extra: Partial<Message> = {}) =>
  sendMessage(a, { kind: 'BatchRequest', commitHash: 'test-1', proverType: 'Exec', ...extra } as Message, { timeoutMs: 60_000 })

describe('InputResponse built from text', () => {
  it('writes exactly what encodeMessage writes, in every witness form and dialect, with and without a lease', () => {
    const stored = encodeProgramInput(syntheticInput(3, 40))
    for (const witnessForm of ['nested', 'flat'] as const) {
      for (const dialect of ['ethrex', 'tessera-0.1'] as const) {
        for (const lease of [undefined, '00112233445566778899aabbccddeeff']) {
          const text = buildInputText({ stored, witnessForm, dialect })
          const want = encodeMessage({ kind: 'BatchResponse', batchNumber: 3, input: BatchInput.fromStored(stored, witnessForm), format: 'Groth16', lease }, dialect)
          expect(encodeInputResponse(3, text, 'Groth16', lease, dialect)).toBe(want)
        }
      }
    }
  })
})

describe('InputCache', () => {
  it('keeps at most its size, least recently used dropped first, and shares a build in progress', async () => {
    const built: string[] = []
    const cache = new InputCache(async (task) => {
      built.push(task.witnessForm)
      return 'x'.repeat(task.stored.length)
    }, 25)
    const task = (n: number): InputTask => ({ stored: new Uint8Array(n), witnessForm: 'nested', dialect: 'ethrex' })
    await Promise.all([cache.get(1, task(10)), cache.get(1, task(10))])
    await cache.get(2, task(10))
    await cache.get(1, task(10)) // 1 is now the most recently used
    await cache.get(3, task(10)) // over 25 characters: 2 goes
    await cache.get(1, task(10))
    await cache.get(2, task(10))
    expect(built).toHaveLength(4) // 1, 2, 3, 2 again
    await cache.get(4, task(30)) // larger than the cache: built, not kept
    await cache.get(4, task(30))
    expect(built).toHaveLength(6)
  })
})

describe('coordinator input building', () => {
  it('builds a batch input once per witness form: a re-assignment and a second prover type reuse it', async () => {
    const built: string[] = []
    const buildInput = async (task: InputTask) => {
      built.push(`${task.witnessForm}/${task.dialect}`)
      return buildInputText(task)
    }
    const { address } = await start([encodeProgramInput(syntheticInput(1))], { buildInput, proverTimeoutMs: 50 })
    const first = await request(address)
    await new Promise((r) => setTimeout(r, 80)) // the assignment expires: handed out again
    const again = await request(address)
    const sp1 = await request(address, { proverType: 'SP1' })
    for (const reply of [first, again, sp1]) expect(reply).toMatchObject({ kind: 'BatchResponse', batchNumber: 1 })
    expect(encodeMessage(again)).toBe(encodeMessage(first))
    expect(built).toEqual(['nested/ethrex'])
  })

  it('answers a second prover while a batch with a 100,000-node witness is being built in the worker', async () => {
    const program = syntheticInput(1)
    // Nodes the state trie does not reach: each is hashed when the nested form is built, none is sent.
    for (let i = 0; i < 100_000; i++) program.witness.state.push(new Uint8Array(200).fill(i & 0xff).fill(i >> 8, 0, 1).fill(i >> 16, 1, 2))
    const builder = createInputBuilder()
    cleanups.push(() => builder.close())
    const { address, store } = await start([encodeProgramInput(program)], { buildInput: builder.build, requiredTypes: ['Exec'] })
    const order: string[] = []
    const big = request(address).then((m) => {
      order.push('big')
      return m
    })
    // Once the batch is assigned (its input is being built), another prover asks: nothing else is pending.
    while (!store.assignment(1, 'Exec')) await new Promise((r) => setTimeout(r, 5))
    const small = await request(address)
    order.push('small')
    expect(small).toMatchObject({ kind: 'BatchResponse', batchNumber: null })
    // And a malformed message is closed without a reply meanwhile.
    const junk = await rawExchange(address.port, '{"InputRequest":')
    order.push('junk')
    expect(junk).toMatchObject({ closedByServer: true })
    expect(junk.reply.length).toBe(0)
    expect(await big).toMatchObject({ kind: 'BatchResponse', batchNumber: 1 })
    expect(order).toEqual(['small', 'junk', 'big'])
  }, 120_000)
})
