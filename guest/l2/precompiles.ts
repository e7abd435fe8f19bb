import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { getActivePrecompiles, type CustomPrecompile, type PrecompileFunc } from '@ethereumjs/evm'
import { createAddressFromString } from '@ethereumjs/util'
import type { VM } from '@ethereumjs/vm'

/** P256VERIFY, which ethrex's L2 has at 0x100 on every fork (levm precompiles.rs is_precompile @ 6fbd93b5). */
const P256VERIFY = '0000000000000000000000000000000000000100'
/** EIP-7951, the L1 activation of the same precompile (Osaka). */
const EIP_P256VERIFY = 7951

let p256verify: PrecompileFunc | undefined

/**
 * ethrex's P256VERIFY is EIP-7951's (6900 gas, 160-byte input, 32-byte 1 on success, empty otherwise), the
 * same function ethereumjs ships for Osaka: take it from an Osaka precompile table.
 */
function p256verifyFunction(): PrecompileFunc {
  p256verify ??= getActivePrecompiles(new Common({ chain: Mainnet, hardfork: Hardfork.Osaka })).get(P256VERIFY)
  if (p256verify === undefined) throw new Error('ethereumjs has no P256VERIFY precompile')
  return p256verify
}

type EvmInternals = { _customPrecompiles?: CustomPrecompile[]; _precompiles: Map<string, PrecompileFunc> }

/**
 * Add ethrex's L2 precompiles to a VM. Before Osaka, LEVM does not count 0x100 among the precompiles a
 * transaction starts with warm (Substate::initialize warms 0x01..0x11 on Prague), so neither does Tessera:
 * only an access-list entry warms it.
 */
export function installL2Precompiles(vm: VM): void {
  const evm = vm.evm as unknown as EvmInternals
  evm._customPrecompiles = [...(evm._customPrecompiles ?? []), { address: createAddressFromString(`0x${P256VERIFY}`), function: p256verifyFunction() }]
  // The EVM rebuilds its table from _customPrecompiles on every hardfork change; build it now too.
  evm._precompiles = getActivePrecompiles(vm.evm.common, evm._customPrecompiles)
  const journal = vm.evm.journal
  const warm = journal.addAlwaysWarmAddress.bind(journal)
  journal.addAlwaysWarmAddress = (address: string, addToAccessList = false) => {
    const bare = address.replace(/^0x/, '').toLowerCase()
    if (bare === P256VERIFY && !addToAccessList && !vm.evm.common.isActivatedEIP(EIP_P256VERIFY)) return
    warm(address, addToAccessList)
  }
}
