import { createBlockFromRLP, createBlockHeader } from '@ethereumjs/block'
import { Common, Mainnet } from '@ethereumjs/common'
import { Account, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkForksKnown, commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto } from '../guest/crypto.js'
import { BlockInvalid, WitnessInvalid } from '../guest/errors.js'
import { executeStateless } from '../guest/execute.js'
import { FlatStateManager } from '../guest/flatState.js'
import { NodeStore } from '../guest/state.js'
import type { ChainConfig } from '../guest/types.js'
import type { BlockchainTestCase } from '../src/conformance/case.js'
import { UnknownNetworkError, chainConfigForNetwork } from '../src/conformance/networks.js'
import { chainConfigFromJson } from '../src/witness/formats/chain.js'
import { buildStateFromAlloc } from '../src/witness/genesis.js'
import { recordWitness } from '../src/witness/record.js'
import { SHARED_FIXTURES } from './support/fixtures.js'

const PRAGUE = join(SHARED_FIXTURES, 'eest/blockchain_tests/prague')
const crypto = guestCrypto()

/** The guest's verdict on block `index` of an EEST case whose parent is the genesis block. */
async function guestVerdict(file: string, match: string, index = 0): Promise<unknown> {
  const cases = JSON.parse(readFileSync(join(PRAGUE, file), 'utf8')) as Record<string, BlockchainTestCase>
  const name = Object.keys(cases).find((n) => n.includes(match))
  if (name === undefined) throw new Error(`no case matching ${match} in ${file}`)
  const test = cases[name]
  const chainConfig = chainConfigForNetwork(test.network)
  const common = commonFromChainConfig(chainConfig, crypto)
  const genesis = createBlockFromRLP(hexToBytes(test.genesisRLP as `0x${string}`), { common, setHardfork: true })
  const rlp = hexToBytes(test.blocks[index].rlp as `0x${string}`)
  const block = createBlockFromRLP(rlp, { common, setHardfork: true })
  expect(block.header.parentHash).toEqual(genesis.hash())
  const { nodes } = await buildStateFromAlloc(test.pre, common.copy())
  const { witness } = await recordWitness({ common, blocks: [block], ancestors: [genesis.header], preState: nodes })
  return executeStateless({ blocks: [rlp], witness, chainConfig }).then(() => 'accepted', (e: unknown) => e)
}

describe('Prague system calls (EIP-7002, EIP-7251) are checked', () => {
  for (const [eip, file, address] of [
    ['EIP-7002', 'eip7002_el_triggerable_withdrawals', '0x00000961ef480eb55e80d19ad83579a64c007002'],
    ['EIP-7251', 'eip7251_consolidations', '0x0000bbddc7ce488642fb579f8b00f3a590007251'],
  ]) {
    it(`${eip}: a system call that reverts, throws or runs out of gas invalidates the block`, async () => {
      for (const kind of ['reverts', 'throws', 'out_of_gas']) {
        const verdict = await guestVerdict(`${file}/test_system_contract_errors.json`, `fork_Prague-blockchain_test-system_contract_${kind}-`)
        expect(verdict).toBeInstanceOf(BlockInvalid)
        expect((verdict as BlockInvalid).check).toBe('system contract call failed')
        expect((verdict as BlockInvalid).message).toContain(address)
      }
    }, 120_000)

    it(`${eip}: after the fork, a block whose system contract has no code is invalid`, async () => {
      // Not deployed at all (no account) and an account with balance but no code.
      for (const kind of ['zero_balance', 'nonzero_balance']) {
        const verdict = await guestVerdict(`${file}/test_system_contract_deployment.json`, `deploy_after_fork-${kind}`)
        expect(verdict).toBeInstanceOf(BlockInvalid)
        expect((verdict as BlockInvalid).check).toBe('system contract empty')
        expect((verdict as BlockInvalid).message).toContain(address)
      }
    }, 120_000)
  }
})

