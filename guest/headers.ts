import { createBlockHeaderFromRLP, type Block, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { WitnessIncomplete, WitnessInvalid } from './errors.js'

/**
 * The ancestors a batch can see: witness headers verified as one hash-linked chain ending at the parent of
 * the first block, then each executed block appended. Serves BLOCKHASH and uncle checks from this chain only.
 */
export class AncestorChain {
  private readonly byNumber = new Map<bigint, BlockHeader>()
  /** Uncle hashes of blocks whose bodies we have (the batch's own blocks). */
  private readonly unclesByNumber = new Map<bigint, Uint8Array[]>()
  private readonly onLookup?: (n: bigint) => void
  private tip: BlockHeader | undefined
  /** Unanchored runs only: the pre-state root taken on trust, and block hashes given without headers. */
  private readonly trustedRoot?: Uint8Array
  private readonly hashOnly = new Map<bigint, Uint8Array>()

  private constructor(headers: BlockHeader[], onLookup?: (n: bigint) => void, trusted?: UnanchoredStart) {
    for (const h of headers) this.byNumber.set(h.number, h)
    this.tip = headers[headers.length - 1]
    this.onLookup = onLookup
    this.trustedRoot = trusted?.preStateRoot
    for (const { number, hash } of trusted?.blockHashes ?? []) this.hashOnly.set(number, hash)
  }

  /**
   * A chain with no parent header: the caller explicitly trusts `preStateRoot` (nothing hash-links it to a
   * header), so the first block's header rules against its parent cannot be checked. BLOCKHASH is served
   * from the given hashes, equally unverified.
   */
  static unanchored(start: UnanchoredStart, onLookup?: (n: bigint) => void): AncestorChain {
    if (start.preStateRoot.length !== 32) throw new WitnessInvalid('preStateRoot', 'expected 32 bytes')
    return new AncestorChain([], onLookup, start)
  }

  /** False for unanchored runs until the first block is appended. */
  get hasParentHeader(): boolean {
    return this.tip !== undefined
  }

  /** State root the next block starts from. */
  get parentStateRoot(): Uint8Array {
    return this.tip?.stateRoot ?? this.trustedRoot!
  }

  /**
   * Decode and check witness headers: canonical RLP, one contiguous chain by parentHash, ending at
   * `firstBlockParentHash`. Any header that does not belong to that chain is an error, not ignored.
   */
  static fromWitness(
    rawHeaders: Uint8Array[],
    common: Common,
    firstBlockParentHash: Uint8Array,
    keccak256: (b: Uint8Array) => Uint8Array,
    onLookup?: (n: bigint) => void,
    batchHeaders?: BlockHeader[],
    /** EIP-8025 stateless input rules: at most 256 headers, already oldest first (see ProgramInput.orderedHeaders). */
    ordered = false,
  ): AncestorChain {
    if (ordered && rawHeaders.length > 256) throw new WitnessInvalid('headers', `${rawHeaders.length} headers, at most 256 allowed`)
    if (rawHeaders.length === 0) throw new WitnessIncomplete('header', `parent ${bytesToHex(firstBlockParentHash)}`)
    let headers = rawHeaders.map((raw, i) => {
      let header: BlockHeader
      try {
        header = createBlockHeaderFromRLP(raw, { common, setHardfork: true, skipConsensusFormatValidation: true })
      } catch (e) {
        throw new WitnessInvalid(`headers[${i}]`, `cannot decode header: ${(e as Error).message}`)
      }
      if (!equalsBytes(header.serialize(), raw)) throw new WitnessInvalid(`headers[${i}]`, 'non-canonical RLP encoding')
      seedHeaderHash(header, keccak256(raw))
      return header
    })
    if (ordered) {
      for (let i = 1; i < headers.length; i++) {
        if (!equalsBytes(headers[i].parentHash, headers[i - 1].hash())) {
          throw new WitnessInvalid(`headers[${i}]`, `not the child of headers[${i - 1}]: the stateless input's headers must be a contiguous chain, oldest first`)
        }
      }
    }
    headers.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
    // Some producers also list headers of the batch's own blocks; those must be exactly the batch's headers.
    if (batchHeaders !== undefined && batchHeaders.length > 0) {
      const first = batchHeaders[0].number
      for (const h of headers.filter((x) => x.number >= first)) {
        const own = batchHeaders.find((b) => b.number === h.number)
        if (own === undefined || !equalsBytes(own.hash(), h.hash())) {
          throw new WitnessInvalid(`headers (block ${h.number})`, 'header is not an ancestor of the batch and not one of its blocks')
        }
      }
      headers = headers.filter((x) => x.number < first)
      if (headers.length === 0) throw new WitnessIncomplete('header', `parent ${bytesToHex(firstBlockParentHash)}`)
    }
    for (let i = 1; i < headers.length; i++) {
      const [prev, cur] = [headers[i - 1], headers[i]]
      if (cur.number !== prev.number + 1n || !equalsBytes(cur.parentHash, prev.hash())) {
        throw new WitnessInvalid(
          `headers (block ${cur.number})`,
          `header chain broken: parentHash ${bytesToHex(cur.parentHash)} does not link to block ${prev.number} ${bytesToHex(prev.hash())}`,
        )
      }
    }
    const parent = headers[headers.length - 1]
    if (!equalsBytes(parent.hash(), firstBlockParentHash)) {
      const byHash = headers.find((h) => equalsBytes(h.hash(), firstBlockParentHash))
      if (byHash !== undefined) {
        throw new WitnessInvalid(`headers (block ${parent.number})`, 'header chain extends past the parent of the first block')
      }
      throw new WitnessInvalid(
        `headers (block ${parent.number})`,
        `newest header hashes to ${bytesToHex(parent.hash())}, but the first block's parent is ${bytesToHex(firstBlockParentHash)}`,
      )
    }
    return new AncestorChain(headers, onLookup)
  }

  get parent(): BlockHeader {
    if (this.tip === undefined) throw new WitnessIncomplete('header', 'parent of the first block', 'unanchored run')
    return this.tip
  }

  /** Oldest header number available. */
  get oldest(): bigint {
    let min = this.parent.number
    for (const n of this.byNumber.keys()) if (n < min) min = n
    return min
  }

  header(number: bigint, why: string): BlockHeader {
    this.onLookup?.(number)
    const h = this.byNumber.get(number)
    if (h === undefined) throw new WitnessIncomplete('header', `${number}`, why)
    return h
  }

  /** Uncle hashes of an ancestor; known for batch blocks, and for any header whose uncle list is empty. */
  uncleHashes(header: BlockHeader): Uint8Array[] {
    const known = this.unclesByNumber.get(header.number)
    if (known !== undefined) return known
    if (equalsBytes(header.uncleHash, EMPTY_UNCLE_HASH)) return []
    throw new WitnessIncomplete('uncles', `of block ${header.number}`, 'needed to check an uncle was not included twice')
  }

  append(block: Block): void {
    this.byNumber.set(block.header.number, block.header)
    this.unclesByNumber.set(block.header.number, block.uncleHeaders.map((u) => u.hash()))
    this.tip = block.header
  }

  /** The EVM's view: BLOCKHASH calls getBlock(n) and uses only `.hash()`. */
  evmBlockchain() {
    const chain = this
    return {
      async getBlock(n: number) {
        const given = chain.hashOnly.get(BigInt(n))
        if (given !== undefined && !chain.byNumber.has(BigInt(n))) return { hash: () => given }
        const header = chain.header(BigInt(n), 'BLOCKHASH')
        return { hash: () => header.hash() }
      },
      async putBlock() {},
      shallowCopy() {
        return this
      },
      // runBlock only calls this when header validation is not skipped; Tessera validates headers itself.
      async validateHeader() {},
    }
  }
}

/**
 * A header decoded from canonical RLP `raw` (checked by the caller) hashes to keccak256(raw): put that in the
 * frozen header's hash cache, so that `hash()` (asked again by every chain-link check, BLOCKHASH and the
 * uncle rules) does not rebuild and re-encode the header's fields first. ethereumjs 10.1.3 caches only in
 * frozen headers (block/dist/esm/header/header.js `hash()`), which createBlockHeaderFromRLP makes by default.
 */
function seedHeaderHash(header: BlockHeader, hash: Uint8Array): void {
  if (Object.isFrozen(header)) (header as unknown as { cache: { hash?: Uint8Array } }).cache.hash = hash
}

/** Start of an unanchored run (see AncestorChain.unanchored). */
export interface UnanchoredStart {
  preStateRoot: Uint8Array
  blockHashes?: { number: bigint; hash: Uint8Array }[]
}

const EMPTY_UNCLE_HASH = Uint8Array.from(
  Buffer.from('1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347', 'hex'),
)
