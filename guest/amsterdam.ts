/**
 * Amsterdam as the EIP-8025 zkEVM test vectors define it (execution-specs `tests-zkevm@v0.3.x`).
 *
 * @ethereumjs/common 10.1.3 lists 14 EIPs for `amsterdam`, following a later devnet (glamsterdam v7/v8: EIP-2780
 * intrinsic gas 12000, EIP-8038 repricing, cost per state byte 1530, …). The vectors were filled with an earlier
 * Amsterdam: block access lists (EIP-7928), the slot number header field (EIP-7843), block gas without refunds
 * (EIP-7778) and state-creation gas (EIP-8037) in its first form, where a state byte costs a flat 1174 gas, a
 * new storage slot is 32 state bytes, a new account 112, a 7702 authorization 23, and the regular parts are
 * SSTORE-set 2900, CREATE 9000, per authorization 7500 (execution-specs forks/amsterdam/vm/gas.py of that
 * period: STATE_BYTES_PER_STORAGE_SET, STATE_BYTES_PER_NEW_ACCOUNT, STATE_BYTES_PER_AUTH_BASE,
 * PER_AUTH_BASE_COST, REGULAR_GAS_CREATE; state_gas_per_byte() returned 1174, as go-ethereum's
 * glamsterdam-devnet-0 did). Tessera overrides ethereumjs's fork definition with this list and these parameters
 * (Common's `customHardforks`), so exactly these activate at `amsterdamTime`.
 *
 * ethereumjs implements EIP-8037 as its later revision. `eip8037FirstForm: 1` makes the patched @ethereumjs/evm
 * and /vm (patches/, `isEip8037FirstForm`) apply the first form's rules instead, for this fork only: state gas of
 * creation transactions and authorizations is intrinsic (an existing authority returns the new-account part),
 * CREATE and a CALL creating an account keep their state gas, a failed frame hands its state gas to the
 * reservoir, a failed transaction keeps it, a failed deposit keeps the code's, and SSTORE 0 -> x -> 0 refunds
 * through the refund counter (execution-specs vm/__init__.py incorporate_child_on_error, vm/instructions/
 * system.py create/call, vm/eoa_delegation.py set_delegation, fork.py of that period; docs/stateless-vectors.md).
 */
export const AMSTERDAM_EIPS: number[] = [7928, 7843, 7778, 8037, 7708]

export const AMSTERDAM_PARAMS: Record<string, number> = {
  costPerStateByte: 1174,
  stateBytesPerStorageSet: 32,
  stateBytesPerNewAccount: 112,
  stateBytesPerAuthBase: 23,
  createGas: 9000,
  create2Gas: 9000,
  txCreationGas: 9000,
  perAuthBaseGas: 7500,
  accountWriteGas: 0,
  sstoreInitEIP2200Gas: 2900,
  sstoreInitRefundEIP2200Gas: 2800,
  // Selects EIP-8037's first form in the patched @ethereumjs/evm and /vm (isEip8037FirstForm); see above.
  eip8037FirstForm: 1,
}
