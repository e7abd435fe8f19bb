/** `tessera/prover`: the prover client, its worker pool and backends, per-device metrics and health. */
export { Prover, type ProverOptions, type ProverSummary, type ProverExitReason } from './prover.js'
export { createProvePool, type ProveRunner } from './pool.js'
export { createProverMetrics, serveProverHttp, proverHealth, type ProverMetrics, type ProverHealth } from './metrics.js'
export { loadBackend, BackendUnavailable, BACKEND_NAMES, type ProverBackend, type ProveResult } from '../backend/index.js'
