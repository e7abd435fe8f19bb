import { Holesky, Hoodi, Mainnet, Sepolia, type ChainConfig as EjsChainConfig } from '@ethereumjs/common'
import { publicNetworkChainId, publicNetworkName } from '../../../guest/chain.js'
import type { ChainConfig } from '../../../guest/types.js'
import { UnknownChain } from './errors.js'
import { isObject, pick, quantity, type Json } from './json.js'
import type { ChainSource } from './types.js'

const FORK_FIELDS = [
  'homesteadBlock', 'daoForkBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock', 'constantinopleBlock',
  'petersburgBlock', 'istanbulBlock', 'muirGlacierBlock', 'berlinBlock', 'londonBlock', 'arrowGlacierBlock',
  'grayGlacierBlock', 'mergeNetsplitBlock', 'shanghaiTime', 'cancunTime', 'pragueTime', 'osakaTime', 'bpo1Time',
  'bpo2Time', 'bpo3Time', 'bpo4Time', 'bpo5Time',
] as const

/** A geth/ethrex genesis `config` (or its fields flattened into a cache file) as Tessera's ChainConfig. */
export function chainConfigFromJson(o: Json, where: string): ChainConfig {
  const id = pick(o, 'chainId')
  if (id === undefined) throw new UnknownChain(where, 'chainId', 'missing in the chain config')
  const chainId = Number(quantity(id, `${where}.chainId`))
  const config: ChainConfig = { chainId }
  const set = config as unknown as Record<string, unknown>
  for (const f of FORK_FIELDS) {
    const v = pick(o, f)
    if (v !== undefined) set[f] = Number(quantity(v, `${where}.${f}`))
  }
  const ttd = pick(o, 'terminalTotalDifficulty')
  // JSON numbers lose precision above 2^53 (mainnet's TTD is 5.875e22); Tessera only needs "zero or not".
  if (ttd !== undefined) config.terminalTotalDifficulty = typeof ttd === 'number' ? (ttd === 0 ? 0 : BigInt(Math.round(ttd)).toString()) : String(quantity(ttd, `${where}.terminalTotalDifficulty`))
  const deposit = pick(o, 'depositContractAddress')
  if (typeof deposit === 'string') config.depositContractAddress = deposit
  // geth params/config.go `BlobScheduleConfig` (json "blobSchedule": {"cancun": {"target","max","baseFeeUpdateFraction"}, …,
  // "bpo1"…"bpo5"}); the guest checks its entries and names a bad one.
  // A fork Tessera does not know (e.g. `amsterdamTime`) is kept, so the guest can refuse blocks past it by name.
  for (const [key, v] of Object.entries(o)) {
    if (/^[a-z][A-Za-z0-9]*Time$/.test(key) && !(key in set) && (typeof v === 'number' || typeof v === 'string')) set[key] = Number(quantity(v, `${where}.${key}`))
  }
  const blobSchedule = pick(o, 'blobSchedule')
  if (blobSchedule !== undefined && blobSchedule !== null) config.blobSchedule = blobSchedule as ChainConfig['blobSchedule']
  return config
}

/** Public network by name (any case); unknown names are a chain error naming the field, not a witness error. */
export function publicChain(name: unknown, file: string, field: string): ChainSource {
  if (typeof name !== 'string' || publicNetworkChainId(name) === undefined) {
    throw new UnknownChain(file, field, `unknown network ${JSON.stringify(name)}`, 'public networks: Mainnet, Sepolia, Holesky, Hoodi; for other chains pass --chain-config FILE')
  }
  return { kind: 'public', name: name.toLowerCase(), where: `${file}: ${field}` }
}

const PUBLIC_CHAINS: Record<string, EjsChainConfig> = { mainnet: Mainnet, sepolia: Sepolia, holesky: Holesky, hoodi: Hoodi }
const FIELD_FORK: Record<string, string> = {
  homesteadBlock: 'homestead', eip150Block: 'tangerineWhistle', eip158Block: 'spuriousDragon', byzantiumBlock: 'byzantium',
  constantinopleBlock: 'constantinople', petersburgBlock: 'petersburg', istanbulBlock: 'istanbul', berlinBlock: 'berlin',
  londonBlock: 'london', shanghaiTime: 'shanghai', cancunTime: 'cancun', pragueTime: 'prague', osakaTime: 'osaka',
}

/** Does every fork the config schedules sit where the public network has it? */
function matchesPublicSchedule(config: ChainConfig, chain: EjsChainConfig): boolean {
  const set = config as unknown as Record<string, number | undefined>
  for (const [field, fork] of Object.entries(FIELD_FORK)) {
    const v = set[field]
    if (v === undefined) continue
    const hf = chain.hardforks.find((h) => h.name === fork)
    if (hf === undefined) return false
    const at = field.endsWith('Time') ? hf.timestamp : hf.block
    if (at === undefined || at === null || Number(at) !== v) return false
  }
  return true
}

/**
 * Chain source of a config: when its chain id is a public network's and its fork schedule agrees with that
 * network's, the built-in schedule is used (producers' copies of mainnet configs omit the Merge block, which
 * Tessera needs). A config that reuses a public chain id with another schedule (EF tests: chain 1, every fork
 * at genesis) stays a custom config.
 */
export function chainFromConfig(o: Json, file: string, field: string): ChainSource {
  const config = chainConfigFromJson(o, `${file}: ${field}`)
  const name = publicNetworkName(config.chainId)
  if (name !== undefined && matchesPublicSchedule(config, PUBLIC_CHAINS[name])) return { kind: 'public', name, where: `${file}: ${field}` }
  return { kind: 'config', config, where: `${file}: ${field}` }
}

/** Parse `--network NAME` / `--chain-config FILE` contents into a chain source. */
export function chainFromFlag(network: string | undefined, configJson: unknown, file = '--chain-config'): ChainSource | undefined {
  if (configJson !== undefined) {
    const o = isObject(configJson) && isObject(configJson.config) ? configJson.config : configJson
    if (!isObject(o)) throw new UnknownChain(file, 'config', 'expected a JSON object (geth genesis or its config)')
    return { kind: 'config', config: chainConfigFromJson(o, file), where: file }
  }
  if (network !== undefined) return publicChain(network, '--network', 'value')
  return undefined
}

/** The chain config to run with, or a clear error saying what is missing. */
export function resolveChain(chain: ChainSource, file: string, override?: ChainSource): ChainConfig {
  const c = override ?? chain
  switch (c.kind) {
    case 'config':
      return c.config
    case 'public':
      return { chainId: publicNetworkChainId(c.name)!, publicNetwork: c.name }
    case 'chain-id': {
      const name = publicNetworkName(c.chainId)
      if (name !== undefined) return { chainId: c.chainId, publicNetwork: name }
      throw new UnknownChain(file, 'chain config', `chain id ${c.chainId} (from ${c.where}) is not a public network and the input carries no chain config (devnet chain config not given)`, 'pass the chain\'s genesis (or its config) with --chain-config FILE')
    }
    case 'unknown':
      throw new UnknownChain(file, 'chain config', 'the input names no network, no chain config and no chain id (no signed transactions to read one from)', 'pass --network NAME or --chain-config FILE')
  }
}
