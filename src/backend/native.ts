import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { TesseraError } from '../../guest/errors.js'
import { nativeAddon, nativeAddonStatus, packageRoot } from '../crypto/addon.js'
import type { NativeBackendHandle } from '../crypto/addon.js'
import type { ProverType } from '../protocol/messages.js'
import { BackendUnavailable, type ProveResult, type ProverBackend } from './index.js'

/**
 * Native zkVM backends (SP1, RISC Zero): a shared library implementing the C ABI in native/ZKVM_ABI.md,
 * dlopen'ed by the addon. Tessera ships no such library; it loads one you build. Nothing here makes or
 * imitates a proof: every byte of a proof comes from the library.
 *
 * Library lookup, first hit wins: `libraryPath` option, $TESSERA_SP1_LIB / $TESSERA_RISC0_LIB,
 * native/backends/lib<name>_tessera.so under the package root.
 */

export type ZkvmName = 'sp1' | 'risc0'
export type ZkvmResource = 'cpu' | 'gpu'

export interface LoadZkvmOptions {
  libraryPath?: string
  resource?: ZkvmResource
  /** Proof format asked of the backend, e.g. "compressed" or "groth16"; the backend decides what it supports. */
  format?: string
  /**
   * CUDA device ordinal this handle proves on (GPU hosts: one prove worker per GPU). Handed to the library as
   * `"device"` in options_json (native/ZKVM_ABI.md); a library that cannot honour it must fail the call.
   */
  device?: number
}

export interface ZkvmBackend extends ProverBackend {
  readonly name: ZkvmName
  readonly proverType: ProverType
  readonly libraryPath: string
  readonly abiVersion: number
  /** The library's own description (tessera_backend_info). */
  readonly info: string
  readonly resource: ZkvmResource
  /** The CUDA device ordinal handed to the library, if any. */
  readonly device: number | undefined
  prove(input: Uint8Array): Promise<ProveResult>
  /** true = valid, false = the backend checked the proof and rejected it. Errors reject the promise. */
  verify(proof: Uint8Array, publicValues: Uint8Array): Promise<boolean>
  /** Runs the guest in the zkVM executor without proving. */
  execute(input: Uint8Array): Promise<{ publicValues: Uint8Array; cycles: bigint }>
  close(): void
}

/** The library exists but does not implement this Tessera's ABI (version mismatch, missing symbols). */
export class BackendIncompatible extends BackendUnavailable {
  readonly libraryPath: string
  constructor(backend: ZkvmName, libraryPath: string, reason: string) {
    super(backend, reason, `rebuild ${libraryPath} against native/include/tessera_backend.h (see native/ZKVM_ABI.md)`)
    this.libraryPath = libraryPath
  }
}

/** A prove/verify/execute call that the backend library reported as failed. */
export class BackendCallFailed extends TesseraError {
  readonly backend: ZkvmName
  readonly status: number | undefined
  constructor(backend: ZkvmName, call: string, message: string, status?: number) {
    super(`backend ${backend} ${call} failed: ${message}`)
    this.backend = backend
    this.status = status
  }
}

const ENV_VAR: Record<ZkvmName, string> = { sp1: 'TESSERA_SP1_LIB', risc0: 'TESSERA_RISC0_LIB' }
const PROVER_TYPE: Record<ZkvmName, ProverType> = { sp1: 'SP1', risc0: 'RISC0' }
const TOOLKIT: Record<ZkvmName, string> = {
  sp1: "a Rust cdylib using sp1-sdk's ProverClient with the Tessera guest program's ELF",
  risc0: "a Rust cdylib using risc0-zkvm's default_prover() with the Tessera guest program's image",
}

export function defaultLibraryPath(name: ZkvmName): string {
  return join(packageRoot(), 'native', 'backends', `lib${name}_tessera.so`)
}

/** Where a backend library would be looked for, and the first path that exists. */
export function findZkvmLibrary(name: ZkvmName, libraryPath?: string): { path?: string; searched: string[] } {
  const candidates: string[] = []
  if (libraryPath !== undefined) candidates.push(resolve(libraryPath))
  else {
    const fromEnv = process.env[ENV_VAR[name]]
    if (fromEnv) candidates.push(resolve(fromEnv))
    candidates.push(defaultLibraryPath(name))
  }
  return { path: candidates.find((p) => existsSync(p)), searched: candidates }
}

