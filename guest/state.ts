import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import type { Common } from '@ethereumjs/common'
import { ValueEncoding, bytesToHex, type Account, type Address, type BatchDBOp, type DB } from '@ethereumjs/util'
import { WitnessIncomplete } from './errors.js'

const SYSTEM_ADDRESS = '0xfffffffffffffffffffffffffffffffffffffffe'

/** The empty trie root is never stored as a node; ethereumjs probes it and expects a miss. */
export const EMPTY_TRIE_ROOT_HEX = '56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
/** MerkleStateManager keys code by 'c' ‖ codeHash to keep it apart from trie nodes. */
export const CODE_PREFIX_HEX = '63'

/**
 * Hash-keyed node and code store backing every trie of a stateless run. A lookup that misses throws
 * WitnessIncomplete instead of returning undefined: @ethereumjs/mpt treats a plain miss as "key absent",
 * which would turn an incomplete witness into silently wrong execution.
 */
export class NodeStore implements DB<string, Uint8Array> {
  protected readonly map: Map<string, Uint8Array>

  constructor(map: Map<string, Uint8Array> = new Map()) {
    this.map = map
  }

  /** Index witness nodes and codes by their keccak256. */
  static fromWitness(state: Uint8Array[], codes: Uint8Array[], keccak256: (b: Uint8Array) => Uint8Array): NodeStore {
    const map = new Map<string, Uint8Array>()
    for (const node of state) map.set(bytesToHex(keccak256(node)).slice(2), node)
    for (const code of codes) map.set(CODE_PREFIX_HEX + bytesToHex(keccak256(code)).slice(2), code)
    return new NodeStore(map)
  }

  /** Everything stored, by key (hex hash, or 'c'-prefixed hash for code). */
  contents(): Map<string, Uint8Array> {
    return this.map
  }

  protected missing(key: string): never {
    if (key.length === 66 && key.startsWith(CODE_PREFIX_HEX)) throw new WitnessIncomplete('code', `0x${key.slice(2)}`)
    throw new WitnessIncomplete('node', `0x${key}`)
  }

  /** Synchronous lookup for the flat state layer (guest/flatState.ts); same contract as `get`. */
  getSync(key: string): Uint8Array | undefined {
    // Checked first: witnesses from geth-style proofs may carry the empty-trie node 0x80, which hashes to
    // the empty root but is not a trie node ethereumjs can decode.
    if (key === EMPTY_TRIE_ROOT_HEX) return undefined
    const value = this.map.get(key)
    if (value !== undefined) return value
    this.missing(key)
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.getSync(key)
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, value)
  }

  /** Store a node written by the run (guest/trieWriter.ts); same as `put`. */
  putSync(key: string, value: Uint8Array): void {
    this.map.set(key, value)
  }

  async del(key: string): Promise<void> {
    this.map.delete(key)
  }

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') this.map.set(op.key, op.value)
      else this.map.delete(op.key)
    }
  }

  /** Tries of one run share the store (state trie, storage tries, code). */
  shallowCopy(): DB<string, Uint8Array> {
    return this
  }

  open(): Promise<void> {
    return Promise.resolve()
  }
}

/**
 * Store over a full pre-state that records which pre-state entries a run reads: that set is the minimal
 * witness. Entries written by the run itself are served from an overlay and never recorded.
 */
export class RecordingNodeStore extends NodeStore {
  private readonly base: Map<string, Uint8Array>
  readonly touched = new Set<string>()

  constructor(base: Map<string, Uint8Array>) {
    super(new Map())
    this.base = base
  }

  override getSync(key: string): Uint8Array | undefined {
    const written = this.map.get(key)
    if (written !== undefined) return written
    if (key === EMPTY_TRIE_ROOT_HEX) return undefined
    const value = this.base.get(key)
    if (value !== undefined) {
      this.touched.add(key)
      return value
    }
    this.missing(key)
  }

  /** Entries the run wrote itself. */
  writes(): Map<string, Uint8Array> {
    return this.map
  }

  /** The recorded entries split into trie nodes and codes, in first-touch order. */
  recorded(): { state: Uint8Array[]; codes: Uint8Array[] } {
    const state: Uint8Array[] = []
    const codes: Uint8Array[] = []
    for (const key of this.touched) {
      const value = this.base.get(key)!
      if (key.length === 66 && key.startsWith(CODE_PREFIX_HEX)) codes.push(value)
      else state.push(value)
    }
    return { state, codes }
  }
}

