import type { AccountFields, Common, StateManagerInterface, StorageDump, StorageRange } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { OriginalStorageCache } from '@ethereumjs/statemanager'
import {
  Account,
  Address,
  EthereumJSErrorWithoutCode,
  KECCAK256_NULL,
  KECCAK256_RLP,
  ValueEncoding,
  bytesToUnprefixedHex,
  createAccountFromRLP,
  equalsBytes,
  unpadBytes,
  unprefixedHexToBytes,
} from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessIncomplete } from './errors.js'
import { CODE_PREFIX_HEX, type NodeStore } from './state.js'
import { WitnessTrieReader } from './trieReader.js'
import { ViewTrieReader } from './trieView.js'
import { writeTrie } from './trieWriter.js'

const SYSTEM_ADDRESS_HEX = 'fffffffffffffffffffffffffffffffffffffffe'
const EMPTY: Uint8Array = new Uint8Array(0)

/**
 * The hot methods below are synchronous underneath (the witness is in memory) and return their value as is,
 * typed as the interface's promise: @ethereumjs/evm and /vm only `await` them (never `.then`), and awaiting a
 * plain value allocates nothing, where an `async` method allocates a promise per account or slot access. A
 * throw (WitnessIncomplete) still rejects the awaiting caller the same way.
 */
const settled = <T>(value: T): Promise<T> => value as unknown as Promise<T>

/** Account fields as last written; immutable once stored (the EVM gets a fresh Account each read). */
interface AccountValue {
  nonce: bigint
  balance: bigint
  codeHash: Uint8Array
}

interface SlotEntry {
  current: Uint8Array
  /** Value in the trie as of the last state-root computation; undefined = not read, must be written. */
  base: Uint8Array | undefined
  /** Id of the checkpoint whose undo log last saved `current` (see FlatStateManager.saveBeforeWrite). */
  savedAt: number
}

/** Everything known about one address in this batch. */
interface AccountEntry {
  address: Uint8Array
  /** `address` as unprefixed hex (the key of `accounts` and `dirty`). */
  hex: string
  /** undefined = the account does not exist. */
  current: AccountValue | undefined
  /** RLP in the trie as of the last state-root computation; null = absent; undefined = not read. */
  base: Uint8Array | null | undefined
  /** Storage root in the trie as of the last state-root computation. */
  storageRoot: Uint8Array
  /** Storage cleared since then: slots not in `storage` read as zero. */
  wiped: boolean
  storage: Map<string, SlotEntry>
  /** Id of the checkpoint whose undo log last saved `current` (see FlatStateManager.saveBeforeWrite). */
  savedAt: number
}

/**
 * A state layer built for stateless execution, behind @ethereumjs's StateManagerInterface (its public
 * extension point: `createVM({ stateManager })`).
 *
 *  - Reads: an account or slot is read from the witness trie once (a synchronous path walk, nodes decoded
 *    once) and then lives in flat maps: no trie walk, RLP decode or Account re-decode per access.
 *  - Writes: go to the flat maps only, journaled for checkpoint/revert by an undo log. ethereumjs 10.1's
 *    MerkleStateManager writes every SSTORE through to the storage trie (re-hashing its path) even with
 *    caches on; here no trie is touched during execution.
 *  - State root (end of block, or per transaction before Byzantium): the accounts and slots changed since
 *    the last root are written to the tries in one batch per trie (guest/trieWriter.ts: each changed node hashed once) over the same node store, inserts before
 *    deletions (fewest sibling nodes needed), values equal to the trie's left alone.
 *
 * Reads and the root computation go through the NodeStore, so the witness recorder (RecordingNodeStore)
 * records exactly what this layer reads, and a missing node is WitnessIncomplete, never "absent".
 *
 * The EIP-7002/7251 system-address rule of WitnessStateManager (guest/state.ts) is kept: outside
 * transactions a system-address account the witness cannot show is treated as absent and the system
 * call's own writes to it are dropped.
 */
export class FlatStateManager implements StateManagerInterface {
  readonly common: Common
  readonly originalStorageCache: OriginalStorageCache
  /** Set by the executor around transactions (see guest/execute.ts). */
  inTransaction = false
  /** Set by the executor around EVM calls made from the system address outside transactions. */
  inSystemCall = false

