import { Common, Holesky, Hoodi, Mainnet, Sepolia, type ChainConfig as EjsChainConfig, type CustomCrypto } from '@ethereumjs/common'
import { AMSTERDAM_EIPS, AMSTERDAM_PARAMS } from './amsterdam.js'
import { blobHardforks, parseBlobSchedule } from './blobSchedule.js'
import { BlockScopedCommon } from './common.js'
import { WitnessInvalid } from './errors.js'
import type { ChainConfig } from './types.js'

const PUBLIC_NETWORKS: Record<string, EjsChainConfig> = {
  mainnet: Mainnet,
  sepolia: Sepolia,
  holesky: Holesky,
  hoodi: Hoodi,
}

/** Name of the public network with this chain id, if any. */
export function publicNetworkName(chainId: number): string | undefined {
  return Object.keys(PUBLIC_NETWORKS).find((name) => Number(PUBLIC_NETWORKS[name].chainId) === chainId)
}

/** Chain id of a public network by (case-insensitive) name, if Tessera knows it. */
export function publicNetworkChainId(name: string): number | undefined {
  const chain = PUBLIC_NETWORKS[name.toLowerCase()]
  return chain === undefined ? undefined : Number(chain.chainId)
}

/** Block-scheduled forks in order, with the genesis-config field that schedules each. */
const BLOCK_FORKS: [string, keyof ChainConfig | null][] = [
  ['chainstart', null],
  ['homestead', 'homesteadBlock'],
  ['dao', 'daoForkBlock'],
  ['tangerineWhistle', 'eip150Block'],
  ['spuriousDragon', 'eip158Block'],
  ['byzantium', 'byzantiumBlock'],
  ['constantinople', 'constantinopleBlock'],
  ['petersburg', 'petersburgBlock'],
  ['istanbul', 'istanbulBlock'],
  ['muirGlacier', 'muirGlacierBlock'],
  ['berlin', 'berlinBlock'],
  ['london', 'londonBlock'],
  ['arrowGlacier', 'arrowGlacierBlock'],
  ['grayGlacier', 'grayGlacierBlock'],
  ['paris', 'mergeNetsplitBlock'],
]

const TIME_FORKS: [string, keyof ChainConfig][] = [
  ['shanghai', 'shanghaiTime'],
  ['cancun', 'cancunTime'],
  ['prague', 'pragueTime'],
  ['osaka', 'osakaTime'],
  ['bpo1', 'bpo1Time'],
  ['bpo2', 'bpo2Time'],
  ['bpo3', 'bpo3Time'],
  ['bpo4', 'bpo4Time'],
  ['bpo5', 'bpo5Time'],
  ['amsterdam', 'amsterdamTime'],
]

/** Every config field Tessera reads as a fork activation (geth/ethrex names). */
const KNOWN_FORK_FIELDS = new Set<string>(['eip155Block', ...BLOCK_FORKS.map(([, f]) => f ?? ''), ...TIME_FORKS.map(([, f]) => f)])

/**
 * A fork Tessera does not know (say `amsterdamTime` or geth's `verkleTime`) that the config schedules at or
 * before one of the blocks: executing that block with an older fork's rules would prove something false, so
 * the run stops with the field named. Unknown forks scheduled after the batch are harmless. Only timestamp
 * fields are taken as forks: every fork since the Merge is scheduled by time, while `…Block` names have
 * client-specific aliases (`mergeForkBlock`, `mergeNetSplitBlock`).
 */
export function checkForksKnown(config: ChainConfig, headers: { number: bigint; timestamp: bigint }[]): void {
  for (const [field, value] of Object.entries(config)) {
    const m = /^([a-z][A-Za-z0-9]*?)(Time)$/.exec(field)
    if (m === null || KNOWN_FORK_FIELDS.has(field) || value === null || value === undefined) continue
    const at = typeof value === 'number' || (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) ? BigInt(value) : undefined
    if (at === undefined) continue
    const reached = headers.find((h) => (m[2] === 'Time' ? h.timestamp : h.number) >= at)
    if (reached !== undefined) {
      throw new WitnessInvalid(`chainConfig.${field}`, `fork "${m[1]}" is not supported by Tessera; block ${reached.number} (timestamp ${reached.timestamp}) is past its activation at ${at}`)
    }
  }
}

/**
 * A chain with every fork up to and including `lastFork` (ethereumjs name, e.g. 'cancun') active from
 * genesis: what devnets and test nodes run. The DAO fork is never included.
 */
export function genesisChainConfig(chainId: number, lastFork: string): ChainConfig {
  const config: ChainConfig = { chainId }
  const set = config as unknown as Record<string, number>
  for (const [name, field] of [...BLOCK_FORKS, ...TIME_FORKS]) {
    if (field !== null && name !== 'dao') set[field] = 0
    if (name === 'paris') config.terminalTotalDifficulty = 0
    if (name === lastFork) return config
  }
  throw new WitnessInvalid('fork', `unknown fork "${lastFork}"`)
}

