import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, Address, bytesToHex, KECCAK256_RLP } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { FlatStateManager } from '../guest/flatState.js'
import { NodeStore } from '../guest/state.js'
import { WitnessIncomplete } from '../guest/errors.js'

/**
 * The flat state layer against @ethereumjs's own MerkleStateManager over random sequences of nested
 * checkpoints, commits, reverts and writes (repeated writes of one slot or account inside a checkpoint, equal
 * rewrites, deletions, storage wipes): every read agrees after every step, and so does the state root
 * whenever no checkpoint is open.
 */
describe('FlatStateManager: checkpoints against MerkleStateManager', () => {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
  const addresses = [1, 2, 3].map((b) => new Address(new Uint8Array(20).fill(b)))
  const slots = [0, 1, 2].map((b) => new Uint8Array(32).fill(b))

  it('agrees on every read and every root over 40 random runs of 250 steps', async () => {
    let seed = 12345
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n)
    for (let run = 0; run < 40; run++) {
      const flat = new FlatStateManager(common, new NodeStore(), KECCAK256_RLP)
      const merkle = new MerkleStateManager({ common })
      let depth = 0
      for (let step = 0; step < 250; step++) {
        const op = rand(10)
        const address = addresses[rand(addresses.length)]!
        const slot = slots[rand(slots.length)]!
        const where = `run ${run} step ${step} op ${op}`
        if (op === 0) {
          depth++
          for (const sm of [flat, merkle]) await sm.checkpoint()
        } else if (op === 1 && depth > 0) {
          depth--
          for (const sm of [flat, merkle]) await sm.commit()
        } else if (op === 2 && depth > 0) {
          depth--
          for (const sm of [flat, merkle]) await sm.revert()
        } else if (op === 3 || op === 4) {
          // As the EVM writes an account: the one read, with new fields (MerkleStateManager takes the storage
          // root from it). Small values, so that equal rewrites (a zero-value transfer) happen often.
          const [nonce, balance] = [BigInt(rand(3)), BigInt(rand(3))]
          for (const sm of [flat, merkle]) {
            const account = (await sm.getAccount(address)) ?? new Account()
            account.nonce = nonce
            account.balance = balance
            await sm.putAccount(address, account)
          }
        } else if (op === 5 || op === 6) {
          if ((await merkle.getAccount(address)) === undefined) continue
          const value = rand(3) === 0 ? new Uint8Array(0) : Uint8Array.of(rand(3) + 1)
          for (const sm of [flat, merkle]) await sm.putStorage(address, slot, value)
        } else if (op === 7) {
          for (const sm of [flat, merkle]) await sm.deleteAccount(address)
        } else if (op === 8) {
          if ((await merkle.getAccount(address)) === undefined) continue
          for (const sm of [flat, merkle]) await sm.clearStorage(address)
        }
        for (const a of addresses) {
          const [f, m] = [await flat.getAccount(a), await merkle.getAccount(a)]
          expect(f && [f.nonce, f.balance], `${where}: account ${a}`).toEqual(m && [m.nonce, m.balance])
          if (m === undefined) continue
          for (const k of slots) expect(bytesToHex(await flat.getStorage(a, k)), `${where}: ${a} slot ${k[0]}`).toBe(bytesToHex(await merkle.getStorage(a, k)))
        }
        if (depth === 0 && rand(4) === 0) expect(bytesToHex(await flat.getStateRoot()), `${where}: state root`).toBe(bytesToHex(await merkle.getStateRoot()))
      }
      while (depth-- > 0) for (const sm of [flat, merkle]) await sm.commit()
      expect(bytesToHex(await flat.getStateRoot()), `run ${run}: final state root`).toBe(bytesToHex(await merkle.getStateRoot()))
    }
  })
})

/**
 * A created code is readable by hash until the frame that created it is reverted: afterwards an account with the
 * same code hash reads it from the witness, as the specification's state tracker does (EIP-8025 vector
 * witness_codes_reverted_create_same_hash_then_read), and only codes of kept creations join the node store.
 */
describe('FlatStateManager: codes of reverted creations', () => {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
  const code = Uint8Array.of(0x60, 0x00, 0x00)
  const creator = new Address(new Uint8Array(20).fill(1))
  const other = new Address(new Uint8Array(20).fill(2))

  async function afterCreation(keep: boolean) {
    const store = new NodeStore()
    const flat = new FlatStateManager(common, store, KECCAK256_RLP)
    await flat.checkpoint() // the block
    await flat.putAccount(creator, new Account(1n))
    await flat.checkpoint() // the creating frame
    await flat.putCode(creator, code)
    const { codeHash } = (await flat.getAccount(creator))!
    await (keep ? flat.commit() : flat.revert())
    // An account the witness says has that code (its code is not in the witness).
    await flat.putAccount(other, new Account(0n, 0n, undefined, codeHash))
    return { flat, store, codeKey: `63${bytesToHex(codeHash).slice(2)}` }
  }

  it('reads the code of a kept creation, and stores it with the state root', async () => {
    const { flat, store, codeKey } = await afterCreation(true)
    expect(await flat.getCode(other)).toEqual(code)
    await flat.commit()
    await flat.getStateRoot()
    expect(store.contents().get(codeKey)).toEqual(code)
  })

  it('asks the witness for the code of a reverted creation, and does not store it', async () => {
    const { flat, store, codeKey } = await afterCreation(false)
    await expect((async () => flat.getCode(other))()).rejects.toThrow(WitnessIncomplete)
    await flat.commit()
    await flat.getStateRoot()
    expect(store.contents().has(codeKey)).toBe(false)
  })
})
