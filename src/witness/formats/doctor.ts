import { createBlockHeaderFromRLP } from '@ethereumjs/block'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessIncomplete } from '../../../guest/errors.js'
import { NodeStore, RecordingNodeStore } from '../../../guest/state.js'
import { executeBlocks } from '../../../guest/execute.js'
import { AncestorChain } from '../../../guest/headers.js'
import { hostCrypto } from '../../crypto/index.js'
import { hostCommon } from '../cache.js'
import { toHex } from '../hex.js'
import { shortText } from '../../errors/shortText.js'
import { recordWitness } from '../record.js'
import { explainMissing, walkInput } from './diagnose.js'
import type { ResolvedInput } from './resolve.js'

export interface DoctorRun {
  ok: boolean
  /** Witness nodes the run never read (extra weight a producer could have left out). */
  unreadNodes: number
  unreadCodes: number
  unreadHeaders: number
  error?: string
  /** Where the missing piece sits and which producer rule likely dropped it. */
  diagnosis?: string
}

/**
 * Run the blocks over the witness with a store that records reads (the recorder's own machinery, so the reads
 * are exactly the guest's), then compare with what the witness holds.
 */
export async function doctorRun(r: ResolvedInput): Promise<DoctorRun> {
  const common = hostCommon(r.chainConfig)
  const crypto = hostCrypto()
  const w = r.program.witness
  const store = NodeStore.fromWitness(w.state, w.codes, crypto.keccak256)
  if (w.headers.length === 0) {
    if (r.program.unanchored === undefined) return { ok: false, unreadNodes: 0, unreadCodes: 0, unreadHeaders: 0, error: 'no headers: the doctor run needs the parent header' }
    // Unanchored: the guest's own execution over a read-recording store, from the trusted root.
    const recording = new RecordingNodeStore(store.contents())
    let error: unknown
    try {
      await executeBlocks(common, r.blocks, AncestorChain.unanchored(r.program.unanchored), recording)
    } catch (e) {
      error = e
    }
    const read = recording.recorded()
    const out: DoctorRun = {
      ok: error === undefined,
      unreadNodes: new Set(w.state.map((n) => toHex(keccak_256(n)))).size - read.state.length,
      unreadCodes: new Set(w.codes.map((c) => toHex(keccak_256(c)))).size - read.codes.length,
      unreadHeaders: 0,
    }
    if (error !== undefined) {
      out.error = `${(error as Error).name}: ${shortText(String((error as Error).message))}`
      if (error instanceof WitnessIncomplete) out.diagnosis = explainMissing(error, r, walkInput(r))
    }
    return out
  }
  const ancestors = w.headers
    .map((h) => createBlockHeaderFromRLP(h, { common, setHardfork: true, skipConsensusFormatValidation: true }))
    .filter((h) => h.number < r.blocks[0].header.number)
    .sort((a, b) => (a.number < b.number ? -1 : 1))
  const recorded = await recordWitness({ common, blocks: r.blocks, ancestors, preState: store.contents(), keccak256: crypto.keccak256 })
  const readNodes = new Set(recorded.witness.state.map((n) => toHex(keccak_256(n))))
  const readCodes = new Set(recorded.witness.codes.map((c) => toHex(keccak_256(c))))
  const readHeaders = new Set(recorded.witness.headers.map((h) => toHex(h)))
  const out: DoctorRun = {
    ok: recorded.error === undefined,
    unreadNodes: new Set(w.state.map((n) => toHex(keccak_256(n)))).size - readNodes.size,
    unreadCodes: new Set(w.codes.map((c) => toHex(keccak_256(c)))).size - readCodes.size,
    unreadHeaders: w.headers.filter((h) => !readHeaders.has(toHex(h)) && createBlockHeaderFromRLP(h, { common, setHardfork: true, skipConsensusFormatValidation: true }).number < r.blocks[0].header.number).length,
  }
  if (recorded.error !== undefined) {
    const e = recorded.error as Error
    out.error = `${e.name}: ${shortText(String(e.message))}`
    if (e instanceof WitnessIncomplete) out.diagnosis = explainMissing(e, r, walkInput(r))
  }
  return out
}
