/**
 * Piscina entry: one SP1 Groth16 or PLONK proof checked by src/verify/sp1.ts (pure-JS pairings, ~0.2–1 s),
 * off the coordinator's event loop. A thin shim: failures come back as data with their fields.
 * RISC Zero seals are not checked here: snarkjs loads the `web-worker` package, which cannot be imported
 * inside a worker thread (it takes the thread for one of its own workers and throws), so those run on the
 * main thread (src/verify/pool.ts).
 */
import { serialiseError, type SerialisedError } from '../src/pool/errors.js'
import { verifySp1Proof, type Sp1ProofInput, type Sp1System } from '../src/verify/sp1.js'
import { announceLoaded } from '../src/pool/loaded.js'

export type VerifyProofTask = Sp1ProofInput

export type VerifyProofReply = { ok: true; system: Sp1System; version: string } | { ok: false; error: SerialisedError }

export default async function run(task: VerifyProofTask): Promise<VerifyProofReply> {
  try {
    const r = await verifySp1Proof(task)
    return { ok: true, system: r.system, version: r.version }
  } catch (e) {
    return { ok: false, error: serialiseError(e) }
  }
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
