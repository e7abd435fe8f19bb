import type { InputReply } from '../../workers/inputResponse.js'
import { BatchInput } from '../protocol/batchInput.js'
import type { WrittenWitnessForm } from '../protocol/ethrex/witness.js'
import { stringifyJson } from '../protocol/json.js'
import { encodeMessage, type Dialect, type ProofFormat } from '../protocol/messages.js'
import { createSideWorker } from '../pool/sideWorker.js'

/** What an InputResponse's `input` is built from: the stored batch, the witness form, the request's dialect. */
export interface InputTask {
  stored: Uint8Array
  witnessForm: WrittenWitnessForm
  dialect: Dialect
}

/** The `input` of an InputResponse as JSON text (what encodeMessage would write for it). */
export function buildInputText(task: InputTask): string {
  const input = BatchInput.fromStored(task.stored, task.witnessForm)
  return stringifyJson(task.dialect === 'tessera-0.1' ? input.legacyJson() : input.ethrexJson())
}

/** Builds `input` texts: in a worker thread (createInputBuilder), or inline when none is given (tests). */
export type BuildInput = (task: InputTask) => Promise<string>

export class InputBuildFailed extends Error {
  override name = 'InputBuildFailed'
}

/**
 * One worker thread (workers/inputResponse.ts) writing InputResponse inputs, so that handing out a batch with a
 * witness of 10^5 nodes (seconds of decoding, trie embedding and JSON writing) never holds the coordinator's
 * event loop: other provers' requests are answered meanwhile. The stored batch crosses as bytes.
 */
export function createInputBuilder(maxHeapMb = 4096): { build: BuildInput; close(): Promise<void> } {
  const pool = createSideWorker('inputResponse', maxHeapMb)
  return {
    async build(task) {
      let reply: InputReply
      try {
        reply = (await pool.run(task)) as InputReply
      } catch (e) {
        throw new InputBuildFailed(`the input builder worker died (${String((e as Error)?.message ?? e).slice(0, 200)})`)
      }
      if (!reply.ok) throw new InputBuildFailed(reply.error)
      return reply.text
    },
    close: () => pool.destroy(),
  }
}

/**
 * Built inputs by (batch, witness form, dialect), least recently used dropped first, at most `maxChars` in all
 * (one-byte strings: about that many bytes), so a batch handed out again (its assignment expired, or a second
 * prover type) is not built again. Concurrent requests for the same key share one build. A stored batch never
 * changes, so entries never go stale.
 */
export class InputCache {
  private readonly done = new Map<string, string>()
  private readonly building = new Map<string, Promise<string>>()
  private chars = 0
  constructor(
    private readonly build: BuildInput,
    private readonly maxChars = 256 * 1024 * 1024,
  ) {}

  get(batchNumber: number, task: InputTask): Promise<string> {
    const key = `${batchNumber}/${task.witnessForm}/${task.dialect}`
    const hit = this.done.get(key)
    if (hit !== undefined) {
      this.done.delete(key) // re-insert: most recently used last
      this.done.set(key, hit)
      return Promise.resolve(hit)
    }
    let running = this.building.get(key)
    if (!running) {
      running = this.build(task).finally(() => this.building.delete(key))
      running.then((text) => this.keep(key, text), () => {})
      this.building.set(key, running)
    }
    return running
  }

  private keep(key: string, text: string): void {
    if (text.length > this.maxChars) return
    this.done.set(key, text)
    this.chars += text.length
    for (const [k, v] of this.done) {
      if (this.chars <= this.maxChars) break
      this.done.delete(k)
      this.chars -= v.length
    }
  }
}

/**
 * An InputResponse whose `input` is given as JSON text: exactly the bytes encodeMessage writes for the message
 * with that input (the envelope is encoded with `input: null`, whose first occurrence is the field itself: only
 * `id`/`batch_number`, a number, precedes it).
 */
export function encodeInputResponse(batchNumber: number, inputText: string, format: ProofFormat, lease: string | undefined, dialect: Dialect): string {
  const envelope = encodeMessage({ kind: 'BatchResponse', batchNumber, input: null, format, lease }, dialect)
  const at = envelope.indexOf('"input":null')
  if (at < 0) throw new Error('InputResponse envelope without an input field')
  return `${envelope.slice(0, at)}"input":${inputText}${envelope.slice(at + '"input":null'.length)}`
}