  private readonly reader: WitnessTrieReader | ViewTrieReader
  private readonly keccak: (b: Uint8Array) => Uint8Array
  private readonly accounts = new Map<string, AccountEntry>()
  private readonly codes = new Map<string, Uint8Array>()
  /** Codes written since the last state root, by hash; they go into the node store with it (see putCode). */
  private readonly created = new Map<string, Uint8Array>()
  /** Addresses written since the last state root. */
  private readonly dirty = new Set<string>()
  /** Undo log of the open checkpoints, and where each checkpoint starts in it. */
  private readonly undo: (() => void)[] = []
  private readonly marks: number[] = []
  /** Ids of the open checkpoints, innermost last; ids only grow. */
  private readonly markIds: number[] = []
  private nextMarkId = 1
  /** Root of the state trie as of the last state-root computation. */
  private root: Uint8Array
  private systemAccountShadowed = false

  /**
   * @param batchedTrieWrites state roots by guest/trieWriter.ts (default); false: key by key through
   *   @ethereumjs/mpt put/del, as before it (kept to measure the two side by side; same roots).
   * @param trieNodeViews trie nodes read in place from the witness bytes (guest/trieView.ts, default); false:
   *   decoded by @ethereumjs/rlp into copied items (guest/trieReader.ts). Same values, same errors.
   */
  constructor(common: Common, private readonly store: NodeStore, stateRoot: Uint8Array, private readonly batchedTrieWrites = true, trieNodeViews = true) {
    this.common = common
    this.keccak = common.customCrypto.keccak256 ?? keccak_256
    this.reader = trieNodeViews ? new ViewTrieReader(store) : new WitnessTrieReader(store)
    this.root = stateRoot
    this.originalStorageCache = new OriginalStorageCache(this.getStorage.bind(this))
  }

  // ─── accounts ────────────────────────────────────────────────────────────────────────────────────────

  private entry(address: Address): AccountEntry | undefined {
    const hex = bytesToUnprefixedHex(address.bytes)
    let e = this.accounts.get(hex)
    if (e !== undefined) return e
    let rlp: Uint8Array | undefined
    try {
      rlp = this.reader.get(this.root, this.keccak(address.bytes))
    } catch (err) {
      if (err instanceof WitnessIncomplete && !this.inTransaction && hex === SYSTEM_ADDRESS_HEX) {
        this.systemAccountShadowed = true
        return undefined
      }
      throw withContext(err, `account ${address.toString()}`)
    }
    let current: AccountValue | undefined
    let storageRoot = KECCAK256_RLP
    if (rlp !== undefined) {
      const a = createAccountFromRLP(rlp)
      current = { nonce: a.nonce, balance: a.balance, codeHash: a.codeHash }
      storageRoot = a.storageRoot
    }
    e = { address: address.bytes, hex, current, base: rlp ?? null, storageRoot, wiped: false, storage: new Map(), savedAt: 0 }
    this.accounts.set(hex, e)
    return e
  }

  /** The entry to write to, created (as absent, unread) when the witness cannot show a new account. */
  private writable(address: Address): AccountEntry {
    const e = this.entry(address)
    if (e !== undefined) return e
    // Only the shadowed system address gets here (see entry()).
    const created: AccountEntry = { address: address.bytes, hex: SYSTEM_ADDRESS_HEX, current: undefined, base: undefined, storageRoot: KECCAK256_RLP, wiped: false, storage: new Map(), savedAt: 0 }
    this.accounts.set(SYSTEM_ADDRESS_HEX, created)
    return created
  }

  private shadowsSystemAccount(address: Address): boolean {
    return !this.inTransaction && this.systemAccountShadowed && bytesToUnprefixedHex(address.bytes) === SYSTEM_ADDRESS_HEX && !this.accounts.has(SYSTEM_ADDRESS_HEX)
  }

  getAccount(address: Address): Promise<Account | undefined> {
    return settled(this.readAccount(address))
  }

  private readAccount(address: Address): Account | undefined {
    const e = this.entry(address)
    const a = e?.current
    if (a === undefined) return undefined
    // The storage root the EVM sees (EIP-7610 collision checks): the trie's, or empty after a wipe.
    return new Account(a.nonce, a.balance, e!.wiped ? KECCAK256_RLP : e!.storageRoot, a.codeHash)
  }

