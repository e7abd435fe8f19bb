import type { Block } from '@ethereumjs/block'
import type { VM } from '@ethereumjs/vm'
import { BlockInvalid } from './errors.js'

const SYSTEM_ADDRESS = '0xfffffffffffffffffffffffffffffffffffffffe'

/** The request system contracts a block must call after its transactions: addresses as fixed by each EIP. */
const CHECKED_SYSTEM_CONTRACTS: { eip: number; address: string; what: string }[] = [
  { eip: 7002, address: '0x00000961ef480eb55e80d19ad83579a64c007002', what: 'withdrawal request (EIP-7002)' },
  { eip: 7251, address: '0x0000bbddc7ce488642fb579f8b00f3a590007251', what: 'consolidation request (EIP-7251)' },
]

type RunCall = VM['evm']['runCall']

/**
 * Runs `run` (one block through ethereumjs runBlock) with the EIP-7002 and EIP-7251 end-of-block system calls
 * checked as the specification requires. execution-specs (ethereum/execution-specs@e5ab72f5:
 * src/ethereum/forks/prague/fork.py, `process_general_purpose_requests`) makes both a *checked* system
 * transaction (`process_checked_system_transaction`): the block is invalid if the contract has no code
 * (EEST `SYSTEM_CONTRACT_EMPTY`) or if the call fails in any way, revert, exceptional halt or out of gas
 * (EEST `SYSTEM_CONTRACT_CALL_FAILED`). ethereumjs 10.1.3 (vm/dist/esm/requests.js) skips a contract whose
 * account does not exist, calls a codeless one and ignores a failed call; each of these becomes a
 * BlockInvalid here. The EIP-4788 / EIP-2935 calls stay unchecked (`process_unchecked_system_transaction`).
 */
export async function withCheckedSystemCalls<T>(vm: VM, block: Block, run: () => Promise<T>): Promise<T> {
  const checked = CHECKED_SYSTEM_CONTRACTS.filter((c) => block.common.isActivatedEIP(c.eip)).map((c) => ({ ...c, called: false }))
  if (checked.length === 0) return run()
  const number = block.header.number
  const runCall: RunCall = vm.evm.runCall
  vm.evm.runCall = async (opts) => {
    const target = checked.find((c) => opts.caller?.toString() === SYSTEM_ADDRESS && opts.to?.toString() === c.address)
    if (target === undefined) return runCall.call(vm.evm, opts)
    const code = await vm.stateManager.getCode(opts.to!)
    if (code.length === 0) throw emptyContract(number, target)
    const result = await runCall.call(vm.evm, opts)
    const error = result.execResult.exceptionError
    if (error !== undefined) {
      throw new BlockInvalid(number, 'system contract call failed', {
        reason: `the ${target.what} system call to ${target.address} failed: ${error.error}`,
      })
    }
    target.called = true
    return result
  }
  let out: T
  try {
    out = await run()
  } finally {
    vm.evm.runCall = runCall
  }
  // ethereumjs makes no call at all when the contract's account does not exist.
  const missed = checked.find((c) => !c.called)
  if (missed !== undefined) throw emptyContract(number, missed)
  return out
}

function emptyContract(number: bigint, c: { what: string; address: string }): BlockInvalid {
  return new BlockInvalid(number, 'system contract empty', { reason: `the ${c.what} system contract ${c.address} has no code` })
}
