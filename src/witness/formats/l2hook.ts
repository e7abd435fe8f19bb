import type { Json } from './json.js'

/**
 * Hook for ethrex L2 batch caches (`cache_batch_<n>.json`, network "LocalDevnetL2" / {"L2Chain": id}, or a
 * flattened `blob_commitment`). The detector recognises them and hands them here; the L2 guest registers a
 * runner with `registerL2BatchRunner`. With none registered, `replay file` fails with L2InputNotSupported.
 */
export interface L2BatchRunResult {
  ok: boolean
  blocks: { first: bigint; last: bigint }
  transactions: number
  gasUsed: bigint
  publicValues?: string
}

export type L2BatchRunner = (doc: Json, file: string) => Promise<L2BatchRunResult>

let runner: L2BatchRunner | undefined

export function registerL2BatchRunner(r: L2BatchRunner): void {
  runner = r
}

export function l2BatchRunner(): L2BatchRunner | undefined {
  return runner
}