describe('original storage values across blocks', () => {
  it('are forgotten when the outermost checkpoint closes, as after the end-of-block system calls', async () => {
    const common = commonFromChainConfig(chainConfigForNetwork('Prague'), crypto)
    const { nodes, stateRoot } = await buildStateFromAlloc({ '0x00000961ef480eb55e80d19ad83579a64c007002': { nonce: '0x01', code: '0x00', storage: { '0x01': '0x0f' } } }, common.copy())
    const sm = new FlatStateManager(common, new NodeStore(nodes), stateRoot)
    const address = createAddressFromString('0x00000961ef480eb55e80d19ad83579a64c007002')
    const slot = new Uint8Array(32).fill(0)
    slot[31] = 1
    await sm.checkpoint() // block
    // A system call reads the slot's original value (EIP-2200 gas) and empties the queue count.
    expect(await sm.originalStorageCache.get(address, slot)).toEqual(Uint8Array.of(0x0f))
    await sm.putStorage(address, slot, new Uint8Array())
    await sm.commit()
    // Next block's first transaction: the slot's original value is now empty, not the previous block's 0x0f.
    await sm.checkpoint()
    expect(await sm.originalStorageCache.get(address, slot)).toEqual(new Uint8Array())
    await sm.commit()
    expect(await sm.getAccount(address)).toBeInstanceOf(Account)
  })
})

/** The blob gas schedule a Common applies to a block at `timestamp` (needs the block library's parameters). */
function blobScheduleAt(config: ChainConfig, timestamp: number) {
  const common = commonFromChainConfig(config, crypto)
  const header = createBlockHeader({ timestamp: BigInt(timestamp), number: 1n }, { common, setHardfork: true })
  return { schedule: header.common.getBlobGasSchedule(), hardfork: header.common.hardfork(), maxBlobsPerTx: header.common.param('maxBlobGasPerBlock') / 131072n }
}

describe('blob parameter only forks and blob schedules', () => {
  it('runs every BPO fork of the EEST networks, with EEST\'s blob parameters, by timestamp', () => {
    const expected: [string, number, number, number][] = [
      ['OsakaToBPO1AtTime15k', 10, 15, 8346193],
      ['BPO1ToBPO2AtTime15k', 14, 21, 11684671],
      ['BPO2ToBPO3AtTime15k', 21, 32, 20609697],
      ['BPO3ToBPO4AtTime15k', 14, 21, 13739630],
      ['BPO4ToBPO5AtTime15k', 14, 21, 13739630],
    ]
    for (const [network, target, max, fraction] of expected) {
      const config = chainConfigForNetwork(network)
      const after = blobScheduleAt(config, 15000)
      expect(after.hardfork).toBe(network.replace(/^\w+To(BPO\d)At.*$/, '$1').toLowerCase())
      expect(after.schedule).toEqual({ targetBlobGasPerBlock: BigInt(target * 131072), maxBlobGasPerBlock: BigInt(max * 131072), blobGasPriceUpdateFraction: BigInt(fraction) })
      expect(blobScheduleAt(config, 14999).hardfork).not.toBe(after.hardfork)
    }
    expect(blobScheduleAt(chainConfigForNetwork('BPO5'), 0).hardfork).toBe('bpo5')
  })

  it('takes a chain config\'s blobSchedule (geth/ethrex field names, or EEST\'s hex values) at the block\'s timestamp', () => {
    const config: ChainConfig = {
      ...chainConfigForNetwork('Osaka'),
      bpo1Time: 100,
      bpo3Time: 200,
      blobSchedule: { osaka: { target: 4, max: 8, baseFeeUpdateFraction: 4000000 }, BPO1: { target: '0x0c', max: '0x12', baseFeeUpdateFraction: '0x7a1200' }, bpo3: { target: 30, max: 48, baseFeeUpdateFraction: 9000000 } },
    }
    expect(blobScheduleAt(config, 50).schedule).toEqual({ targetBlobGasPerBlock: 4n * 131072n, maxBlobGasPerBlock: 8n * 131072n, blobGasPriceUpdateFraction: 4000000n })
    expect(blobScheduleAt(config, 150).schedule).toEqual({ targetBlobGasPerBlock: 12n * 131072n, maxBlobGasPerBlock: 18n * 131072n, blobGasPriceUpdateFraction: 8000000n })
    // BPO2 is not scheduled on its own: it activates with BPO3, whose parameters then apply.
    expect(blobScheduleAt(config, 250)).toMatchObject({ hardfork: 'bpo3', schedule: { targetBlobGasPerBlock: 30n * 131072n, maxBlobGasPerBlock: 48n * 131072n, blobGasPriceUpdateFraction: 9000000n } })
    // Prague keeps EIP-7691's values when the schedule leaves it out.
    expect(blobScheduleAt({ ...config, osakaTime: 10, pragueTime: 0 }, 5).schedule.maxBlobGasPerBlock).toBe(9n * 131072n)
  })

  it('names the missing or bad field instead of crashing', () => {
    const bpo3 = { ...chainConfigForNetwork('BPO2'), bpo3Time: 10 }
    expect(() => commonFromChainConfig(bpo3, crypto)).toThrow(WitnessInvalid)
    expect(() => commonFromChainConfig(bpo3, crypto)).toThrow(/blobSchedule\.bpo3: bpo3Time is scheduled/)
    const bad = { ...chainConfigForNetwork('Prague'), blobSchedule: { prague: { target: 6, max: 'nine', baseFeeUpdateFraction: 5007716 } } } as unknown as ChainConfig
    expect(() => commonFromChainConfig(bad, crypto)).toThrow(/chainConfig\.blobSchedule\.prague\.max/)
    expect(() => chainConfigForNetwork('BPO6')).toThrow(UnknownNetworkError)
    expect(() => chainConfigForNetwork('OsakaToBogotaAtTime15k')).toThrow(/unknown EF test network "OsakaToBogotaAtTime15k"/)
  })

  it('refuses blocks past a fork Tessera does not know, naming the config field', () => {
    // geth genesis config with a fork from the future: kept by the reader, refused by the guest once reached.
    const config = chainConfigFromJson({ chainId: 7, pragueTime: 0, osakaTime: 0, bogotaTime: '0x64', verkleTime: null }, 'genesis.json')
    expect(config).toMatchObject({ osakaTime: 0, bogotaTime: 100 })
    expect(() => checkForksKnown(config, [{ number: 5n, timestamp: 99n }])).not.toThrow()
    expect(() => checkForksKnown(config, [{ number: 5n, timestamp: 99n }, { number: 6n, timestamp: 100n }])).toThrow(WitnessInvalid)
    expect(() => checkForksKnown(config, [{ number: 6n, timestamp: 100n }])).toThrow(/chainConfig\.bogotaTime: fork "bogota" is not supported by Tessera; block 6/)
  })

  it('leaves the public networks on ethereumjs\'s built-in schedule', () => {
    const common = commonFromChainConfig({ chainId: 1, publicNetwork: 'mainnet' }, crypto)
    expect(common.hardforks().map((h) => h.name)).toEqual(new Common({ chain: Mainnet }).hardforks().map((h) => h.name))
  })
})