  putAccount(address: Address, account?: Account): Promise<void> {
    return settled(this.writeAccount(address, account))
  }

  private writeAccount(address: Address, account?: Account): void {
    if (this.shadowsSystemAccount(address) && (this.inSystemCall || account === undefined || account.isEmpty())) return
    const e = this.writable(address)
    const value = account === undefined ? undefined : { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash }
    this.setAccount(e, value)
  }

  private setAccount(e: AccountEntry, value: AccountValue | undefined): void {
    const prev = e.current
    // Every call frame writes its callee back (a zero-value transfer): an equal value changes nothing.
    if (prev !== undefined && value !== undefined && prev.nonce === value.nonce && prev.balance === value.balance && equalsBytes(prev.codeHash, value.codeHash)) return
    this.saveBeforeWrite(e)
    e.current = value
    this.dirty.add(e.hex)
  }

  /**
   * Log the value an account or slot entry is about to lose, for the innermost open checkpoint. Only its first
   * write within that checkpoint needs to: reverting restores the value the checkpoint started with.
   * `savedAt` is the id of the checkpoint that logged it; ids grow, so an id at least the innermost one's
   * belongs to that checkpoint or to a child committed into it (a reverted child restores `savedAt` with the
   * value).
   */
  private saveBeforeWrite<T>(entry: { current: T; savedAt: number }): void {
    const innermost = this.markIds[this.markIds.length - 1]
    if (innermost === undefined || entry.savedAt >= innermost) return
    const { current, savedAt } = entry
    this.undo.push(() => {
      entry.current = current
      entry.savedAt = savedAt
    })
    entry.savedAt = innermost
  }

  async deleteAccount(address: Address): Promise<void> {
    if (this.shadowsSystemAccount(address)) return
    const e = this.writable(address)
    this.setAccount(e, undefined)
    this.wipeStorage(e)
  }

  modifyAccountFields(address: Address, fields: AccountFields): Promise<void> {
    const account = this.readAccount(address) ?? new Account()
    account.nonce = fields.nonce ?? account.nonce
    account.balance = fields.balance ?? account.balance
    account.codeHash = fields.codeHash ?? account.codeHash
    // storageRoot is the layer's own business (computed from the slots at state-root time).
    return settled(this.writeAccount(address, account))
  }

  // ─── code ────────────────────────────────────────────────────────────────────────────────────────────

  async putCode(address: Address, value: Uint8Array): Promise<void> {
    const codeHash = this.keccak(value)
    const hashHex = bytesToUnprefixedHex(codeHash)
    // A created code is readable by hash like a witness code, until the frame that created it is reverted: a
    // later read of a pre-state contract with the same code then reads it from the witness, as the
    // specification's state tracker does (it keeps only the codes of committed creations).
    if (!this.codes.has(hashHex)) {
      this.codes.set(hashHex, value)
      if (this.marks.length > 0) {
        const codes = this.codes
        this.undo.push(() => codes.delete(hashHex))
      }
    }
    // Into the node store as well, with the state root, as MerkleStateManager does: callers that keep the
    // post-state (the recorder's `written`, devnet building) need the new code next to the new trie nodes.
    this.created.set(hashHex, value)
    await this.modifyAccountFields(address, { codeHash })
  }

  /** Code by hash; one Uint8Array per code hash for the whole run (the jump-analysis cache keys on it). */
  getCode(address: Address): Promise<Uint8Array> {
    return settled(this.readCode(address))
  }

  private readCode(address: Address): Uint8Array {
    const a = this.entry(address)?.current
    if (a === undefined || equalsBytes(a.codeHash, KECCAK256_NULL)) return EMPTY
    const hashHex = bytesToUnprefixedHex(a.codeHash)
    let code = this.codes.get(hashHex)
    if (code === undefined) {
      try {
        code = this.store.getSync(CODE_PREFIX_HEX + hashHex) ?? EMPTY
      } catch (err) {
        throw withContext(err, `code of ${address.toString()}`)
      }
      this.codes.set(hashHex, code)
    }
    return code
  }

  getCodeSize(address: Address): Promise<number> {
    return settled(this.readCode(address).length)
  }

  // ─── storage ─────────────────────────────────────────────────────────────────────────────────────────