function num(config: ChainConfig, field: keyof ChainConfig): number | undefined {
  const v = config[field]
  if (v === undefined || v === null) return undefined
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new WitnessInvalid(`chainConfig.${field}`, `expected a non-negative integer, got ${JSON.stringify(v)}`)
  }
  return n
}

/**
 * Hardfork list for @ethereumjs/common. A fork left out but followed by a scheduled one is taken to activate
 * with that later fork: ethereumjs derives each fork's EIPs by walking the list, so a gap would drop EIPs.
 * The DAO fork is only listed when scheduled (it moves balances).
 */
export function hardforksFromChainConfig(config: ChainConfig): { name: string; block: number | null; timestamp?: number }[] {
  const blockForks: { name: string; block: number | null; timestamp?: number }[] = []
  const ttdZero = config.terminalTotalDifficulty !== undefined && BigInt(config.terminalTotalDifficulty) === 0n
  const scheduled = BLOCK_FORKS.map(([name, field]) => {
    if (field === null) return 0
    if (name === 'paris' && ttdZero && config.mergeNetsplitBlock === undefined) return 0
    return num(config, field)
  })
  const anyTimeFork = TIME_FORKS.some(([, f]) => num(config, f) !== undefined)
  // A time fork needs the Merge: treat Paris as at genesis when only timestamps are given.
  if (anyTimeFork && scheduled[scheduled.length - 1] === undefined) scheduled[scheduled.length - 1] = 0
  for (let i = 0; i < BLOCK_FORKS.length; i++) {
    const name = BLOCK_FORKS[i][0]
    let block = scheduled[i]
    if (name === 'dao') {
      if (block !== undefined) blockForks.push({ name, block })
      continue
    }
    if (block === undefined) {
      const later = scheduled.slice(i + 1).find((b, j) => b !== undefined && BLOCK_FORKS[i + 1 + j][0] !== 'dao')
      if (later === undefined) break
      block = later
    }
    blockForks.push({ name, block })
  }
  const timeScheduled = TIME_FORKS.map(([, f]) => num(config, f))
  for (let i = 0; i < TIME_FORKS.length; i++) {
    let ts = timeScheduled[i]
    // BPO forks only change blob parameters (no EIPs): one not scheduled has nothing a later fork needs.
    if (ts === undefined && /^bpo\d$/.test(TIME_FORKS[i][0])) continue
    if (ts === undefined) {
      ts = timeScheduled.slice(i + 1).find((t) => t !== undefined)
      if (ts === undefined) break
    }
    blockForks.push({ name: TIME_FORKS[i][0], block: null, timestamp: ts })
  }
  return blockForks
}

/**
 * Common for a chain config: a public network's built-in schedule, or a custom chain based on mainnet.
 * `blockScoped`: the guest's BlockScopedCommon (O(1) EIP and parameter lookups, same answers).
 */
export function commonFromChainConfig(config: ChainConfig, customCrypto: CustomCrypto, opts: { blockScoped?: boolean } = {}): Common {
  const CommonClass = opts.blockScoped ? BlockScopedCommon : Common
  if (typeof config !== 'object' || config === null) throw new WitnessInvalid('chainConfig', 'expected an object')
  const chainId = num(config, 'chainId')
  if (chainId === undefined) throw new WitnessInvalid('chainConfig.chainId', 'missing')
  const publicName = config.publicNetwork?.toLowerCase()
  if (publicName !== undefined) {
    const chain = PUBLIC_NETWORKS[publicName]
    if (chain === undefined) throw new WitnessInvalid('chainConfig.publicNetwork', `unknown network "${config.publicNetwork}"`)
    if (chain.chainId !== chainId) {
      throw new WitnessInvalid('chainConfig.chainId', `${chainId} does not match ${publicName} (${chain.chainId})`)
    }
    return new CommonClass({ chain, customCrypto })
  }
  const hardforks = hardforksFromChainConfig(config)
  const last = hardforks[hardforks.length - 1]
  const timeForks = hardforks.filter((h) => h.timestamp !== undefined).map((h) => h.name)
  const customHardforks = blobHardforks(timeForks, parseBlobSchedule(config, TIME_FORKS.map(([name]) => name)))
  // Amsterdam as the EIP-8025 vectors define it (guest/amsterdam.ts), keeping the blob parameters in force.
  customHardforks.amsterdam = { ...customHardforks.amsterdam, eips: AMSTERDAM_EIPS, params: { ...customHardforks.amsterdam?.params, ...AMSTERDAM_PARAMS } }
  return new CommonClass({
    chain: {
      ...Mainnet,
      name: publicNetworkName(chainId) ? `custom-${chainId}` : 'custom',
      chainId,
      hardforks,
      customHardforks,
      depositContractAddress: (config.depositContractAddress ?? Mainnet.depositContractAddress) as `0x${string}`,
    } as EjsChainConfig,
    hardfork: last.name,
    customCrypto,
  })
}
