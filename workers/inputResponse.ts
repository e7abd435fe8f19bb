import { buildInputText, type InputTask } from '../src/coordinator/inputBuilder.js'
import { announceLoaded } from '../src/pool/loaded.js'

/**
 * Piscina entry of the coordinator's InputResponse builder (src/coordinator/inputBuilder.ts): a stored batch
 * (bytes) is decoded and written as the `input` JSON of an InputResponse here, off the event loop.
 */
export type InputReply = { ok: true; text: string } | { ok: false; error: string }

export default function buildInput(task: InputTask): InputReply {
  try {
    return { ok: true, text: buildInputText(task) }
  } catch (e) {
    return { ok: false, error: String((e as Error)?.message ?? e).slice(0, 300) }
  }
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
