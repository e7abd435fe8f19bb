import { EVMError, type ExecResult, type PrecompileInput } from '@ethereumjs/evm'

/**
 * The BLAKE2F precompile (0x09, EIP-152) over a host-provided compression kernel. @ethereumjs/evm computes F
 * in JS on 32-bit limbs, ~100x slower than C: one legal call of 2^32 - 1 rounds (4.3 Ggas, EF
 * GeneralStateTests `CALLBlake2f_MaxRounds`) takes it tens of minutes. Checks, gas and output are
 * @ethereumjs/evm 10.1.3's precompile09; only the kernel differs. Without a kernel the EVM's own stays.
 */

/** F of a valid 213-byte input (rounds u32 BE || h || m || t || f in {0,1}) -> 64-byte new h. */
export type Blake2fKernel = (input: Uint8Array) => Uint8Array

export const BLAKE2F_ADDRESS = '0000000000000000000000000000000000000009'

function failed(gasLimit: bigint, error: string): ExecResult {
  return { returnValue: new Uint8Array(0), executionGasUsed: gasLimit, exceptionError: new EVMError(error as never) }
}

export function blake2fPrecompile(kernel: Blake2fKernel): (opts: PrecompileInput) => ExecResult {
  return (opts) => {
    const data = opts.data
    if (data.length !== 213 || (data[212] !== 0 && data[212] !== 1)) return failed(opts.gasLimit, EVMError.errorMessages.OUT_OF_RANGE)
    const rounds = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0
    const gasUsed = opts.common.param('blake2RoundGas') * BigInt(rounds)
    if (opts.gasLimit < gasUsed) return failed(opts.gasLimit, EVMError.errorMessages.OUT_OF_GAS)
    return { executionGasUsed: gasUsed, returnValue: kernel(data) }
  }
}

/**
 * Put the kernel's precompile in place of the EVM's 0x09, wherever the active fork has 0x09: now, and after
 * every fork change (the EVM rebuilds its precompile map then; this listener is registered after its own).
 */
export function installBlake2f(evm: { precompiles: Map<string, unknown>; common: { events: { on(e: 'hardforkChanged', f: () => void): void } } }, kernel: Blake2fKernel): void {
  const fn = blake2fPrecompile(kernel)
  const swap = () => {
    if (evm.precompiles.has(BLAKE2F_ADDRESS)) evm.precompiles.set(BLAKE2F_ADDRESS, fn)
  }
  swap()
  evm.common.events.on('hardforkChanged', swap)
}
