import { verifyProof, type AccountProofJson } from '../trie/proof.js'
import { createTaskPool, type PoolOptions, type TaskPool } from './execute.js'

export interface VerifyPool {
  readonly threads: number
  /** Check all proofs against `stateRoot`, split in batches over the pool; rejects with the first ProofInvalid. */
  verify(stateRoot: string, proofs: AccountProofJson[]): Promise<{ accounts: number; slots: number }>
  destroy(): Promise<void>
}

/** Below this many proofs the check runs inline: posting to a worker costs more than it saves. */
const INLINE_LIMIT = 64

export function createVerifyPool(opts: PoolOptions & { batchSize?: number } = {}): VerifyPool {
  let pool: TaskPool | undefined // started on first large set
  const batchSize = opts.batchSize ?? 128
  return {
    get threads() {
      return pool?.threads ?? 0
    },
    async verify(stateRoot, proofs) {
      if (proofs.length <= INLINE_LIMIT) {
        for (const p of proofs) verifyProof(stateRoot, p)
        return { accounts: proofs.length, slots: proofs.reduce((n, p) => n + p.storageProof.length, 0) }
      }
      pool ??= createTaskPool('verify', opts)
      const batches: AccountProofJson[][] = []
      for (let i = 0; i < proofs.length; i += batchSize) batches.push(proofs.slice(i, i + batchSize))
      const replies = await Promise.all(
        batches.map((b, i) => pool!.runTask<{ accounts: number; slots: number }>({ kind: 'verify', stateRoot, proofs: b }, [], `verify batch ${i}`)),
      )
      return replies.reduce((a, r) => ({ accounts: a.accounts + r.accounts, slots: a.slots + r.slots }), { accounts: 0, slots: 0 })
    },
    async destroy() {
      await pool?.destroy()
    },
  }
}
