import type { Piscina } from 'piscina'
import type { VerifyProofReply } from '../../workers/verifyProof.js'
import { workerFailure } from '../pool/errors.js'
import { createSideWorker } from '../pool/sideWorker.js'
import { ProofRejected, type ProofRejection, type ProofSystem } from './errors.js'
import { verifySubmittedProof, type ProofVerifierConfig, type SubmittedProofCheck } from './index.js'

/**
 * The coordinator's proof checks, kept off its event loop where possible: SP1 Groth16 and PLONK (pure-JS pairings,
 * the slow one) in a worker thread (workers/verifyProof.ts), started on the first proof and stopped when idle.
 * RISC Zero seals run in this thread: snarkjs cannot be loaded in a worker thread (see that file); with its
 * single-threaded wasm engine a check takes ~0.15 s.
 */
export interface ProofVerifierPool {
  verify(proverType: string, proof: Uint8Array, expectedPublicValues: Uint8Array): Promise<SubmittedProofCheck>
  /** Builds what the first check would otherwise build while a prover waits (snarkjs's engine, ~1–3 s). */
  ready(): Promise<void>
  /** The coordinator's per-type callbacks (resolve true, or throw the verifier's reason). */
  coordinatorVerifiers(): Partial<Record<'RISC0' | 'SP1', (proof: Uint8Array, publicValues: Uint8Array) => Promise<boolean>>>
  close(): Promise<void>
}

export function createProofVerifierPool(config: ProofVerifierConfig): ProofVerifierPool {
  let pool: Piscina | undefined
  const inWorker = async (proof: Uint8Array, publicValues: Uint8Array, vkey: Uint8Array): Promise<SubmittedProofCheck> => {
    if (!pool) {
      pool = createSideWorker('verifyProof')
    }
    let reply: VerifyProofReply
    try {
      reply = (await pool.run({ proof, publicValues, vkey })) as VerifyProofReply
    } catch (e) {
      throw workerFailure('verify SP1 proof', e)
    }
    if (reply.ok) return { system: reply.system, version: reply.version }
    const e = reply.error
    if (e.name !== 'ProofRejected') throw new Error(e.message)
    const detail = e.message.replace(/^[a-z0-9-]+ proof rejected \([a-z_]+, [A-Za-z]+\): /, '')
    throw new ProofRejected(e.system as ProofSystem, e.reason as ProofRejection, String(e.field), detail, e.hint)
  }
  const verify = (proverType: string, proof: Uint8Array, publicValues: Uint8Array): Promise<SubmittedProofCheck> =>
    proverType === 'SP1' && config.sp1VKey ? inWorker(proof, publicValues, config.sp1VKey) : verifySubmittedProof(proverType, proof, publicValues, config)
  return {
    verify,
    async ready() {
      if (config.risc0ImageId) await (await import('./risc0Groth16.js')).singleThreadedCurve()
    },
    coordinatorVerifiers() {
      const out: ReturnType<ProofVerifierPool['coordinatorVerifiers']> = {}
      if (config.risc0ImageId) out.RISC0 = (proof, values) => verify('RISC0', proof, values).then(() => true)
      if (config.sp1VKey) out.SP1 = (proof, values) => verify('SP1', proof, values).then(() => true)
      return out
    },
    close: async () => {
      await pool?.destroy()
    },
  }
}
