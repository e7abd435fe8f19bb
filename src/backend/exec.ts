import { decodeProgramInput } from '../../guest/input.js'
import { decodeL2ProgramInput, isEncodedL2Input } from '../../guest/l2/input.js'
import { encodeL2PublicValues } from '../../guest/l2/output.js'
import { encodePublicValues } from '../../guest/output.js'
import type { ExecuteOptions } from '../../guest/execute.js'
import type { ProgramInput, ProgramOutput } from '../../guest/types.js'
import { hostGuestOptions } from '../crypto/guestOptions.js'
import { BackendUnavailable, type ProveResult, type ProverBackend } from './index.js'

/**
 * The exec backend: runs the guest program (stateless execution) and returns its public values, with empty
 * proof bytes. It proves nothing cryptographically; a coordinator checks Exec submissions by re-deriving
 * the public values itself.
 */

type ExecuteStateless = (input: ProgramInput, opts?: ExecuteOptions) => Promise<ProgramOutput>

let executeStateless: Promise<ExecuteStateless> | undefined

// A non-literal specifier so this compiles before guest/execute.ts lands.
const EXECUTE_MODULE = '../../guest/execute.js'

function loadExecuteStateless(): Promise<ExecuteStateless> {
  executeStateless ??= import(EXECUTE_MODULE).then(
    (m: { executeStateless?: ExecuteStateless }) => {
      if (typeof m.executeStateless !== 'function') throw new BackendUnavailable('exec', 'guest/execute.js does not export executeStateless')
      return m.executeStateless
    },
    (e: Error) => {
      executeStateless = undefined
      throw new BackendUnavailable('exec', `cannot load the guest program (${e.message})`, 'build the project (npm run build)')
    },
  )
  return executeStateless
}

/**
 * Run the guest on binary input bytes and return its public values: 160 bytes for an L1 ProgramInput, ethrex's
 * 256-byte L2 public values for an L2 batch (encodeL2ProgramInput, run by the L2 guest). Guest errors pass through.
 */
export async function executePublicValues(input: Uint8Array): Promise<Uint8Array> {
  if (isEncodedL2Input(input)) {
    const { executeL2Batch } = await import('../../guest/l2/program.js')
    return encodeL2PublicValues(await executeL2Batch(decodeL2ProgramInput(input), await hostGuestOptions()))
  }
  const execute = await loadExecuteStateless()
  return encodePublicValues(await execute(decodeProgramInput(input), await hostGuestOptions()))
}

export const execBackend: ProverBackend = {
  name: 'exec',
  proverType: 'Exec',
  async prove(input: Uint8Array): Promise<ProveResult> {
    return { proof: new Uint8Array(0), publicValues: await executePublicValues(input) }
  },
}
