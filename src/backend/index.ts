import { keccak_256 } from '@noble/hashes/sha3.js'
import { TesseraError } from '../../guest/errors.js'
import type { ProverType } from '../protocol/messages.js'

/**
 * Proving backends behind one interface. Input is the binary ProgramInput (guest/input.ts) so it can cross
 * to a worker thread as one transferable buffer.
 *   exec   runs the guest; proof bytes empty, public values real
 *   sp1    native zkVM (src/backend/native.ts), reported unavailable until that lands / is built
 *   risc0  likewise
 *   mock   test-only stand-in (TESSERA_TEST_BACKENDS=1): public values are a keccak digest of the input
 */

export interface ProveResult {
  proof: Uint8Array
  publicValues: Uint8Array
}

export interface ProverBackend {
  readonly name: string
  /** The protocol's prover type this backend's proofs are submitted as. */
  readonly proverType: ProverType
  prove(input: Uint8Array): Promise<ProveResult>
}

export const BACKEND_NAMES = ['exec', 'sp1', 'risc0'] as const
export type BackendName = (typeof BACKEND_NAMES)[number] | 'mock'

/** The backend cannot run here: not built, missing toolchain, no such backend. `hint` says what it needs. */
export class BackendUnavailable extends TesseraError {
  readonly backend: string
  constructor(backend: string, reason: string, hint?: string) {
    super(`backend ${backend} is not available: ${reason}`, hint)
    this.backend = backend
  }
}

export function proverTypeOf(name: string): ProverType {
  switch (name) {
    case 'exec':
    case 'mock':
      return 'Exec'
    case 'sp1':
      return 'SP1'
    case 'risc0':
      return 'RISC0'
    default:
      throw new BackendUnavailable(name, 'unknown backend', `use one of ${BACKEND_NAMES.join(', ')}`)
  }
}

export function testBackendsEnabled(): boolean {
  return process.env.TESSERA_TEST_BACKENDS === '1'
}

/** Deterministic 160-byte digest of the input: what the mock backend "proves". */
export function mockPublicValues(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(160)
  let h = keccak_256(input)
  for (let i = 0; i < 5; i++) {
    out.set(h, i * 32)
    h = keccak_256(h)
  }
  return out
}

const mockBackend: ProverBackend = {
  name: 'mock',
  proverType: 'Exec',
  async prove(input) {
    const delay = Number(process.env.TESSERA_MOCK_DELAY_MS ?? 0)
    if (delay > 0) await new Promise((r) => setTimeout(r, delay))
    if (process.env.TESSERA_MOCK_WRONG === '1') return { proof: new Uint8Array(0), publicValues: new Uint8Array(160).fill(0xee) }
    return { proof: new Uint8Array(0), publicValues: mockPublicValues(input) }
  },
}

// Non-literal specifier: native.ts is written by another engineer and may not exist yet.
const NATIVE_MODULE = './native.js'

async function loadNative(name: 'sp1' | 'risc0', opts: LoadBackendOptions): Promise<ProverBackend> {
  let mod: { loadZkvmBackend?: (name: string, opts?: object) => Promise<ProverBackend> | ProverBackend }
  try {
    mod = await import(NATIVE_MODULE)
  } catch (e) {
    throw new BackendUnavailable(
      name,
      `the native zkVM bridge is not part of this build (${(e as Error).message.split('\n')[0]})`,
      `${name} needs the native backend (src/backend/native.ts, the native issue) and its toolchain; use --backend exec meanwhile`,
    )
  }
  if (typeof mod.loadZkvmBackend !== 'function') {
    throw new BackendUnavailable(name, 'src/backend/native.js does not export loadZkvmBackend')
  }
  return await mod.loadZkvmBackend(name, { resource: opts.resource ?? 'cpu', ...(opts.device !== undefined ? { device: opts.device } : {}) })
}

export interface LoadBackendOptions {
  /** cpu | gpu: what a native zkVM backend proves on (ignored by exec). */
  resource?: 'cpu' | 'gpu'
  /** CUDA device ordinal for a native zkVM backend on a GPU host (ignored by exec). */
  device?: number
}

export async function loadBackend(name: string, opts: LoadBackendOptions = {}): Promise<ProverBackend> {
  switch (name) {
    case 'exec':
      return (await import('./exec.js')).execBackend
    case 'sp1':
    case 'risc0':
      return loadNative(name, opts)
    case 'mock':
      if (!testBackendsEnabled()) throw new BackendUnavailable('mock', 'test-only backend', 'set TESSERA_TEST_BACKENDS=1 (tests only)')
      return mockBackend
    default:
      throw new BackendUnavailable(name, 'unknown backend', `use one of ${BACKEND_NAMES.join(', ')}`)
  }
}
