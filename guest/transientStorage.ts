import type { Address } from '@ethereumjs/util'
import { bytesToUnprefixedHex } from '@ethereumjs/util'

/**
 * EIP-1153 transient storage for the guest's EVM, in place of @ethereumjs/evm's `TransientStorage` (same
 * methods, same checkpoint/commit/revert semantics: the EVM only calls get/put/checkpoint/commit/revert/clear).
 *
 * Why: ethereumjs keys every access by `addr.toString()` and `bytesToHex(key)` (two new strings) and journals
 * each TSTORE as an object holding a fresh 32-byte zero array for unset slots. A transaction that fills
 * transient storage (EF `15_tstoreCannotBeDosd`) then spends most of its time in GC. Here the address string is
 * reused while the same frame writes, the journal is three parallel arrays, and an unset slot's previous value
 * is `undefined` (reverting deletes it, which reads back as zero).
 */
export class FlatTransientStorage {
  private slots = new Map<string, Map<string, Uint8Array>>()
  private journalSlots: Map<string, Uint8Array>[] = []
  private journalKeys: string[] = []
  private journalPrevious: (Uint8Array | undefined)[] = []
  /** Journal length at the start of each open call frame. */
  private marks: number[] = [0]
  private lastAddress: Address | undefined
  private lastAddressHex = ''

  private addressHex(address: Address): string {
    if (address !== this.lastAddress) {
      this.lastAddress = address
      this.lastAddressHex = bytesToUnprefixedHex(address.bytes)
    }
    return this.lastAddressHex
  }

  get(address: Address, key: Uint8Array): Uint8Array {
    const value = this.slots.get(this.addressHex(address))?.get(bytesToUnprefixedHex(key))
    return value ?? new Uint8Array(32)
  }

  put(address: Address, key: Uint8Array, value: Uint8Array): void {
    if (key.length !== 32) throw new Error('Transient storage key must be 32 bytes long')
    if (value.length > 32) throw new Error('Transient storage value cannot be longer than 32 bytes')
    const addressHex = this.addressHex(address)
    let slots = this.slots.get(addressHex)
    if (slots === undefined) {
      slots = new Map()
      this.slots.set(addressHex, slots)
    }
    const keyHex = bytesToUnprefixedHex(key)
    this.journalSlots.push(slots)
    this.journalKeys.push(keyHex)
    this.journalPrevious.push(slots.get(keyHex))
    slots.set(keyHex, value)
  }

  checkpoint(): void {
    this.marks.push(this.journalKeys.length)
  }

  commit(): void {
    if (this.marks.length === 0) throw new Error('Nothing to commit')
    this.marks.pop()
  }

  revert(): void {
    const mark = this.marks.pop()
    if (mark === undefined) throw new Error('Nothing to revert')
    for (let i = this.journalKeys.length - 1; i >= mark; i--) {
      const previous = this.journalPrevious[i]
      if (previous === undefined) this.journalSlots[i]!.delete(this.journalKeys[i]!)
      else this.journalSlots[i]!.set(this.journalKeys[i]!, previous)
    }
    // A mark past the end (a clear() inside open frames) leaves the journal as it is, as ethereumjs's splice does.
    if (mark < this.journalKeys.length) {
      this.journalSlots.length = mark
      this.journalKeys.length = mark
      this.journalPrevious.length = mark
    }
  }

  /** End of a transaction: everything goes (the open-frame marks are left as they are, as ethereumjs does). */
  clear(): void {
    this.slots = new Map()
    this.journalSlots = []
    this.journalKeys = []
    this.journalPrevious = []
    this.lastAddress = undefined
  }

  toJSON(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {}
    for (const [address, slots] of this.slots) {
      out[`0x${address}`] = {}
      for (const [key, value] of slots) out[`0x${address}`]![`0x${key}`] = `0x${bytesToUnprefixedHex(value)}`
    }
    return out
  }
}
