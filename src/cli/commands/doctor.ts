import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from '../args.js'
import { availableCrypto, hostCrypto, nativeAddon, nativeAddonStatus, packageRoot } from '../../crypto/index.js'
import { detectGpus, type GpuDevice } from '../../prover/gpus.js'
import { nativeBlake2f } from '../../crypto/guestOptions.js'

/**
 * `tessera doctor`: which crypto and backend paths this process would use, and why.
 * `--short` (used by `tessera --version`) prints one line; `--json` prints everything as JSON.
 */

const USAGE = `usage: tessera doctor [--short] [--json] [--no-kzg]

  --short    one line: version and active crypto paths (what tessera --version prints)
  --json     machine-readable report
  --no-kzg   skip initialising KZG (saves ~1 s)

Environment: TESSERA_NATIVE=0 forces the pure JS crypto path; TESSERA_SP1_LIB / TESSERA_RISC0_LIB point at
zkVM backend libraries (native/ZKVM_ABI.md).`

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

async function kzgStatus(): Promise<{ available: boolean; initMs?: number; error?: string }> {
  try {
    const started = performance.now()
    const { guestKzg } = await import('../../../guest/crypto.js')
    guestKzg()
    return { available: true, initMs: Math.round(performance.now() - started) }
  } catch (e) {
    return { available: false, error: (e as Error).message }
  }
}

/** The GPUs `tessera prover --resource gpu` would use here (src/prover/gpus.ts). */
function gpuStatus(): { devices: GpuDevice[] } | { error: string } {
  try {
    return { devices: detectGpus() }
  } catch (e) {
    return { error: (e as Error).message }
  }
}

export async function run(argv: string[]): Promise<number> {
  let values: { short?: boolean; json?: boolean; 'no-kzg'?: boolean; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: { short: { type: 'boolean' }, json: { type: 'boolean' }, 'no-kzg': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }))
  } catch (e) {
    console.error(`tessera doctor: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const active = hostCrypto().description
  if (values.short) {
    console.log(`tessera ${version()} (node ${process.version}; keccak: ${active.keccak}, ecrecover: ${active.ecrecover})`)
    return 0
  }

  const addon = nativeAddonStatus()
  const libsecp = nativeAddon()?.libsecp256k1 ?? false
  const available = availableCrypto()
  const blake2f = nativeBlake2f() !== undefined
  const { zkvmBackendStatus } = await import('../../backend/native.js')
  const backends = zkvmBackendStatus()
  const kzg = values['no-kzg'] ? undefined : await kzgStatus()
  const gpus = gpuStatus()
  const { risc0SupportedReleases, sp1SupportedReleases } = await import('../../verify/index.js')
  const sp1 = sp1SupportedReleases().map(({ system, ...r }) => ({ system, release: r }))
  const proofVerifiers = {
    risc0Groth16: risc0SupportedReleases(),
    sp1Groth16: sp1.filter((r) => r.system === 'sp1-groth16').map((r) => r.release),
    sp1Plonk: sp1.filter((r) => r.system === 'sp1-plonk').map((r) => r.release),
  }
  const report = {
    version: version(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    nativeEnv: process.env.TESSERA_NATIVE ?? null,
    addon: { ...addon, libsecp256k1: libsecp },
    crypto: { active, available },
    blake2f: blake2f ? 'native' : '@ethereumjs/evm (JS)',
    kzg: kzg ?? null,
    zkvm: backends,
    gpus,
    proofVerifiers,
  }
  if (values.json) {
    console.log(JSON.stringify(report, null, 2))
    return 0
  }

  const lines = [
    `tessera ${report.version}`,
    `node         ${report.node} (${report.platform}, ${report.cpus} cpus)`,
    addon.loaded
      ? `addon        loaded ${addon.path} (libsecp256k1: ${libsecp ? 'linked' : 'not linked; built without libsecp256k1-dev'})`
      : `addon        not loaded: ${addon.reason}${addon.path ? ` [${addon.path}]` : ''}`,
    `keccak256    ${active.keccak}   (available: ${available.keccak.join(', ')})`,
    `ecrecover    ${active.ecrecover}   (available: ${available.ecrecover.join(', ')})`,
    `blake2f      ${report.blake2f}${blake2f ? '' : ' (the native kernel needs the addon; 2^32 - 1 rounds then take hours)'}`,
    kzg === undefined
      ? 'kzg          not checked (--no-kzg)'
      : kzg.available
        ? `kzg          available (micro-eth-signer, fast-peerdas trusted setup; initialised in ${kzg.initMs} ms)`
        : `kzg          unavailable: ${kzg.error}`,
  ]
  for (const b of backends) {
    const label = `zkvm ${b.name}`.padEnd(12)
    if (!b.found) lines.push(`${label} not found (looked for ${b.searched.join(", ")}; build it per native/ZKVM_ABI.md or set TESSERA_${b.name.toUpperCase()}_LIB)`)
    else if (b.error !== undefined) lines.push(`${label} found ${b.path} but unusable: ${b.error}`)
    else lines.push(`${label} ${b.path} (ABI v${b.abiVersion}: ${b.info})`)
  }
  lines.push(
    'devices' in gpus
      ? `gpus         ${gpus.devices.map((d) => `${d.index}${d.name ? ` (${d.name})` : ''}`).join(', ')}`
      : `gpus         none: ${gpus.error}`,
  )
  // One line per system: release and selector (SP1: the selector is the first 4 bytes of VERIFIER_HASH).
  const releases = (list: { version: string; selector: string }[]) => list.map((r) => `${r.version} ${r.selector}`).join(', ')
  lines.push(
    `verify       risc0 groth16: ${releases(proofVerifiers.risc0Groth16)}`,
    `             sp1 groth16: ${releases(proofVerifiers.sp1Groth16)}`,
    `             sp1 plonk: ${releases(proofVerifiers.sp1Plonk)}`,
  )
  if (process.env.TESSERA_NATIVE !== undefined) lines.push(`TESSERA_NATIVE=${process.env.TESSERA_NATIVE}`)
  console.log(lines.join('\n'))
  return 0
}
