/** `tessera/coordinator`: the proof coordinator (ethrex's TCP protocol), its SQLite store, sources, metrics and status page. */
export { Coordinator, type CoordinatorOptions, type ProofVerifiers } from './coordinator.js'
export { CoordinatorStore, StoreRefused, type StoredBatch, type StoredProof, type BatchCounts } from './store.js'
export { loadDirectory, readBatchFile, parseBatchFile, rpcBatchLoader, SourceError } from './source.js'
export { createCoordinatorMetrics, serveMetrics, type CoordinatorMetrics } from './metrics.js'
export { checkDb, type DbReport } from './checkDb.js'
export { parseAddress, formatAddress, DEFAULT_SERVER_LIMITS, type Address, type ServerLimits } from '../protocol/transport.js'
export type { ProverType } from '../protocol/messages.js'
