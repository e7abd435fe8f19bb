/**
 * Piscina entry: one SP1 Groth16 proof checked by src/verify/sp1Groth16.ts (pure-JS pairings, ~0.2–0.5 s),
 * off the coordinator's event loop. A thin shim: failures come back as data with their fields.
 * RISC Zero seals are not checked here: snarkjs loads the `web-worker` package, which cannot be imported
 * inside a worker thread (it takes the thread for one of its own workers and throws), so those run on the
 * main thread (src/verify/pool.ts).
 */
import { serialiseError, type SerialisedError } from '../src/pool/errors.js'
import { verifySp1Groth16, type Sp1Groth16Input } from '../src/verify/sp1Groth16.js'

export type VerifyProofTask = Sp1Groth16Input

export type VerifyProofReply = { ok: true; version: string } | { ok: false; error: SerialisedError }

export default async function run(task: VerifyProofTask): Promise<VerifyProofReply> {
  try {
    return { ok: true, version: (await verifySp1Groth16(task)).version }
  } catch (e) {
    return { ok: false, error: serialiseError(e) }
  }
}
