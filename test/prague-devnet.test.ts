import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, createAddressFromString } from '@ethereumjs/util'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto } from '../guest/crypto.js'
import { WitnessIncomplete } from '../guest/errors.js'
import { executeStateless } from '../guest/execute.js'
import { NodeStore, createStateManager } from '../guest/state.js'
import type { ProgramInput } from '../guest/types.js'
import { makeDevnet } from '../scripts/make-devnet.js'
import { cacheFileToProgramInput, readCacheFile } from '../src/witness/cache.js'
import type { Alloc } from '../src/witness/genesis.js'
import { HOODI_CACHE } from './support/fixtures.js'

const SYSTEM_CONTRACTS = {
  history: '0x0000f90827f1c53a10cb7a02335b175320002935',
  withdrawals: '0x00000961ef480eb55e80d19ad83579a64c007002',
  consolidations: '0x0000bbddc7ce488642fb579f8b00f3a590007251',
}

/** The Prague system contracts' code, read from the real Hoodi state the shared cache's witness proves. */
async function systemContractsFromHoodi(): Promise<Alloc> {
  const hoodi = cacheFileToProgramInput(await readCacheFile(HOODI_CACHE))
  const common = commonFromChainConfig(hoodi.chainConfig, guestCrypto())
  const headers = hoodi.witness.headers.map((h) => RLP.decode(h) as Uint8Array[])
  const parent = headers.reduce((a, b) => (BigInt(bytesToHex(b[8])) > BigInt(bytesToHex(a[8])) ? b : a))
  const sm = createStateManager(common, NodeStore.fromWitness(hoodi.witness.state, hoodi.witness.codes, keccak_256), parent[3])
  const alloc: Alloc = {}
  for (const address of Object.values(SYSTEM_CONTRACTS)) {
    const code = await sm.getCode(createAddressFromString(address))
    expect(code.length).toBeGreaterThan(0)
    alloc[address] = { balance: '0x0', nonce: '0x1', code: bytesToHex(code) }
  }
  return alloc
}

const header = (input: ProgramInput, i: number) => (RLP.decode(input.blocks[i]) as Uint8Array[][])[0]

describe('Prague devnet (EIP-7702, EIP-2935, EIP-7002/7251 requests) through recorder and guest', () => {
  let inputs: ProgramInput[]
  beforeAll(async () => {
    const files = await makeDevnet(mkdtempSync(join(tmpdir(), 'tessera-prague-')), 6, 3, { fork: 'prague', alloc: await systemContractsFromHoodi() })
    inputs = await Promise.all(files.map(async (f) => cacheFileToProgramInput(await readCacheFile(f))))
  }, 120_000)

  it('executes every batch to the headers built by @ethereumjs/vm, with non-empty requests', async () => {
    const emptyRequests = bytesToHex(sha256(new Uint8Array()))
    let withRequests = 0
    for (const input of inputs) {
      const out = await executeStateless(input)
      expect(bytesToHex(out.finalStateRoot)).toBe(bytesToHex(header(input, input.blocks.length - 1)[3]))
      for (let i = 0; i < input.blocks.length; i++) if (bytesToHex(header(input, i)[20]) !== emptyRequests) withRequests++
    }
    expect(withRequests).toBeGreaterThan(0)
  }, 120_000)

  it('recorded Prague witnesses are minimal too', async () => {
    for (const input of inputs) {
      for (let i = 0; i < input.witness.state.length; i++) {
        const state = input.witness.state.filter((_, j) => j !== i)
        await expect(executeStateless({ ...input, witness: { ...input.witness, state } }), `node ${i}`).rejects.toBeInstanceOf(WitnessIncomplete)
      }
    }
  }, 300_000)
})
