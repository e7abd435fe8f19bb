import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOODI_CACHE, REPO_ROOT } from './support/fixtures.js'

/**
 * The library API as a user gets it: `npm pack` (of the compiled dist/), the tarball unpacked as
 * node_modules/tessera of a fresh project whose other node_modules are links to this repository's (offline),
 * then imports by package name — typechecked by tsc against the shipped .d.ts, and run by node as ESM.
 */

let project: string
let files: string[]

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'tessera-consumer-'))
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: REPO_ROOT, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[]
  files = packed[0].files.map((f) => f.path)
  const modules = join(project, 'node_modules')
  mkdirSync(join(modules, 'tessera'), { recursive: true })
  execFileSync('tar', ['-xzf', join(project, packed[0].filename), '-C', join(modules, 'tessera'), '--strip-components=1'])
  // The package's dependencies, offline: this repository's installed ones.
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (name === 'tessera' || name.startsWith('.')) continue
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name))
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
}, 120_000)

afterAll(() => rmSync(project, { recursive: true, force: true }))

const CONSUMER_TS = `
import { executeStateless, executeL2Batch, decodePublicValues, WitnessIncomplete, type ProgramInput, type ProgramOutput, type L2ProgramInput } from 'tessera/guest'
import { readStatelessInputs, readCacheFile, cacheFileToProgramInput, type ResolvedInput } from 'tessera/witness'
import { reconstructL2, l2CacheFileToInput } from 'tessera/l2'
import { Coordinator, CoordinatorStore, createCoordinatorMetrics, type CoordinatorOptions } from 'tessera/coordinator'
import { Prover, createProvePool, type ProverOptions } from 'tessera/prover'
import { verifyRisc0Groth16, verifySp1Proof, ProofRejected } from 'tessera/verify'
import * as all from 'tessera'

export async function finalRoot(input: ProgramInput): Promise<Uint8Array> {
  const out: ProgramOutput = await executeStateless(input)
  return out.finalStateRoot
}
export async function firstL1(paths: string[]): Promise<ResolvedInput> {
  return (await readStatelessInputs(paths)).l1[0]
}
export const l2 = (i: L2ProgramInput) => executeL2Batch(i)
export const names = [decodePublicValues, WitnessIncomplete, readCacheFile, cacheFileToProgramInput, reconstructL2, l2CacheFileToInput,
  Coordinator, CoordinatorStore, createCoordinatorMetrics, Prover, createProvePool, verifyRisc0Groth16, verifySp1Proof, ProofRejected,
  all.executeStateless, all.readStatelessInputs, all.Coordinator, all.Prover, all.verifySp1Proof]
export type Options = [CoordinatorOptions, ProverOptions]
// @ts-expect-error a name the package does not export must not typecheck
import { notExported } from 'tessera/guest'
`

const CONSUMER_MJS = `
import { executeStateless } from 'tessera/guest'
import { readStatelessInputs } from 'tessera/witness'
import * as tessera from 'tessera'
const { l1 } = await readStatelessInputs([process.argv[2]])
const out = await executeStateless(l1[0].program)
const header = l1[0].blocks.at(-1).header
console.log(JSON.stringify({
  same: Buffer.from(out.finalStateRoot).equals(Buffer.from(header.stateRoot)),
  txs: String(out.transactionCount),
  exports: ['executeStateless', 'executeL2Batch', 'readStatelessInputs', 'reconstructL2', 'Coordinator', 'Prover', 'verifyRisc0Groth16'].filter((n) => typeof tessera[n] !== 'function'),
}))
`

describe('the packed library', () => {
  it('ships the compiled entry points with their declarations, the workers and the install scripts, and no tests', () => {
    for (const f of ['package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/guest/index.js', 'dist/guest/index.d.ts', 'dist/src/witness/index.d.ts', 'dist/src/coordinator/index.d.ts', 'dist/src/prover/index.d.ts', 'dist/src/verify/index.d.ts', 'dist/src/l2/index.d.ts', 'dist/src/cli/main.js', 'scripts/build-native.mjs', 'scripts/build-contracts.mjs', 'binding.gyp', 'README.md']) {
      expect(files, f).toContain(f)
    }
    expect(files.some((f) => f.startsWith('dist/workers/'))).toBe(true)
    expect(files.filter((f) => f.startsWith('test/') || f.includes('.test.'))).toEqual([])
  })

  it('typechecks imports by package name against the shipped declarations', () => {
    const file = join(project, 'consumer.ts')
    writeFileSync(file, CONSUMER_TS)
    const program = ts.createProgram([file], { noEmit: true, strict: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ['node'], typeRoots: [join(REPO_ROOT, 'node_modules/@types')] })
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '))
    expect(errors).toEqual([])
  }, 120_000)

  it('a wrong use is a type error (the check can fail)', () => {
    const file = join(project, 'wrong.ts')
    writeFileSync(file, `import { executeStateless } from 'tessera/guest'\nexport const x: string = executeStateless\n`)
    const program = ts.createProgram([file], { noEmit: true, strict: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] })
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('\n')).toMatch(/not assignable to type 'string'/)
  }, 120_000)

  it('node imports it by name as ESM and replays a real block with it', async () => {
    writeFileSync(join(project, 'consumer.mjs'), CONSUMER_MJS)
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['consumer.mjs', HOODI_CACHE], { cwd: project, encoding: 'utf8', timeout: 120_000 }, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out))),
    )
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ same: true, txs: '11', exports: [] })
  }, 150_000)
})
