import { ecrecoverSuite } from './suites/ecrecover.js'
import { guestSuite } from './suites/guest.js'
import { hostileSuite } from './suites/hostile.js'
import { keccakSuite } from './suites/keccak.js'
import { replaySuite } from './suites/replay.js'
import type { BenchSuite } from './types.js'

/** Every suite `tessera bench` knows, in run order. Add a suite here. */
export const SUITES: BenchSuite[] = [keccakSuite, ecrecoverSuite, guestSuite, replaySuite, hostileSuite]

export type { BenchOptions, BenchSuite, Measurement, Ratio, SuiteResult } from './types.js'
