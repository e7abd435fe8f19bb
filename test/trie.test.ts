import { describe, expect, it } from 'vitest'
import { MerklePatriciaTrie, createMPT, createMerkleProof } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createVerifyPool } from '../src/pool/verify.js'
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, ProofInvalid, verifyProof, type AccountProofJson } from '../src/trie/proof.js'
import { toHex } from '../src/witness/hex.js'

/** A small state: 40 accounts, the first with 30 storage slots; proofs built with @ethereumjs/mpt. */
async function fixture() {
  const storage = await createMPT({ useKeyHashing: true })
  const slots = new Map<string, bigint>()
  for (let i = 1; i <= 30; i++) {
    const key = new Uint8Array(32)
    key[31] = i
    slots.set(toHex(key), BigInt(i * 1000))
    await storage.put(key, RLP.encode(BigInt(i * 1000)))
  }
  const state = await createMPT({ useKeyHashing: true })
  const accounts: { address: Uint8Array; nonce: bigint; balance: bigint; storageHash: string; codeHash: string }[] = []
  for (let i = 1; i <= 40; i++) {
    const address = keccak_256(new Uint8Array([i])).slice(0, 20)
    const a = { address, nonce: BigInt(i), balance: BigInt(i) * 10n ** 18n, storageHash: i === 1 ? toHex(storage.root()) : EMPTY_TRIE_ROOT, codeHash: EMPTY_CODE_HASH }
    accounts.push(a)
    await state.put(address, RLP.encode([a.nonce, a.balance, Buffer.from(a.storageHash.slice(2), 'hex'), Buffer.from(a.codeHash.slice(2), 'hex')]))
  }
  const proofFor = async (i: number | Uint8Array, keys: string[] = []): Promise<AccountProofJson> => {
    const a = typeof i === 'number' ? accounts[i] : undefined
    const address = typeof i === 'number' ? a!.address : i
    const st = a?.storageHash === toHex(storage.root()) ? storage : undefined
    return {
      address: toHex(address),
      nonce: `0x${(a?.nonce ?? 0n).toString(16)}`,
      balance: `0x${(a?.balance ?? 0n).toString(16)}`,
      storageHash: a?.storageHash ?? EMPTY_TRIE_ROOT,
      codeHash: a?.codeHash ?? EMPTY_CODE_HASH,
      accountProof: (await createMerkleProof(state, address)).map(toHex),
      storageProof: await Promise.all(
        keys.map(async (k) => ({
          key: k,
          value: `0x${((st ? slots.get(k) : 0n) ?? 0n).toString(16)}`,
          proof: st ? (await createMerkleProof(st, Buffer.from(k.slice(2), 'hex'))).map(toHex) : ['0x80'],
        })),
      ),
    }
  }
  return { root: toHex(state.root()), proofFor, slots }
}

const slot = (i: number) => `0x${i.toString(16).padStart(64, '0')}`

describe('eth_getProof verification', async () => {
  const f = await fixture()
  void MerklePatriciaTrie

  it('accepts account and storage inclusion proofs', async () => {
    const p = await f.proofFor(0, [slot(1), slot(17), slot(30)])
    expect(() => verifyProof(f.root, p)).not.toThrow()
  })

  it('accepts exclusion proofs: absent account, absent slot, empty storage trie', async () => {
    const absent = await f.proofFor(keccak_256(new Uint8Array([200])).slice(0, 20))
    verifyProof(f.root, absent)
    verifyProof(f.root, await f.proofFor(0, [slot(31), slot(255)]))
    verifyProof(f.root, await f.proofFor(5, [slot(1)]))
  })

  it('rejects a tampered node with a typed error naming account and node', async () => {
    const p = await f.proofFor(3)
    const bytes = Buffer.from(p.accountProof[1].slice(2), 'hex')
    bytes[bytes.length - 3] ^= 1
    p.accountProof[1] = toHex(bytes)
    const err = (() => {
      try {
        verifyProof(f.root, p)
      } catch (e) {
        return e
      }
    })() as ProofInvalid
    expect(err).toBeInstanceOf(ProofInvalid)
    expect(err.address).toBe(p.address)
    expect(err.nodeIndex).toBe(1)
    expect(err.message).toMatch(/does not match the reference/)
  })

  it('rejects a wrong claimed value and a claimed value for an absent key', async () => {
    const p = await f.proofFor(0, [slot(2)])
    p.storageProof[0].value = '0x1'
    expect(() => verifyProof(f.root, p)).toThrow(/slot 0x0+2.*leaf holds 2000/)
    const q = await f.proofFor(0, [slot(99)])
    q.storageProof[0].value = '0x5'
    expect(() => verifyProof(f.root, q)).toThrow(ProofInvalid)
    const r = await f.proofFor(2)
    r.balance = '0x1'
    expect(() => verifyProof(f.root, r)).toThrow(/account .* leaf holds/)
  })

  it('runs large sets in the verify pool and reports failures from workers', async () => {
    const proofs = await Promise.all(Array.from({ length: 200 }, (_, i) => f.proofFor(i % 40, i % 40 === 0 ? [slot(1 + (i % 30))] : [])))
    const pool = createVerifyPool({ workers: 2, batchSize: 50 })
    try {
      await expect(pool.verify(f.root, proofs)).resolves.toEqual({ accounts: 200, slots: 5 })
      proofs[130] = { ...proofs[130], nonce: '0x999' }
      const err = await pool.verify(f.root, proofs).catch((e: unknown) => e)
      expect((err as Error).name).toBe('ProofInvalid')
      expect((err as ProofInvalid).address).toBe(proofs[130].address)
    } finally {
      await pool.destroy()
    }
  })
})
