/**
 * Finds and loads the optional native addon (build/Release/tessera_native.node, built by
 * scripts/build-native.mjs during `npm install`). Never throws: when the addon is missing, fails to load,
 * or `TESSERA_NATIVE=0` is set, `nativeAddon()` returns undefined and `nativeAddonStatus()` says why.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A dlopen'ed zkVM backend library (see native/ZKVM_ABI.md). */
export interface NativeBackendHandle {
  readonly abiVersion: number
  readonly info: string
  prove(input: Uint8Array, optionsJson?: string): Promise<{ proof: Uint8Array; publicValues: Uint8Array }>
  verify(proof: Uint8Array, publicValues: Uint8Array): Promise<boolean>
  execute(input: Uint8Array, optionsJson?: string): Promise<{ publicValues: Uint8Array; cycles: bigint }>
  close(): void
}

/** What native/src/addon.cc exports. */
export interface TesseraAddon {
  keccak256(data: Uint8Array): Uint8Array
  keccak256Into(data: Uint8Array, out: Uint8Array): void
  keccak256Batch(data: Uint8Array, offsets: Uint32Array): Uint8Array
  /** 65-byte uncompressed key; throws when the addon was built without libsecp256k1 (see `libsecp256k1`). */
  ecrecover(msgHash: Uint8Array, signature: Uint8Array, recid: number): Uint8Array
  /** EIP-152 BLAKE2F output (64 bytes) of a 213-byte input; absent in addons built before it was added. */
  blake2f?(input: Uint8Array): Uint8Array
  openBackend(path: string): NativeBackendHandle
  readonly libsecp256k1: boolean
  readonly backendAbiVersion: number
}

export interface NativeAddonStatus {
  loaded: boolean
  /** Path of the .node file that was loaded or tried. */
  path?: string
  /** Why it is not loaded. */
  reason?: string
}

const ADDON_FILE = join('build', 'Release', 'tessera_native.node')

/** The package root: the nearest ancestor holding binding.gyp (works from src/ under vitest and from dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..')
}

/** True unless the user asked for the pure JS path with TESSERA_NATIVE=0 (or "false"/"off"). */
export function nativeAllowed(): boolean {
  const v = process.env.TESSERA_NATIVE?.toLowerCase()
  return !(v === '0' || v === 'false' || v === 'off' || v === 'no')
}

let cached: { addon?: TesseraAddon; status: NativeAddonStatus } | undefined

function load(): { addon?: TesseraAddon; status: NativeAddonStatus } {
  const path = join(packageRoot(), ADDON_FILE)
  if (!existsSync(path)) {
    return { status: { loaded: false, path, reason: 'not built (run `npm run build:native`; needs g++, make, python3)' } }
  }
  try {
    const addon = createRequire(import.meta.url)(path) as TesseraAddon
    return { addon, status: { loaded: true, path } }
  } catch (e) {
    return { status: { loaded: false, path, reason: `failed to load: ${(e as Error).message}` } }
  }
}

/** The addon, or undefined when unavailable or disabled by TESSERA_NATIVE=0. */
export function nativeAddon(): TesseraAddon | undefined {
  if (!nativeAllowed()) return undefined
  cached ??= load()
  return cached.addon
}

export function nativeAddonStatus(): NativeAddonStatus {
  if (!nativeAllowed()) return { loaded: false, reason: 'disabled by TESSERA_NATIVE=0' }
  cached ??= load()
  return cached.status
}
