import { createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common, CustomCrypto } from '@ethereumjs/common'
import { Address, KECCAK256_RLP, KECCAK256_RLP_ARRAY, bigIntToBytes, setLengthLeft } from '@ethereumjs/util'
import { sha256 } from '@noble/hashes/sha2.js'
import { commonFromChainConfig } from '../../guest/chain.js'
import { WitnessInvalid } from '../../guest/errors.js'
import type { ChainConfig } from '../../guest/types.js'
import { buildStateFromAlloc, type Alloc } from '../witness/genesis.js'
import { parseHex } from '../witness/hex.js'

/** A geth-style genesis file as ethrex reads it (crates/common/types/genesis.rs @ 6fbd93b5). */
export interface GenesisFile {
  config: ChainConfig & Record<string, unknown>
  alloc: Alloc
  nonce?: string
  timestamp?: string | number
  extraData?: string
  gasLimit?: string | number
  difficulty?: string | number
  mixHash?: string
  coinbase?: string
  baseFeePerGas?: string | number
  blobGasUsed?: string | number
  excessBlobGas?: string | number
  requestsHash?: string
}

/** ethrex INITIAL_BASE_FEE: the genesis base fee when London is active at genesis and the file gives none. */
const INITIAL_BASE_FEE = 1_000_000_000n

export class GenesisInvalid extends WitnessInvalid {}

function quantity(v: string | number | undefined, field: string): bigint {
  if (v === undefined || v === '') return 0n
  if (typeof v === 'number') return BigInt(v)
  // ethrex's genesis deserializer accepts hex or decimal strings.
  if (/^0x[0-9a-fA-F]*$/.test(v)) return v === '0x' ? 0n : BigInt(v)
  if (/^[0-9]+$/.test(v)) return BigInt(v)
  throw new GenesisInvalid(`genesis.${field}`, `not a number: ${JSON.stringify(v)}`)
}

function activeAt(config: ChainConfig, field: keyof ChainConfig, timestamp: bigint): boolean {
  const v = config[field]
  return v !== undefined && v !== null && BigInt(v as number) <= timestamp
}

export interface L2Genesis {
  chainConfig: ChainConfig
  common: Common
  header: BlockHeader
  /** Every trie node and code of the genesis state, keyed like NodeStore. */
  state: Map<string, Uint8Array>
}

/**
 * Genesis header and state as ethrex's Genesis::get_block builds them: base fee INITIAL_BASE_FEE when London
 * is at genesis, empty withdrawals root from Shanghai, zero blob gas and beacon root from Cancun, the empty
 * requests hash (sha256 of nothing) from Prague. Block 1 of the L2 names this header's hash as its parent.
 */
export async function buildL2Genesis(json: unknown, crypto: CustomCrypto): Promise<L2Genesis> {
  const g = json as GenesisFile
  if (typeof g !== 'object' || g === null || typeof g.config !== 'object' || g.config === null) throw new GenesisInvalid('genesis', 'expected an object with config and alloc')
  if (typeof g.alloc !== 'object' || g.alloc === null) throw new GenesisInvalid('genesis.alloc', 'missing')
  const chainConfig = g.config as ChainConfig
  const common = commonFromChainConfig(chainConfig, crypto)
  const timestamp = quantity(g.timestamp, 'timestamp')
  common.setHardforkBy({ blockNumber: 0n, timestamp })
  const { nodes, stateRoot } = await buildStateFromAlloc(g.alloc, common)
  const cancun = activeAt(chainConfig, 'cancunTime', timestamp)
  const header = createBlockHeader(
    {
      parentHash: new Uint8Array(32),
      uncleHash: KECCAK256_RLP_ARRAY,
      coinbase: new Address(setLengthLeft(parseHex(g.coinbase ?? '0x', 'genesis.coinbase'), 20)),
      stateRoot,
      transactionsTrie: KECCAK256_RLP,
      receiptTrie: KECCAK256_RLP,
      difficulty: quantity(g.difficulty, 'difficulty'),
      number: 0n,
      gasLimit: quantity(g.gasLimit, 'gasLimit'),
      gasUsed: 0n,
      timestamp,
      extraData: parseHex(g.extraData ?? '0x', 'genesis.extraData'),
      mixHash: setLengthLeft(parseHex(g.mixHash ?? '0x', 'genesis.mixHash'), 32),
      nonce: setLengthLeft(bigIntToBytes(quantity(g.nonce, 'nonce')), 8),
      baseFeePerGas: common.isActivatedEIP(1559) ? (g.baseFeePerGas !== undefined ? quantity(g.baseFeePerGas, 'baseFeePerGas') : INITIAL_BASE_FEE) : undefined,
      withdrawalsRoot: activeAt(chainConfig, 'shanghaiTime', timestamp) ? KECCAK256_RLP : undefined,
      blobGasUsed: cancun ? quantity(g.blobGasUsed, 'blobGasUsed') : undefined,
      excessBlobGas: cancun ? quantity(g.excessBlobGas, 'excessBlobGas') : undefined,
      parentBeaconBlockRoot: cancun ? new Uint8Array(32) : undefined,
      requestsHash: activeAt(chainConfig, 'pragueTime', timestamp)
        ? g.requestsHash !== undefined ? parseHex(g.requestsHash, 'genesis.requestsHash') : sha256(new Uint8Array())
        : undefined,
    },
    { common, setHardfork: true, skipConsensusFormatValidation: true },
  )
  return { chainConfig, common, header, state: nodes }
}
