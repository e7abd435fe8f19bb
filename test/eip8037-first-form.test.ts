/**
 * EIP-8037 in its first form, as execution-specs' Amsterdam had it when the EIP-8025 zkEVM vectors
 * (tests-zkevm@v0.3.x) were filled, in the patched @ethereumjs/evm and /vm (isEip8037FirstForm, selected by
 * Tessera's Amsterdam). The zkEVM vectors cover authorizations, a reverted transaction and failed CREATEs
 * (test/stateless-vectors.test.ts); these cases cover the rules no published vector of that release exercises.
 * Expected gas is derived from the constants of that form: a state byte costs 1174 gas, a new slot is 32 state
 * bytes (37568), a new account 112 (131488); SSTORE-set regular 2900, CREATE 9000, cold slot 2100, cold
 * account 2600, value transfer 9000, restore refund 2800, refunds capped at a fifth of the gas used.
 */
import { Common, Mainnet } from '@ethereumjs/common'
import { createBlock } from '@ethereumjs/block'
import { createLegacyTx } from '@ethereumjs/tx'
import { Account, Address, createAddressFromPrivateKey, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { createVM, runTx } from '@ethereumjs/vm'
import { describe, expect, it } from 'vitest'
import { commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto } from '../guest/crypto.js'
import { chainConfigForNetwork } from '../src/conformance/networks.js'

const key = new Uint8Array(32).fill(7)
const sender = createAddressFromPrivateKey(key)
const A = createAddressFromString('0x00000000000000000000000000000000000000aa')
const B = createAddressFromString('0x00000000000000000000000000000000000000bb')
const FRESH = createAddressFromString('0x00000000000000000000000000000000000000cc')
const hex = (a: Address) => a.toString().slice(2)

/** Run one legacy transaction (gas price 10, base fee 7) on a fresh state holding `code` per address. */
async function runOne(common: Common, code: Record<string, string>, tx: { to?: Address; data?: string; gasLimit: bigint }) {
  const vm = await createVM({ common: common.copy() })
  await vm.stateManager.putAccount(sender, new Account(0n, 10n ** 20n))
  for (const [address, c] of Object.entries(code)) {
    const a = createAddressFromString(address)
    await vm.stateManager.putAccount(a, new Account(1n, 0n))
    await vm.stateManager.putCode(a, hexToBytes(`0x${c}`))
  }
  const block = createBlock({ header: { number: 1n, gasLimit: 120_000_000n, baseFeePerGas: 7n, timestamp: 1n } }, { common })
  const signed = createLegacyTx({ nonce: 0n, gasPrice: 10n, gasLimit: tx.gasLimit, to: tx.to, data: tx.data === undefined ? undefined : hexToBytes(`0x${tx.data}`) }, { common }).sign(key)
  const r = await runTx(vm, { tx: signed, block })
  return { spent: r.totalGasSpent, state: r.txStateGas, regular: r.txRegularGas }
}

const amsterdam = commonFromChainConfig(chainConfigForNetwork('Amsterdam'), guestCrypto())

describe('EIP-8037 first form (Tessera\'s Amsterdam)', () => {
  it('a call frame that halts returns its spilled state gas to the reservoir, so the sender does not pay it', async () => {
    // B: SSTORE(0, 1); INVALID. A: CALL(GAS, B, 0, 0, 0, 0, 0); STOP.
    const r = await runOne(amsterdam, { [A.toString()]: `60006000600060006000${'73' + hex(B)}5af100`, [B.toString()]: '6001600055fe' }, { to: A, gasLimit: 500_000n })
    // gas_left 479000 - 20 (pushes, GAS) - 2600 (cold B) = 476380; B gets 476380 - 476380/64 = 468937, A keeps 7443.
    // B spends all of it, 37568 of which was the SSTORE's state gas spilled from gas_left: back to the reservoir.
    expect(r.spent).toBe(500_000n - 7443n - 37568n)
    expect(r.state).toBe(0n)
    expect(r.regular).toBe(500_000n - 7443n - 37568n)
  })

  it('an SSTORE restoring a new slot to zero refunds its state gas through the capped refund counter', async () => {
    // A: SSTORE(0, 1); SSTORE(0, 0); STOP.
    const r = await runOne(amsterdam, { [A.toString()]: '600160005560006000550' + '0' }, { to: A, gasLimit: 500_000n })
    // 21000 + 6 + (2100 + 2900 regular + 37568 state) + 6 + 100 = 63680 before refunds; refund 37568 + 2800,
    // capped at 63680 / 5 = 12736. The block counts the state gas: the slot was set, then cleared.
    expect(r.spent).toBe(63680n - 12736n)
    expect(r.state).toBe(37568n)
    expect(r.regular).toBe(63680n - 37568n)
  })

  it('a value CALL to a new account keeps its state gas when the call fails for the caller\'s balance', async () => {
    // A (balance 0): CALL(GAS, FRESH, 1, 0, 0, 0, 0); STOP.
    const r = await runOne(amsterdam, { [A.toString()]: `6000600060006000600173${hex(FRESH)}5af100` }, { to: A, gasLimit: 500_000n })
    // 21000 + 20 + 2600 (cold) + 9000 (value) - 2300 (the stipend comes back with the unused call gas) regular,
    // 131488 state (spilled from gas_left, not returned).
    expect(r.state).toBe(131488n)
    expect(r.regular).toBe(21000n + 20n + 2600n + 9000n - 2300n)
    expect(r.spent).toBe(21000n + 20n + 2600n + 9000n - 2300n + 131488n)
  })

  it('a creation transaction pays the new account as intrinsic gas: a gas limit below it is invalid', async () => {
    // Initcode STOP (1 byte): 21000 + 9000 + 2 (one initcode word) + 4 (one zero byte) regular, 131488 state.
    await expect(runOne(amsterdam, {}, { data: '00', gasLimit: 30_006n + 131_487n })).rejects.toThrow(/INTRINSIC_GAS_TOO_LOW/)
    const r = await runOne(amsterdam, {}, { data: '00', gasLimit: 30_006n + 131_488n })
    expect(r.state).toBe(131488n)
    expect(r.spent).toBe(30_006n + 131_488n)
  })

  it('a deposit that fails on the code size has charged the code\'s state gas; the failed top frame keeps it', async () => {
    // Initcode RETURN(0, 24577): one byte over the limit. The deposit charges 24577 x 1174 from the reservoir,
    // then the hash cost, then fails the size check: gas_left is lost, the rest of the reservoir returned.
    const gasLimit = 16_777_216n + 30_000_000n
    const r = await runOne(amsterdam, {}, { data: '6160016000f3', gasLimit })
    // Every unit of regular gas the EIP-7825 cap allows (16777216) is spent; the state gas is the intrinsic
    // new account and the deposit's charge.
    expect(r.state).toBe(131488n + 24577n * 1174n)
    expect(r.regular).toBe(16_777_216n)
    expect(r.spent).toBe(16_777_216n + 131488n + 24577n * 1174n)
  })

  it('is opt-in: ethereumjs\'s own Amsterdam keeps its later revision', async () => {
    const own = new Common({ chain: Mainnet, hardfork: 'amsterdam' })
    const r = await runOne(own, { [A.toString()]: `6000600060006000600173${hex(FRESH)}5af100` }, { to: A, gasLimit: 500_000n })
    expect(r.state).toBe(0n)
  })
})