  private slot(e: AccountEntry, key: Uint8Array, keyHex: string, address: Address): SlotEntry {
    let s = e.storage.get(keyHex)
    if (s !== undefined) return s
    let value = EMPTY
    if (!e.wiped) {
      let rlp: Uint8Array | undefined
      try {
        rlp = this.reader.get(e.storageRoot, this.keccak(key))
      } catch (err) {
        throw withContext(err, `storage of ${address.toString()} slot 0x${keyHex}`)
      }
      if (rlp !== undefined) value = RLP.decode(rlp) as Uint8Array
    }
    s = { current: value, base: e.wiped ? undefined : value, savedAt: 0 }
    e.storage.set(keyHex, s)
    return s
  }

  getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    if (key.length !== 32) throw EthereumJSErrorWithoutCode('Storage key must be 32 bytes long')
    const e = this.entry(address)
    if (e?.current === undefined) return settled(EMPTY)
    return settled(this.slot(e, key, bytesToUnprefixedHex(key), address).current)
  }

  putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    return settled(this.writeStorage(address, key, value))
  }

  private writeStorage(address: Address, key: Uint8Array, value: Uint8Array): void {
    if (key.length !== 32) throw EthereumJSErrorWithoutCode('Storage key must be 32 bytes long')
    if (value.length > 32) throw EthereumJSErrorWithoutCode('Storage value cannot be longer than 32 bytes')
    const e = this.entry(address)
    if (e?.current === undefined) throw EthereumJSErrorWithoutCode('putStorage() called on non-existing account')
    const keyHex = bytesToUnprefixedHex(key)
    let s = e.storage.get(keyHex)
    const next = unpadBytes(value)
    if (s === undefined) {
      // A write before any read (system contracts): the trie value is not needed, the write decides.
      s = { current: EMPTY, base: undefined, savedAt: 0 }
      e.storage.set(keyHex, s)
      if (this.marks.length > 0) {
        const storage = e.storage
        this.undo.push(() => storage.delete(keyHex))
        s.savedAt = this.markIds[this.markIds.length - 1]!
      }
    } else {
      if (equalsBytes(next, s.current)) return
      this.saveBeforeWrite(s)
    }
    s.current = next
    this.dirty.add(e.hex)
  }

  async clearStorage(address: Address): Promise<void> {
    const e = this.entry(address)
    if (e === undefined) return
    this.wipeStorage(e)
    this.dirty.add(e.hex)
  }

  private wipeStorage(e: AccountEntry): void {
    const { storage, wiped } = e
    if (this.marks.length > 0) {
      this.undo.push(() => {
        e.storage = storage
        e.wiped = wiped
      })
    }
    e.storage = new Map()
    e.wiped = true
  }

  // ─── checkpoints ─────────────────────────────────────────────────────────────────────────────────────

  checkpoint(): Promise<void> {
    this.marks.push(this.undo.length)
    this.markIds.push(this.nextMarkId++)
    return settled(undefined)
  }

  commit(): Promise<void> {
    this.marks.pop()
    this.markIds.pop()
    if (this.marks.length === 0) this.closeOutermost()
    return settled(undefined)
  }

  revert(): Promise<void> {
    const mark = this.marks.pop() ?? 0
    this.markIds.pop()
    while (this.undo.length > mark) this.undo.pop()!()
    if (this.marks.length === 0) this.closeOutermost()
    return settled(undefined)
  }

  /**
   * The outermost checkpoint (a block) closed. Original storage values (EIP-2200 gas) are also forgotten here,
   * as MerkleStateManager does: runTx clears them after each transaction, but nothing does after the EIP-7002 /
   * EIP-7251 system calls at the end of a block, so the next block's first transaction would otherwise see the
   * system call's pre-values as "original" (wrong SSTORE gas and refunds once a request queue was emptied).
   */
  private closeOutermost(): void {
    this.undo.length = 0
    this.originalStorageCache.clear()
  }

  // ─── state root ──────────────────────────────────────────────────────────────────────────────────────

  /** Write what changed since the last root into the tries (in address order of first change) and hash. */
  async getStateRoot(): Promise<Uint8Array> {
    for (const [hashHex, code] of this.created) {
      if (this.codes.has(hashHex)) this.store.contents().set(CODE_PREFIX_HEX + hashHex, code)
    }
    this.created.clear()
    try {
      await this.flush()
    } catch (e) {
      throw withContext(e, 'while computing the state root (a deletion may need a sibling node)')
    }
    return this.root
  }

  /** One trie's changes (keys already hashed), inserts before deletions; returns the new root. */
  private async write(root: Uint8Array, puts: [Uint8Array, Uint8Array][], dels: Uint8Array[]): Promise<Uint8Array> {
    if (this.batchedTrieWrites) return writeTrie(this.reader, this.store, root, puts, dels, this.keccak)
    const trie = new MerklePatriciaTrie({ db: this.store, valueEncoding: ValueEncoding.Bytes, useKeyHashing: false, common: this.common })
    trie.root(root)
    for (const [key, value] of puts) await trie.put(key, value)
    for (const key of dels) await trie.del(key)
    return trie.root()
  }

  private async flush(): Promise<void> {
    if (this.dirty.size === 0) return
    const puts: [Uint8Array, Uint8Array][] = []
    const dels: Uint8Array[] = []
    for (const hex of this.dirty) {
      const e = this.accounts.get(hex)!
      if (e.current === undefined) {
        e.storage = new Map()
        e.wiped = false
        e.storageRoot = KECCAK256_RLP
        if (e.base !== null) dels.push(e.address)
        e.base = null
        continue
      }
      await this.flushStorage(e)
      const rlp = new Account(e.current.nonce, e.current.balance, e.storageRoot, e.current.codeHash).serialize()
      if (e.base === undefined || e.base === null || !equalsBytes(e.base, rlp)) puts.push([e.address, rlp])
      e.base = rlp
    }
    this.dirty.clear()
    const hashed = (address: Uint8Array) => this.keccak(address)
    this.root = await this.write(this.root, puts.map(([a, rlp]) => [hashed(a), rlp]), dels.map(hashed))
  }

  private async flushStorage(e: AccountEntry): Promise<void> {
    // After a wipe the trie starts empty: only non-zero slots are written, nothing is deleted.
    const changed = e.wiped
      ? [...e.storage].filter(([, s]) => s.current.length > 0)
      : [...e.storage].filter(([, s]) => s.base === undefined || !equalsBytes(s.base, s.current))
    if (changed.length === 0 && !e.wiped) return
    const puts: [Uint8Array, Uint8Array][] = []
    const dels: Uint8Array[] = []
    for (const [keyHex, s] of changed) {
      const hashedKey = this.keccak(unprefixedHexToBytes(keyHex))
      if (s.current.length > 0) puts.push([hashedKey, RLP.encode(s.current)])
      else dels.push(hashedKey)
    }
    let storageRoot: Uint8Array
    try {
      storageRoot = await this.write(e.wiped ? KECCAK256_RLP : e.storageRoot, puts, dels)
    } catch (err) {
      throw withContext(err, `storage write of ${createAddress(e.address).toString()}`)
    }
    for (const [keyHex, s] of e.storage) {
      if (s.current.length === 0) e.storage.delete(keyHex)
      else s.base = s.current
    }
    e.storageRoot = storageRoot
    e.wiped = false
  }

  async setStateRoot(stateRoot: Uint8Array): Promise<void> {
    if (!equalsBytes(stateRoot, await this.getStateRoot())) {
      throw EthereumJSErrorWithoutCode('FlatStateManager: cannot move to another state root')
    }
  }

  async hasStateRoot(root: Uint8Array): Promise<boolean> {
    return equalsBytes(root, await this.getStateRoot())
  }

  async dumpStorage(_address: Address): Promise<StorageDump> {
    throw EthereumJSErrorWithoutCode('FlatStateManager: dumpStorage is not supported')
  }

  async dumpStorageRange(_address: Address, _startKey: bigint, _limit: number): Promise<StorageRange> {
    throw EthereumJSErrorWithoutCode('FlatStateManager: dumpStorageRange is not supported')
  }

  clearCaches(): void {}

  shallowCopy(): StateManagerInterface {
    throw EthereumJSErrorWithoutCode('FlatStateManager: shallowCopy is not supported (one run, one state)')
  }
}

function createAddress(bytes: Uint8Array): Address {
  return new Address(bytes)
}


function withContext(e: unknown, context: string): unknown {
  if (e instanceof WitnessIncomplete && e.context === undefined) return new WitnessIncomplete(e.kind, e.what, context)
  return e
}