function checkName(name: string): asserts name is ZkvmName {
  if (name !== 'sp1' && name !== 'risc0') throw new BackendUnavailable(name, 'not a native zkVM backend', 'use sp1 or risc0')
}

/** Loads and checks a backend library. Throws BackendUnavailable (or BackendIncompatible) saying what to do. */
export function loadZkvmBackend(name: ZkvmName, opts: LoadZkvmOptions = {}): ZkvmBackend {
  checkName(name)
  const resource = opts.resource ?? 'cpu'
  if (resource !== 'cpu' && resource !== 'gpu') throw new BackendUnavailable(name, `unknown resource ${String(resource)}`, 'use cpu or gpu')
  const { path, searched } = findZkvmLibrary(name, opts.libraryPath)
  const file = `lib${name}_tessera.so`
  if (path === undefined) {
    const envNote = opts.libraryPath === undefined && !process.env[ENV_VAR[name]] ? ` (${ENV_VAR[name]} is not set)` : ''
    throw new BackendUnavailable(
      name,
      `no backend library: looked for ${searched.join(', ')}${envNote}`,
      `build ${file}, a shared library exporting the Tessera backend ABI v1 (native/ZKVM_ABI.md, header ` +
        `native/include/tessera_backend.h) — for ${name}, ${TOOLKIT[name]} — then put it at ${defaultLibraryPath(name)} ` +
        `or set ${ENV_VAR[name]}=/path/to/${file}. Use --backend exec meanwhile.`,
    )
  }
  const addon = nativeAddon()
  if (addon === undefined) {
    throw new BackendUnavailable(
      name,
      `found ${path}, but the native addon that loads it is unavailable: ${nativeAddonStatus().reason}`,
      'build the addon with `npm run build:native` (needs g++, make, python3) and do not set TESSERA_NATIVE=0',
    )
  }
  let handle: NativeBackendHandle
  try {
    handle = addon.openBackend(path)
  } catch (e) {
    const err = e as Error & { code?: string }
    if (err.code === 'ERR_TESSERA_ABI' || err.code === 'ERR_TESSERA_SYMBOL') throw new BackendIncompatible(name, path, err.message)
    throw new BackendUnavailable(name, `cannot load ${path}: ${err.message}`, `check that ${path} and its own dependencies (ldd) are present`)
  }
  if (opts.device !== undefined && !(Number.isSafeInteger(opts.device) && opts.device >= 0)) {
    throw new BackendUnavailable(name, `device ${String(opts.device)} is not a device ordinal`, 'use a non-negative integer (--gpus 0,1,…)')
  }
  const options = JSON.stringify({
    resource,
    ...(opts.format !== undefined ? { format: opts.format } : {}),
    ...(opts.device !== undefined ? { device: opts.device } : {}),
  })
  const wrap = async <T>(call: string, start: () => Promise<T>): Promise<T> => {
    try {
      return await start()
    } catch (e) {
      const err = e as Error & { status?: number }
      throw new BackendCallFailed(name, call, err.message, err.status)
    }
  }
  return {
    name,
    proverType: PROVER_TYPE[name],
    libraryPath: path,
    abiVersion: handle.abiVersion,
    info: handle.info,
    resource,
    device: opts.device,
    prove: (input) => wrap('prove', () => handle.prove(input, options)),
    verify: (proof, publicValues) => wrap('verify', () => handle.verify(proof, publicValues)),
    execute: (input) => wrap('execute', () => handle.execute(input, options)),
    close: () => handle.close(),
  }
}

export interface ZkvmBackendStatus {
  name: ZkvmName
  found: boolean
  path?: string
  searched: string[]
  abiVersion?: number
  info?: string
  error?: string
}

/** For `tessera doctor`: which backend libraries exist here and whether they load. */
export function zkvmBackendStatus(): ZkvmBackendStatus[] {
  return (['sp1', 'risc0'] as const).map((name) => {
    const { path, searched } = findZkvmLibrary(name)
    if (path === undefined) return { name, found: false, searched }
    try {
      const b = loadZkvmBackend(name, { libraryPath: path })
      const status = { name, found: true, path, searched, abiVersion: b.abiVersion, info: b.info }
      b.close()
      return status
    } catch (e) {
      return { name, found: true, path, searched, error: (e as Error).message }
    }
  })
}
