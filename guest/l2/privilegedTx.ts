import { RLP } from '@ethereumjs/rlp'
import { Address, bigIntToUnpaddedBytes, bytesToBigInt, bytesToHex, concatBytes, setLengthLeft } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessInvalid } from '../errors.js'
import { PRIVILEGED_TX_TYPE } from './constants.js'

export type AccessListBytes = [Uint8Array, Uint8Array[]][]

/**
 * ethrex's PrivilegedL2Transaction (EIP-2718 type 0x7e), as defined in crates/common/types/transaction.rs
 * @ 6fbd93b5: payload RLP = [chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas, gas_limit, to,
 * value, data, access_list, from]. No signature: the sender is `from`, set by the L1 bridge. The nonce is
 * the bridge's deposit id, not the sender's account nonce. Its hash is not keccak(encoding) but the
 * "privileged hash" the L1 bridge also computes (see `hash`).
 */
export class PrivilegedTransaction {
  readonly type = PRIVILEGED_TX_TYPE
  constructor(
    readonly chainId: bigint,
    readonly nonce: bigint,
    readonly maxPriorityFeePerGas: bigint,
    readonly maxFeePerGas: bigint,
    readonly gasLimit: bigint,
    /** undefined = create (ethrex rejects a privileged create when hashing it). */
    readonly to: Address | undefined,
    readonly value: bigint,
    readonly data: Uint8Array,
    readonly accessList: AccessListBytes,
    readonly from: Address,
  ) {}

  /** Decode `0x7e || rlp(payload)`. Every scalar must be canonical (no leading zeros), as ethrex's RLP decoder requires. */
  static fromSerialized(bytes: Uint8Array, where = 'privileged tx'): PrivilegedTransaction {
    if (bytes[0] !== PRIVILEGED_TX_TYPE) throw new WitnessInvalid(where, `type byte ${bytes[0]} is not 0x7e`)
    let fields: unknown
    try {
      fields = RLP.decode(bytes.subarray(1))
    } catch (e) {
      throw new WitnessInvalid(where, `bad RLP (${(e as Error).message})`)
    }
    if (!Array.isArray(fields) || fields.length !== 10) throw new WitnessInvalid(where, 'expected a 10-field RLP list')
    const [chainId, nonce, prio, maxFee, gas, to, value, data, accessList, from] = fields as unknown[]
    const uint = (v: unknown, name: string, maxBytes: number): bigint => {
      if (!(v instanceof Uint8Array)) throw new WitnessInvalid(`${where}.${name}`, 'expected bytes')
      if (v.length > maxBytes) throw new WitnessInvalid(`${where}.${name}`, `more than ${maxBytes} bytes`)
      if (v.length > 0 && v[0] === 0) throw new WitnessInvalid(`${where}.${name}`, 'non-canonical integer (leading zero)')
      return bytesToBigInt(v)
    }
    if (!(to instanceof Uint8Array) || (to.length !== 0 && to.length !== 20)) throw new WitnessInvalid(`${where}.to`, 'expected 20 bytes or empty')
    if (!(from instanceof Uint8Array) || from.length !== 20) throw new WitnessInvalid(`${where}.from`, 'expected 20 bytes')
    if (!(data instanceof Uint8Array)) throw new WitnessInvalid(`${where}.data`, 'expected bytes')
    return new PrivilegedTransaction(
      uint(chainId, 'chain_id', 8),
      uint(nonce, 'nonce', 8),
      uint(prio, 'max_priority_fee_per_gas', 8),
      uint(maxFee, 'max_fee_per_gas', 8),
      uint(gas, 'gas_limit', 8),
      to.length === 0 ? undefined : new Address(to),
      uint(value, 'value', 32),
      data,
      parseAccessList(accessList, `${where}.access_list`),
      new Address(from),
    )
  }

  raw(): (Uint8Array | AccessListBytes)[] {
    return [
      bigIntToUnpaddedBytes(this.chainId),
      bigIntToUnpaddedBytes(this.nonce),
      bigIntToUnpaddedBytes(this.maxPriorityFeePerGas),
      bigIntToUnpaddedBytes(this.maxFeePerGas),
      bigIntToUnpaddedBytes(this.gasLimit),
      this.to?.bytes ?? new Uint8Array(),
      bigIntToUnpaddedBytes(this.value),
      this.data,
      this.accessList,
      this.from.bytes,
    ]
  }

  /** Canonical (EIP-2718) encoding: what goes into the transactions trie and, RLP-wrapped, into block bodies. */
  serialize(): Uint8Array {
    return concatBytes(Uint8Array.of(PRIVILEGED_TX_TYPE), RLP.encode(this.raw() as never))
  }

  /**
   * ethrex `get_privileged_hash`: keccak(from ‖ to ‖ nonce as u256 ‖ value u256 ‖ gas_limit u256 ‖
   * keccak(data)). The L1 CommonBridge hashes deposits the same way, which is what ties the L2 batch's
   * rolling hash to L1. Undefined for a create (ethrex returns None).
   */
  privilegedHash(keccak256: (b: Uint8Array) => Uint8Array = keccak_256): Uint8Array | undefined {
    if (this.to === undefined) return undefined
    return keccak256(
      concatBytes(
        this.from.bytes,
        this.to.bytes,
        setLengthLeft(bigIntToUnpaddedBytes(this.nonce), 32),
        setLengthLeft(bigIntToUnpaddedBytes(this.value), 32),
        setLengthLeft(bigIntToUnpaddedBytes(this.gasLimit), 32),
        keccak256(this.data),
      ),
    )
  }

  /** ethrex's transaction hash for a privileged tx is its privileged hash (zero for a create). */
  hash(): Uint8Array {
    return this.privilegedHash() ?? new Uint8Array(32)
  }

  getSenderAddress(): Address {
    return this.from
  }

  toJSON(): Record<string, unknown> {
    return {
      type: '0x7e',
      chainId: `0x${this.chainId.toString(16)}`,
      nonce: `0x${this.nonce.toString(16)}`,
      maxPriorityFeePerGas: `0x${this.maxPriorityFeePerGas.toString(16)}`,
      maxFeePerGas: `0x${this.maxFeePerGas.toString(16)}`,
      gas: `0x${this.gasLimit.toString(16)}`,
      to: this.to?.toString() ?? null,
      value: `0x${this.value.toString(16)}`,
      input: bytesToHex(this.data),
      accessList: this.accessList.map(([a, slots]) => ({ address: bytesToHex(a), storageKeys: slots.map((s) => bytesToHex(s)) })),
      from: this.from.toString(),
      hash: bytesToHex(this.hash()),
    }
  }
}

function parseAccessList(v: unknown, where: string): AccessListBytes {
  if (!Array.isArray(v)) throw new WitnessInvalid(where, 'expected a list')
  return v.map((item, i) => {
    if (!Array.isArray(item) || item.length !== 2) throw new WitnessInvalid(`${where}[${i}]`, 'expected [address, [slots]]')
    const [address, slots] = item as unknown[]
    if (!(address instanceof Uint8Array) || address.length !== 20) throw new WitnessInvalid(`${where}[${i}].address`, 'expected 20 bytes')
    if (!Array.isArray(slots) || !slots.every((s) => s instanceof Uint8Array && s.length === 32)) {
      throw new WitnessInvalid(`${where}[${i}].storageKeys`, 'expected 32-byte slots')
    }
    return [address, slots as Uint8Array[]]
  })
}

export function isPrivileged(tx: unknown): tx is PrivilegedTransaction {
  return tx instanceof PrivilegedTransaction
}
