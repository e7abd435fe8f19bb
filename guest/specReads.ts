import type { EVM } from '@ethereumjs/evm'
import { Address, bigIntToBytes, setLengthLeft } from '@ethereumjs/util'

/**
 * Make the EVM read code exactly where the execution specs read it, so that the witness the guest needs (and
 * the recorder records) is the one the specification defines, no more and no less. @ethereumjs/evm 10.1.3
 * differs in three places:
 *  - EXTCODEHASH loads the target's code (for an EOF check that no fork activates); the specs take the code
 *    hash from the account and never read the code. Replaced by a handler that reads the account only.
 *  - EXTCODECOPY skips the code when the size is 0; the specs read it whatever the size (after charging gas).
 *  - CALL, CALLCODE, DELEGATECALL, STATICCALL to an EIP-7702 delegated account: the specs resolve the
 *    delegation (`access_delegation`, which reads the delegated target's code) before the gas and balance
 *    checks; ethereumjs reads the target's code only when the call actually runs.
 * Source: ethereum/execution-specs src/ethereum/forks/{prague,osaka,amsterdam}/vm/instructions/{environment,
 * system}.py (extcodehash, extcodecopy, call*), vm/eoa_delegation.py (access_delegation); the EIP-8025 vectors
 * witness_bytecodes_extcode and witness_7702 / witness_validation_codes check these reads.
 *
 * Installed per EVM instance; re-applied whenever ethereumjs rebuilds its opcode table (on a hardfork change).
 */
const DELEGATION_PREFIX = [0xef, 0x01, 0x00]
const CALLS = [0xf1, 0xf2, 0xf4, 0xfa]

interface OpEntry {
  opHandler: (runState: RunState, common: unknown) => unknown
  gasHandler?: (runState: RunState, gas: bigint, common: unknown) => bigint | Promise<bigint>
}
interface RunState {
  stack: { peek(n: number): bigint[]; pop(): bigint; push(v: bigint): void }
  stateManager: { getCode(a: Address): Promise<Uint8Array>; getAccount(a: Address): Promise<{ isEmpty(): boolean; codeHash: Uint8Array } | undefined> }
  interpreter: { _evm: { common: { isActivatedEIP(n: number): boolean }; blockLevelAccessList?: { addAddress(a: string): void } } }
}

const stackAddress = (v: bigint) => new Address(setLengthLeft(bigIntToBytes(v & ((1n << 160n) - 1n)), 20))

function isDelegation(code: Uint8Array): boolean {
  return code.length === 23 && DELEGATION_PREFIX.every((b, i) => code[i] === b)
}

function install(evm: EVM): void {
  const map = (evm as unknown as { _opcodeMap: (OpEntry | undefined)[] })._opcodeMap
  const extcodehash = map[0x3f]
  if (extcodehash !== undefined) {
    extcodehash.opHandler = async (runState: RunState) => {
      const address = stackAddress(runState.stack.pop())
      const evmState = runState.interpreter._evm
      if (evmState.common.isActivatedEIP(7928)) evmState.blockLevelAccessList?.addAddress(address.toString())
      const account = await runState.stateManager.getAccount(address)
      runState.stack.push(account === undefined || account.isEmpty() ? 0n : BigInt(`0x${Buffer.from(account.codeHash).toString('hex')}`))
    }
  }
  const extcodecopy = map[0x3c]
  if (extcodecopy !== undefined) {
    const original = extcodecopy.opHandler
    extcodecopy.opHandler = async (runState: RunState, common: unknown) => {
      await runState.stateManager.getCode(stackAddress(runState.stack.peek(1)[0]))
      return original(runState, common)
    }
  }
  if (!(evm.common.isActivatedEIP(7702))) return
  for (const op of CALLS) {
    const entry = map[op]
    const gasHandler = entry?.gasHandler
    if (entry === undefined || gasHandler === undefined) continue
    entry.gasHandler = async (runState: RunState, gas: bigint, common: unknown) => {
      const code = await runState.stateManager.getCode(stackAddress(runState.stack.peek(2)[1]))
      if (isDelegation(code)) await runState.stateManager.getCode(new Address(code.subarray(3)))
      return gasHandler(runState, gas, common)
    }
  }
}

export function readCodeLikeTheSpecs(evm: EVM): void {
  const self = evm as unknown as { getActiveOpcodes(): unknown }
  const rebuild = self.getActiveOpcodes.bind(evm)
  self.getActiveOpcodes = () => {
    const out = rebuild()
    install(evm)
    return out
  }
  install(evm)
}
