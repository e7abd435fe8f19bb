import type { Common } from '@ethereumjs/common'
import { Address, bigIntToBytes, createAccount, setLengthLeft } from '@ethereumjs/util'
import { NodeStore, createStateManager } from '../../guest/state.js'
import { WitnessInvalid } from '../../guest/errors.js'
import { EMPTY_TRIE_ROOT } from '../trie/proof.js'
import { parseHex } from './hex.js'

/** geth/EF allocation: address -> account fields, all hex. */
export type Alloc = Record<string, { balance?: string; nonce?: string; code?: string; storage?: Record<string, string> }>

const EMPTY_ROOT = parseHex(EMPTY_TRIE_ROOT, 'empty root')

function quantity(value: string | undefined, field: string): bigint {
  if (value === undefined || value === '' || value === '0x') return 0n
  if (!/^0x[0-9a-fA-F]+$/.test(value) && !/^[0-9]+$/.test(value)) throw new WitnessInvalid(field, `not a quantity: ${value}`)
  return BigInt(value)
}

/**
 * Build a full state (every trie node and code, keyed like the guest's NodeStore) from an allocation.
 * This is the "stateful database" a recording run starts from.
 */
export async function buildStateFromAlloc(alloc: Alloc, common: Common): Promise<{ nodes: Map<string, Uint8Array>; stateRoot: Uint8Array }> {
  const store = new NodeStore()
  const sm = createStateManager(common, store, EMPTY_ROOT)
  for (const [addressHex, acct] of Object.entries(alloc)) {
    const field = `alloc[${addressHex}]`
    const address = new Address(setLengthLeft(parseHex(addressHex.startsWith('0x') ? addressHex : `0x${addressHex}`, field), 20))
    await sm.putAccount(address, createAccount({ nonce: quantity(acct.nonce, `${field}.nonce`), balance: quantity(acct.balance, `${field}.balance`) }))
    const code = acct.code !== undefined && acct.code !== '' ? parseHex(acct.code, `${field}.code`) : new Uint8Array()
    if (code.length > 0) await sm.putCode(address, code)
    for (const [slot, value] of Object.entries(acct.storage ?? {})) {
      const v = quantity(value, `${field}.storage[${slot}]`)
      if (v === 0n) continue
      const key = setLengthLeft(parseHex(`0x${BigInt(slot).toString(16).padStart(64, '0')}`, `${field}.storage`), 32)
      await sm.putStorage(address, key, bigIntToBytes(v))
    }
  }
  const stateRoot = await sm.getStateRoot()
  return { nodes: store.contents(), stateRoot }
}
