import { Holesky, Hoodi, Mainnet, Sepolia, type ChainConfig as EjsChainConfig } from '@ethereumjs/common'
import { publicNetworkName } from '../../../guest/chain.js'
import type { ChainConfig } from '../../../guest/types.js'
import { ProtocolError } from '../errors.js'
import { object } from '../fields.js'
import type { Json } from '../json.js'

/**
 * ethrex's `ChainConfig` JSON (lambdaclass/ethrex@004207cd06bcbf1548d4c0f8e101212c2a6898e2
 * crates/common/types/genesis.rs, `struct ChainConfig`, `#[serde(rename_all = "camelCase")]`): fork fields
 * `Option<u64>` written as number or null, `terminalTotalDifficulty: Option<u128>` as a bare number,
 * `daoForkSupport`/`terminalTotalDifficultyPassed` booleans, `blobSchedule`, and a required
 * `depositContractAddress` (0x-hex). Tessera's ChainConfig uses the same field names for forks.
 * Since ethrex #6230 (db2f42ae, 2026-02-27; as at e8f2e60d crates/common/types/genesis.rs:263 and
 * crates/common/serde_utils.rs `u128::hex_str_opt`) `terminalTotalDifficulty` is written as a "0x…" string and read
 * from either a number or such a string (an empty string is None).
 */

/** Fork fields in ethrex's declaration order, then the later forks newer ethrex revisions add. */
const FORK_FIELDS = [
  'homesteadBlock', 'daoForkBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock',
  'constantinopleBlock', 'petersburgBlock', 'istanbulBlock', 'muirGlacierBlock', 'berlinBlock', 'londonBlock',
  'arrowGlacierBlock', 'grayGlacierBlock', 'mergeNetsplitBlock', 'shanghaiTime', 'cancunTime', 'pragueTime',
  'osakaTime', 'bpo1Time', 'bpo2Time', 'bpo3Time', 'bpo4Time', 'bpo5Time',
] as const satisfies readonly (keyof ChainConfig)[]

const PUBLIC: Record<string, EjsChainConfig> = { mainnet: Mainnet, sepolia: Sepolia, holesky: Holesky, hoodi: Hoodi }

/** ethereumjs hardfork names -> the genesis-config field that schedules them. */
const EJS_FORK_FIELD: Record<string, keyof ChainConfig> = {
  homestead: 'homesteadBlock', dao: 'daoForkBlock', tangerineWhistle: 'eip150Block', spuriousDragon: 'eip158Block',
  byzantium: 'byzantiumBlock', constantinople: 'constantinopleBlock', petersburg: 'petersburgBlock',
  istanbul: 'istanbulBlock', muirGlacier: 'muirGlacierBlock', berlin: 'berlinBlock', london: 'londonBlock',
  arrowGlacier: 'arrowGlacierBlock', grayGlacier: 'grayGlacierBlock', paris: 'mergeNetsplitBlock',
  shanghai: 'shanghaiTime', cancun: 'cancunTime', prague: 'pragueTime', osaka: 'osakaTime',
  bpo1: 'bpo1Time', bpo2: 'bpo2Time', bpo3: 'bpo3Time', bpo4: 'bpo4Time', bpo5: 'bpo5Time',
}

function forkNumber(v: Json | undefined, field: string): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ProtocolError('malformed', 'expected a non-negative integer or null', field)
  return v
}

/**
 * ethrex ChainConfig JSON -> Tessera's. A public network's chain id selects Tessera's built-in schedule for
 * it (what ethrex does for its named networks too); any other chain keeps the fork fields it lists.
 */
