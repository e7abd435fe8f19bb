/**
 * `tessera`: everything the subpath entry points export — `tessera/guest` (guest programs), `tessera/witness`
 * (witness readers), `tessera/l2`, `tessera/coordinator`, `tessera/prover` and `tessera/verify` (Groth16 proof
 * checks). See docs/library.md.
 */
export * from '../guest/index.js'
export * from './witness/index.js'
export * from './l2/index.js'
export * from './coordinator/index.js'
export * from './prover/index.js'
export * from './verify/index.js'
