/**
 * `tessera replay l2 …` and `replay custom --l2`: ethrex L2 batches. Needs the L2 guest (guest/l2) and the
 * L2 devnet builder (src/l2); until those are part of the build, these commands say so and stop.
 */
import { TesseraError } from '../../../guest/errors.js'

export class L2Unavailable extends TesseraError {}

export interface CustomL2Params {
  blocks: number
  txsPerBlock: number
  kind: string
  action: string
  backend: string
  json?: string
}

export async function runCustomL2(_params: CustomL2Params): Promise<number> {
  throw new L2Unavailable('replay custom --l2 needs the L2 devnet builder (src/l2), which is not part of this build', 'run replay custom without --l2 for L1 blocks')
}

export async function run(_argv: string[]): Promise<number> {
  throw new L2Unavailable('replay l2 needs the L2 guest program (guest/l2), which is not part of this build')
}