export function chainConfigFromEthrex(json: Json | undefined, field: string): ChainConfig {
  const c = object(json, field)
  const chainId = forkNumber(c.chainId, `${field}.chainId`)
  if (chainId === undefined || chainId === 0) throw new ProtocolError('malformed', 'expected a positive chain id', `${field}.chainId`)
  const publicNetwork = publicNetworkName(chainId)
  if (publicNetwork !== undefined) return { chainId, publicNetwork }
  const out: ChainConfig = { chainId }
  for (const name of FORK_FIELDS) {
    const n = forkNumber(c[name], `${field}.${name}`)
    if (n !== undefined) (out as unknown as Record<string, number>)[name] = n
  }
  const ttd = c.terminalTotalDifficulty
  if (ttd !== undefined && ttd !== null) {
    if (typeof ttd === 'bigint' && ttd >= 0n) out.terminalTotalDifficulty = ttd.toString()
    else if (typeof ttd === 'number' && Number.isSafeInteger(ttd) && ttd >= 0) out.terminalTotalDifficulty = ttd
    else if (typeof ttd === 'string' && /^(0x)?[0-9a-fA-F]{1,32}$/.test(ttd)) out.terminalTotalDifficulty = BigInt(`0x${ttd.replace(/^0x/, '')}`).toString()
    else if (ttd !== '') throw new ProtocolError('malformed', 'expected a non-negative integer, a 0x-hex u128 or null', `${field}.terminalTotalDifficulty`)
  }
  // ethrex requires the field and writes the zero address when a chain has none; Tessera leaves it out then.
  const deposit = c.depositContractAddress
  if (typeof deposit === 'string' && !/^0x0{40}$/.test(deposit)) out.depositContractAddress = deposit
  // ethrex `BlobSchedule` {cancun, prague, osaka, bpo1…bpo5} of `ForkBlobSchedule` {baseFeeUpdateFraction, max,
  // target} (same file); the guest reads the three numbers per fork and ignores ethrex's other fields.
  // A fork Tessera does not know (e.g. `amsterdamTime`) is kept, so the guest can refuse blocks past it by name.
  for (const [key, v] of Object.entries(c)) {
    if (/^[a-z][A-Za-z0-9]*Time$/.test(key) && !(FORK_FIELDS as readonly string[]).includes(key) && v !== null && v !== undefined) {
      ;(out as unknown as Record<string, number>)[key] = forkNumber(v, `${field}.${key}`)!
    }
  }
  const blobSchedule = c.blobSchedule
  if (typeof blobSchedule === 'object' && blobSchedule !== null && !Array.isArray(blobSchedule)) out.blobSchedule = blobSchedule as unknown as ChainConfig['blobSchedule']
  return out
}

/**
 * Tessera's ChainConfig as ethrex deserialises it (a public network expanded to its fork schedule). `ttdAsHex`:
 * write terminalTotalDifficulty as ethrex has since #6230 ("0x…"), for peers of the nested-witness era.
 */
export function chainConfigToEthrex(config: ChainConfig, ttdAsHex = false): { [key: string]: Json } {
  const forks: Partial<Record<keyof ChainConfig, number>> = {}
  let ttd: number | bigint | null = null
  let deposit = config.depositContractAddress ?? '0x0000000000000000000000000000000000000000'
  const publicChain = config.publicNetwork === undefined ? undefined : PUBLIC[config.publicNetwork.toLowerCase()]
  if (config.publicNetwork !== undefined && publicChain === undefined) {
    throw new ProtocolError('malformed', `unknown public network "${config.publicNetwork}"`, 'chainConfig.publicNetwork')
  }
  if (publicChain !== undefined) {
    for (const hf of publicChain.hardforks) {
      const fieldName = EJS_FORK_FIELD[hf.name]
      if (fieldName === undefined) continue
      const at = hf.timestamp !== undefined && hf.timestamp !== null ? Number(hf.timestamp) : hf.block
      if (at !== null && at !== undefined) forks[fieldName] = at
      const hfTtd = (hf as { ttd?: bigint | string | number }).ttd
      if (hf.name === 'paris' && hfTtd !== undefined && hfTtd !== null) ttd = BigInt(hfTtd)
    }
    if (ttd === null) ttd = 0
    if (publicChain.depositContractAddress) deposit = publicChain.depositContractAddress
  } else {
    for (const name of FORK_FIELDS) {
      const v = config[name]
      if (v !== undefined && v !== null) forks[name] = Number(v)
    }
    if (config.terminalTotalDifficulty !== undefined && config.terminalTotalDifficulty !== null) {
      ttd = BigInt(config.terminalTotalDifficulty)
      if (ttd <= BigInt(Number.MAX_SAFE_INTEGER)) ttd = Number(ttd)
    }
  }
  const merged = ttd !== null || forks.mergeNetsplitBlock !== undefined || forks.shanghaiTime !== undefined
  const out: { [key: string]: Json } = { chainId: config.chainId }
  for (const name of FORK_FIELDS) {
    // Forks after Prague only when scheduled: ethrex revisions that predate them would not miss them, and
    // later ones default an absent Option to None.
    if (forks[name] === undefined && FORK_FIELDS.indexOf(name) > FORK_FIELDS.indexOf('pragueTime')) continue
    out[name] = forks[name] ?? null
    if (name === 'daoForkBlock') out.daoForkSupport = forks.daoForkBlock !== undefined
  }
  out.terminalTotalDifficulty = ttd !== null && ttdAsHex ? `0x${ttd.toString(16)}` : ttd
  out.terminalTotalDifficultyPassed = merged
  out.depositContractAddress = deposit.toLowerCase()
  // Only a schedule the config carries: ethrex fills the forks left out with its defaults (the EIP values).
  if (config.blobSchedule !== undefined && config.blobSchedule !== null) {
    const schedule: { [key: string]: Json } = {}
    for (const [fork, e] of Object.entries(config.blobSchedule)) {
      if (e !== null) schedule[fork.toLowerCase()] = { target: Number(e.target), max: Number(e.max), baseFeeUpdateFraction: Number(e.baseFeeUpdateFraction) }
    }
    out.blobSchedule = schedule
  }
  return out
}