/** Put a pre-state trie node or a code into a plain full-state map, keyed like NodeStore. */
export function codeKey(codeHashHex: string): string {
  return CODE_PREFIX_HEX + codeHashHex.replace(/^0x/, '')
}

/**
 * MerkleStateManager whose missing-node errors say which account or slot was being read, so a
 * WitnessIncomplete names a trie path, not only a hash.
 */
export class WitnessStateManager extends MerkleStateManager {
  /**
   * EIP-7002/7251 system calls leave the system address untouched in every client, but ethereumjs reads it,
   * bumps its nonce as the call's caller and then restores it. Real witnesses (ethrex, reth) do not cover
   * that account when nothing else touched it. So, outside transactions only, a system-address read the
   * witness cannot answer is treated as "absent", and while so the system call's own writes and the
   * restoring deletion are dropped: the real trie entry stays as it was, which is what a system call does.
   * Any other write (a withdrawal credit) still goes to the trie and fails there with WitnessIncomplete, so
   * a witness that hides the account can never change the outcome. Inside transactions a missing
   * system-address path is a plain WitnessIncomplete.
   */
  inTransaction = false
  /** Set by the executor around EVM calls made from the system address outside transactions. */
  inSystemCall = false
  private systemAccountShadowed = false

  private shadowsSystemAccount(address: Address): boolean {
    return !this.inTransaction && this.systemAccountShadowed && address.toString() === SYSTEM_ADDRESS
  }

  override async putAccount(address: Address, account: Parameters<MerkleStateManager['putAccount']>[1]) {
    if (this.shadowsSystemAccount(address) && (this.inSystemCall || account === undefined || account.isEmpty())) return
    return super.putAccount(address, account)
  }

  override async deleteAccount(address: Address) {
    if (this.shadowsSystemAccount(address)) return
    return super.deleteAccount(address)
  }

  override async getAccount(address: Address) {
    try {
      return await super.getAccount(address)
    } catch (e) {
      if (e instanceof WitnessIncomplete && !this.inTransaction && address.toString() === SYSTEM_ADDRESS) {
        this.systemAccountShadowed = true
        return undefined
      }
      throw withContext(e, `account ${address.toString()}`)
    }
  }

  /**
   * Same as the base class, minus its `new Promise(async ...)`: there a missing node thrown by a storage
   * write escaped as an unhandled rejection and the run hung. Here it rejects like any other error.
   */
  protected override async _modifyContractStorage(
    address: Address,
    account: Account,
    modifyTrie: (storageTrie: MerklePatriciaTrie, done: Function) => void,
  ): Promise<void> {
    const storageTrie = this._getStorageTrie(address, account)
    await new Promise<void>((resolve, reject) => {
      try {
        Promise.resolve(modifyTrie(storageTrie, resolve) as unknown).catch(reject)
      } catch (e) {
        reject(e)
      }
    }).catch((e: unknown) => {
      throw withContext(e, `storage write of ${address.toString()}`)
    })
    this._storageTries[bytesToHex(address.bytes).slice(2)] = storageTrie
    account.storageRoot = storageTrie.root()
    await this.putAccount(address, account)
  }

  override async getStorage(address: Address, key: Uint8Array) {
    try {
      return await super.getStorage(address, key)
    } catch (e) {
      throw withContext(e, `storage of ${address.toString()} slot ${bytesToHex(key)}`)
    }
  }

  override async getCode(address: Address) {
    try {
      return await super.getCode(address)
    } catch (e) {
      throw withContext(e, `code of ${address.toString()}`)
    }
  }

  override async getStateRoot() {
    try {
      return await super.getStateRoot()
    } catch (e) {
      throw withContext(e, 'while computing the state root (a deletion may need a sibling node)')
    }
  }
}

function withContext(e: unknown, context: string): unknown {
  if (e instanceof WitnessIncomplete && e.context === undefined) {
    return new WitnessIncomplete(e.kind, e.what, context)
  }
  return e
}

export function createStateManager(common: Common, store: NodeStore, stateRoot: Uint8Array): WitnessStateManager {
  const trie = new MerklePatriciaTrie({
    db: store,
    valueEncoding: ValueEncoding.Bytes,
    useKeyHashing: true,
    common,
  })
  trie.root(stateRoot)
  return new WitnessStateManager({ common, trie, caches: new Caches() })
}


