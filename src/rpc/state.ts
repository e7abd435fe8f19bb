import { SimpleStateManager } from '@ethereumjs/statemanager'
import { Account, type Address } from '@ethereumjs/util'
import type { Common } from '@ethereumjs/common'
import { walkProof, type AccountProofJson, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT } from '../trie/proof.js'
import { parseHex, toHex } from '../witness/hex.js'
import type { Rpc } from './client.js'

/**
 * State for pre-executing a block over RPC: an in-memory journaled state (SimpleStateManager) that fetches
 * every account and slot it does not hold yet with eth_getProof at the parent block, and keeps the proofs.
 * After the run, `proofs` holds exactly what the block touched — the raw material of its witness.
 */
export class RecordingRpcState extends SimpleStateManager {
  /** Pre-state proof per address (lower-case hex), storage proofs merged in as slots are read. */
  readonly proofs = new Map<string, AccountProofJson>()
  readonly codes = new Map<string, Uint8Array>()
  /** Pre-state value of every slot read, `${address}_${slot32hex}` -> value hex. */
  readonly preStorage = new Map<string, bigint>()
  /** Accounts that existed before the block (per proof). */
  readonly preExisting = new Set<string>()
  /** Storage considered empty regardless of the pre-state (cleared or created during the run). */
  private readonly cleared = new Set<string>()

  constructor(
    private readonly rpc: Rpc,
    /** Block tag the pre-state is read at: the parent of the first block. */
    private readonly tag: string,
    private readonly stateRoot: Uint8Array,
    common: Common,
  ) {
    super({ common })
  }

  private async fetchProof(address: string, slots: string[]): Promise<AccountProofJson> {
    const p = await this.rpc.request<AccountProofJson>('eth_getProof', [address, slots, this.tag])
    const known = this.proofs.get(address)
    if (known === undefined) {
      this.proofs.set(address, { ...p, address, storageProof: [...p.storageProof] })
      const nodes = p.accountProof.map((n, i) => parseHex(n, `accountProof[${i}]`))
      if (walkProof(this.stateRoot, parseHex(address, 'address'), nodes) !== undefined) this.preExisting.add(address)
    } else {
      known.storageProof.push(...p.storageProof)
    }
    return p
  }

  private accountFrom(address: string, p: AccountProofJson): Account | undefined {
    if (!this.preExisting.has(address)) return undefined
    const storageRoot = /^0x0*$/.test(p.storageHash) ? EMPTY_TRIE_ROOT : p.storageHash
    const codeHash = /^0x0*$/.test(p.codeHash) ? EMPTY_CODE_HASH : p.codeHash
    return new Account(BigInt(p.nonce), BigInt(p.balance), parseHex(storageRoot, 'storageHash'), parseHex(codeHash, 'codeHash'))
  }

  /** Fetch several accounts at once (one JSON-RPC batch) before execution asks for them one by one. */
  async prefetch(addresses: string[]): Promise<void> {
    const todo = [...new Set(addresses.map((a) => a.toLowerCase()))].filter((a) => !this.proofs.has(a))
    await Promise.all(todo.map((a) => this.loadAccount(a)))
  }

  private async loadAccount(key: string): Promise<void> {
    if (this.proofs.has(key)) return
    const p = await this.fetchProof(key, [])
    const account = this.accountFrom(key, p)
    for (const level of this.accountStack) if (!level.has(key as `0x${string}`)) level.set(key as `0x${string}`, account)
  }

  override async getAccount(address: Address): Promise<Account | undefined> {
    const key = address.toString().toLowerCase()
    if (!this.proofs.has(key) && !this.topAccountStack().has(key as `0x${string}`)) await this.loadAccount(key)
    return super.getAccount(address)
  }

  override async getCode(address: Address): Promise<Uint8Array> {
    const key = address.toString().toLowerCase() as `0x${string}`
    if (!this.topCodeStack().has(key)) {
      await this.getAccount(address)
      const p = this.proofs.get(key)
      if (p !== undefined && this.preExisting.has(key) && !/^0x0*$/.test(p.codeHash) && p.codeHash.toLowerCase() !== EMPTY_CODE_HASH && !this.codes.has(key)) {
        const code = parseHex(await this.rpc.request<string>('eth_getCode', [key, this.tag]), `code of ${key}`)
        this.codes.set(key, code)
        for (const level of this.codeStack) if (!level.has(key)) level.set(key, code)
      }
    }
    return super.getCode(address)
  }

  override async getStorage(address: Address, slot: Uint8Array): Promise<Uint8Array> {
    const addr = address.toString().toLowerCase()
    const k = `${addr}_${toHex(slot)}`
    if (!this.topStorageStack().has(k) && !this.preStorage.has(k)) {
      let value = 0n
      if (!this.cleared.has(addr)) {
        await this.getAccount(address)
        const p = await this.fetchProof(addr, [toHex(slot)])
        value = BigInt(p.storageProof[0]?.value ?? '0x0')
      }
      this.preStorage.set(k, value)
      const bytes = value === 0n ? new Uint8Array(0) : parseHex(`0x${value.toString(16).padStart(2 * Math.ceil(value.toString(16).length / 2), '0')}`, 'value')
      for (const level of this.storageStack) if (!level.has(k)) level.set(k, bytes)
    }
    return super.getStorage(address, slot)
  }

  override async clearStorage(address: Address): Promise<void> {
    this.cleared.add(address.toString().toLowerCase())
    await super.clearStorage(address)
  }

  /** Current (post-run) value of a slot and account, for finding deletions. */
  async currentStorage(addr: string, slotHex: string): Promise<bigint> {
    const v = this.topStorageStack().get(`${addr}_${slotHex}`)
    return v === undefined || v.length === 0 ? 0n : BigInt(toHex(v))
  }

  currentAccount(addr: string): Account | undefined {
    return this.topAccountStack().get(addr as `0x${string}`)
  }

  /** runBlock asks for a root after executing; pre-execution does not compute one (the guest does). */
  override getStateRoot(): Promise<Uint8Array> {
    return Promise.resolve(this.stateRoot)
  }

  override shallowCopy(): SimpleStateManager {
    return this
  }
}