describe('Osaka block validity', () => {
  it('rejects a block whose RLP encoding exceeds 8 MiB (EIP-7934), from Osaka on only', async () => {
    const { createBlock } = await import('@ethereumjs/block')
    const { createLegacyTx } = await import('@ethereumjs/tx')
    const { L1_BLOCK_RUNNER } = await import('../guest/execute.js')
    const verdict = async (network: string) => {
      const common = commonFromChainConfig(chainConfigForNetwork(network), crypto)
      const tx = createLegacyTx({ to: createAddressFromString('0x' + '11'.repeat(20)), gasLimit: 1_000_000n, gasPrice: 10n, data: new Uint8Array(8 * 1024 * 1024) }, { common }).sign(new Uint8Array(32).fill(7))
      const block = createBlock({ header: { number: 1n, timestamp: 1n }, transactions: [tx] }, { common, setHardfork: true })
      expect(block.serialize().length).toBeGreaterThan(10_485_760 - 2_097_152)
      return L1_BLOCK_RUNNER.validateBody(block, undefined).then(() => 'accepted', (e: unknown) => e)
    }
    const osaka = await verdict('Osaka')
    expect(osaka).toBeInstanceOf(BlockInvalid)
    expect((osaka as BlockInvalid).check).toBe('block RLP size (EIP-7934)')
    // Before Osaka the size is no rule: this block fails only on its (made-up) transactions root.
    const prague = await verdict('Prague')
    expect(prague).toBeInstanceOf(BlockInvalid)
    expect((prague as BlockInvalid).check).not.toContain('EIP-7934')
  }, 60_000)
})
