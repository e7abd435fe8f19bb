import type { ChainConfig } from '../../guest/types.js'

/** EF test network names, in fork order, with the ChainConfig fields that activate each at genesis. */
const FORKS: [string, (keyof ChainConfig)[]][] = [
  ['Frontier', []],
  ['Homestead', ['homesteadBlock']],
  ['EIP150', ['eip150Block']],
  ['EIP158', ['eip155Block', 'eip158Block']],
  ['Byzantium', ['byzantiumBlock']],
  ['Constantinople', ['constantinopleBlock']],
  ['ConstantinopleFix', ['petersburgBlock']],
  ['Istanbul', ['istanbulBlock']],
  ['MuirGlacier', ['muirGlacierBlock']],
  ['Berlin', ['berlinBlock']],
  ['London', ['londonBlock']],
  ['ArrowGlacier', ['arrowGlacierBlock']],
  ['GrayGlacier', ['grayGlacierBlock']],
  ['Paris', ['mergeNetsplitBlock']],
  ['Shanghai', ['shanghaiTime']],
  ['Cancun', ['cancunTime']],
  ['Prague', ['pragueTime']],
  ['Osaka', ['osakaTime']],
  ['BPO1', ['bpo1Time']],
  ['BPO2', ['bpo2Time']],
  ['BPO3', ['bpo3Time']],
  ['BPO4', ['bpo4Time']],
  ['BPO5', ['bpo5Time']],
  ['Amsterdam', ['amsterdamTime']],
]

/**
 * Blob parameters of EEST's test-only forks BPO3-BPO5, which no public chain defines (BPO1/BPO2 are mainnet's,
 * built into the guest). From execution-specs packages/testing/src/execution_testing/forks/forks/forks.py
 * (`class BPO3` … `class BPO5`, BPO5 inherits BPO4's values), as written into fixtures' `config.blobSchedule`
 * (erigontech/eest-fixtures@ec66995f, blockchain_tests_devnet/for_bpo*). A fixture's own schedule wins.
 */
const EEST_TEST_BPO_FORKS: NonNullable<ChainConfig['blobSchedule']> = {
  bpo3: { target: 21, max: 32, baseFeeUpdateFraction: 20609697 },
  bpo4: { target: 14, max: 21, baseFeeUpdateFraction: 13739630 },
  bpo5: { target: 14, max: 21, baseFeeUpdateFraction: 13739630 },
}

const ALIASES: Record<string, string> = { Merge: 'Paris', Petersburg: 'ConstantinopleFix', TangerineWhistle: 'EIP150', SpuriousDragon: 'EIP158' }

export class UnknownNetworkError extends Error {
  constructor(network: string) {
    super(`unknown EF test network "${network}"`)
    this.name = 'UnknownNetworkError'
  }
}

function forkIndex(name: string, network: string): number {
  const i = FORKS.findIndex(([n]) => n === (ALIASES[name] ?? name))
  if (i < 0) throw new UnknownNetworkError(network)
  return i
}

/**
 * ChainConfig for an EF network name: "Cancun" (every fork up to Cancun at genesis), or a transition such as
 * "ShanghaiToCancunAtTime15k" / "BerlinToLondonAt5" / "HomesteadToDaoAt5". EF tests use chain id 1.
 */
export function chainConfigForNetwork(network: string): ChainConfig {
  const config: ChainConfig = { chainId: 1 }
  const m = /^(\w+?)To(\w+?)At(Time)?(\d+)(k?)$/.exec(network)
  const [base, next, at] = m ? [m[1], m[2], Number(m[4]) * (m[5] ? 1000 : 1)] : [network, undefined, 0]
  const last = forkIndex(base, network)
  for (let i = 1; i <= last; i++) for (const f of FORKS[i][1]) (config as unknown as Record<string, number>)[f] = 0
  if (next === 'Dao') {
    config.daoForkBlock = at
  } else if (next !== undefined) {
    const n = forkIndex(next, network)
    for (let i = last + 1; i <= n; i++) for (const f of FORKS[i][1]) (config as unknown as Record<string, number>)[f] = at
  }
  // Post-merge networks in EF tests start with terminal total difficulty 0.
  if (config.mergeNetsplitBlock !== undefined) config.terminalTotalDifficulty = 0
  if (config.bpo3Time !== undefined) config.blobSchedule = EEST_TEST_BPO_FORKS
  return config
}

/**
 * An EEST fixture's `config.blobSchedule` names the forks of its chain that carry blob parameters: a BPO fork
 * it does not list is not part of that chain (e.g. the EIP-8025 vectors' Amsterdam follows BPO2 directly).
 */
export function dropUnlistedBpoForks(config: ChainConfig, blobSchedule: Record<string, unknown> | undefined): ChainConfig {
  if (blobSchedule === undefined) return config
  for (const n of [1, 2, 3, 4, 5]) if (!(`BPO${n}` in blobSchedule)) delete (config as unknown as Record<string, unknown>)[`bpo${n}Time`]
  return config
}
