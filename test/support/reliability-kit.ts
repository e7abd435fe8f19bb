import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import type { ProgramInput } from '../../guest/types.js'
import { mockPublicValues } from '../../src/backend/index.js'
import { Coordinator, type CoordinatorOptions } from '../../src/coordinator/coordinator.js'
import { createCoordinatorMetrics } from '../../src/coordinator/metrics.js'
import { CoordinatorStore } from '../../src/coordinator/store.js'
import type { Message, ProverType } from '../../src/protocol/messages.js'
import { sendMessage, type Address } from '../../src/protocol/transport.js'
import { encodeProgramInput } from '../../src/witness/programInput.js'
import { captureLog, syntheticInput } from './coordinator-kit.js'

/** Shared set-up of the reliability fault tests: temp dirs, an in-process coordinator, message helpers. */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

export function onCleanup(f: () => Promise<void> | void): void {
  cleanups.push(f)
}

export function tempDir(prefix = 'tessera-rel-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function addBatches(store: CoordinatorStore, inputs: ProgramInput[]): number[] {
  return store.addBatches(inputs.map((input, i) => ({ source: `b-${Date.now()}-${i}-${Math.random()}`, firstBlock: i + 1, lastBlock: i + 1, input: encodeProgramInput(input) })))
}

/** A synthetic batch whose one (well-formed, empty) block declares `gasUsed` (for the gas budget). */
export function gassyInput(number: number, gasUsed: bigint): ProgramInput {
  // A well-formed block (it travels as ethrex Block JSON), so the header's gas fields are real ones.
  return syntheticInput(number, 8, { gasLimit: gasUsed * 2n, gasUsed })
}

export interface TestCoordinator {
  coordinator: Coordinator
  store: CoordinatorStore
  address: Address
  lines: Record<string, unknown>[]
  opts: CoordinatorOptions
}

export async function startCoordinator(
  over: Partial<CoordinatorOptions> & { inputs?: ProgramInput[]; dbPath?: string; port?: number } = {},
): Promise<TestCoordinator> {
  const store = new CoordinatorStore(over.dbPath ?? join(tempDir(), 'c.db'))
  if (over.inputs) addBatches(store, over.inputs)
  const { logger, lines } = captureLog()
  const requiredTypes = over.requiredTypes ?? ['Exec']
  const proverTimeoutMs = over.proverTimeoutMs ?? 60_000
  const opts: CoordinatorOptions = {
    store,
    version: 'v',
    requiredTypes,
    proverTimeoutMs,
    limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 2000, readDeadlineMs: 5000, maxConnections: 200 },
    logger,
    metrics: createCoordinatorMetrics(store, requiredTypes, proverTimeoutMs),
    derivePublicValues: async (input) => mockPublicValues(input),
    ...over,
  }
  const coordinator = new Coordinator(opts)
  const address = await coordinator.listen({ host: '127.0.0.1', port: over.port ?? 0 })
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await coordinator.close()
    store.close()
  }
  cleanups.push(close)
  return { coordinator, store, address, lines, opts }
}

export const send = (a: Address, m: Message, timeoutMs = 10_000) => sendMessage(a, m, { timeoutMs })

export const request = (a: Address, proverId?: string, proverType: ProverType = 'Exec') =>
  send(a, { kind: 'BatchRequest', commitHash: 'v', proverType, proverId })

export const submit = (a: Address, batchNumber: number, publicValues: Uint8Array, o: { proverId?: string; proof?: Uint8Array; proverType?: ProverType } = {}) =>
  send(a, {
    kind: 'ProofSubmit',
    batchNumber,
    batchProof: { proverType: o.proverType ?? 'Exec', proof: o.proof ?? new Uint8Array(0), publicValues },
    proverId: o.proverId,
  })

/** What the mock backend would prove for this input. */
export const valuesOf = (input: ProgramInput) => mockPublicValues(encodeProgramInput(input))

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`)
    },
    (e: unknown) => e,
  )
}

export async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
