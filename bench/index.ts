import { ecrecoverSuite } from './suites/ecrecover.js'
import { keccakSuite } from './suites/keccak.js'
import type { BenchSuite } from './types.js'

/** Every suite `tessera bench` knows, in run order. Add a suite here (e.g. guest execution Mgas/s). */
export const SUITES: BenchSuite[] = [keccakSuite, ecrecoverSuite]

export type { BenchOptions, BenchSuite, Measurement, Ratio, SuiteResult } from './types.js'
