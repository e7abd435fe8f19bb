/**
 * Piscina entry of the `verify` pool: checks a batch of eth_getProof answers against one state root.
 * A thin shim over src/trie/proof.ts; a failure comes back as a serialised ProofInvalid naming the
 * account, slot and node.
 */
import { serialiseError, type SerialisedError } from '../src/pool/errors.js'
import { verifyProof, type AccountProofJson } from '../src/trie/proof.js'
import { announceLoaded } from '../src/pool/loaded.js'

export interface VerifyTask {
  kind: 'verify'
  stateRoot: string
  proofs: AccountProofJson[]
}

export type VerifyReply = { ok: true; accounts: number; slots: number } | { ok: false; error: SerialisedError; ms: number }

export default async function run(task: VerifyTask): Promise<VerifyReply> {
  const start = performance.now()
  try {
    let slots = 0
    for (const p of task.proofs) {
      verifyProof(task.stateRoot, p)
      slots += p.storageProof.length
    }
    return { ok: true, accounts: task.proofs.length, slots }
  } catch (e) {
    return { ok: false, error: serialiseError(e), ms: performance.now() - start }
  }
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
