import { Common, Mainnet, type HardforkConfig } from '@ethereumjs/common'
import { WitnessInvalid } from './errors.js'
import type { BlobScheduleEntry, ChainConfig } from './types.js'

/** Blob parameters of one fork (EIP-7840 `blobSchedule` entry). */
export interface BlobParams {
  target: number
  max: number
  baseFeeUpdateFraction: number
}

const GAS_PER_BLOB = 131072 // EIP-4844 GAS_PER_BLOB, 2^17

/** ethereumjs's own definition of each fork it knows (its `hardforksDict` is not exported; mainnet lists them all). */
const ETHEREUMJS_FORKS = new Map((new Common({ chain: Mainnet }) as unknown as { HARDFORK_CHANGES: [string, HardforkConfig][] }).HARDFORK_CHANGES)

/**
 * Built-in values for forks a chain config may leave out of its blob schedule: EIP-4844 (Cancun), EIP-7691
 * (Prague) and mainnet's BPO1 / BPO2 (EIP-7892 forks; the values ethrex and ethereumjs 10.1.3 default to,
 * lambdaclass/ethrex crates/common/types/genesis.rs `default_bpo1_schedule` / `default_bpo2_schedule`).
 * Osaka and every other non-BPO fork keep the previous fork's values. BPO3-BPO5 have no public values: a chain
 * that schedules one must give its parameters.
 */
const DEFAULTS: Record<string, BlobParams> = {
  cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
  prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
  bpo1: { target: 10, max: 15, baseFeeUpdateFraction: 8346193 },
  bpo2: { target: 14, max: 21, baseFeeUpdateFraction: 11684671 },
}

function count(v: unknown, field: string): number {
  const n = typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new WitnessInvalid(field, `expected a non-negative integer (number or 0x-hex string), got ${JSON.stringify(v)}`)
  }
  return n
}

/**
 * The config's blob schedule by ethereumjs fork name. Keys are taken in any case, so geth/ethrex (`cancun`,
 * `bpo1`) and EEST fixture configs (`Cancun`, `BPO1`) read alike; values as numbers or 0x-hex strings.
 */
export function parseBlobSchedule(config: ChainConfig, knownForks: string[]): Map<string, BlobParams> {
  const out = new Map<string, BlobParams>()
  const schedule = config.blobSchedule
  if (schedule === undefined || schedule === null) return out
  if (typeof schedule !== 'object' || Array.isArray(schedule)) throw new WitnessInvalid('chainConfig.blobSchedule', 'expected an object keyed by fork name')
  for (const [key, entry] of Object.entries(schedule as Record<string, BlobScheduleEntry>)) {
    const fork = knownForks.find((f) => f.toLowerCase() === key.toLowerCase())
    const field = `chainConfig.blobSchedule.${key}`
    // A fork Tessera does not run (e.g. geth's `verkle`) cannot be active, so its entry is never used; ethrex
    // writes an unset BPO3-BPO5 entry as null.
    if (fork === undefined || entry === null) continue
    if (typeof entry !== 'object') throw new WitnessInvalid(field, 'expected {target, max, baseFeeUpdateFraction}')
    const params = {
      target: count(entry.target, `${field}.target`),
      max: count(entry.max, `${field}.max`),
      baseFeeUpdateFraction: count(entry.baseFeeUpdateFraction, `${field}.baseFeeUpdateFraction`),
    }
    if (params.max < params.target || params.baseFeeUpdateFraction === 0) {
      throw new WitnessInvalid(field, `needs max >= target and a non-zero baseFeeUpdateFraction, got ${JSON.stringify(entry)}`)
    }
    out.set(fork, params)
  }
  return out
}

/**
 * ethereumjs `customHardforks` for the time-scheduled forks from Cancun on: each fork's EIPs as ethereumjs
 * defines them (none for a BPO fork: EIP-7892 forks change only blob parameters), plus the blob parameters in
 * force from that fork: the schedule's entry, else the built-in default, else the previous fork's. Every
 * blob rule (max blobs per block, excess blob gas, blob base fee, EIP-7918 reserve price) reads these through
 * Common at the block's timestamp. Also what lets BPO3-BPO5 run at all: ethereumjs 10.1.3 has no definition
 * for them.
 */
export function blobHardforks(timeForks: string[], schedule: Map<string, BlobParams>): Record<string, HardforkConfig> {
  const out: Record<string, HardforkConfig> = {}
  let current: BlobParams | undefined
  for (const fork of timeForks) {
    const own = schedule.get(fork) ?? DEFAULTS[fork]
    if (own === undefined && /^bpo\d$/.test(fork)) {
      throw new WitnessInvalid(`chainConfig.blobSchedule.${fork}`, `${fork}Time is scheduled but the blob schedule has no ${fork} entry (target, max, baseFeeUpdateFraction)`)
    }
    current = own ?? current
    if (current === undefined) continue // before Cancun: no blobs
    out[fork] = {
      ...ETHEREUMJS_FORKS.get(fork),
      eips: ETHEREUMJS_FORKS.get(fork)?.eips ?? [],
      params: {
        // Names ethereumjs reads: targetBlobGasPerBlock / maxBlobGasPerBlock before BPO1, target / max from it.
        target: current.target,
        max: current.max,
        targetBlobGasPerBlock: current.target * GAS_PER_BLOB,
        maxBlobGasPerBlock: current.max * GAS_PER_BLOB,
        blobGasPriceUpdateFraction: current.baseFeeUpdateFraction,
      },
    }
  }
  return out
}
