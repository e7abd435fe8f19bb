import { paramsBlock } from '@ethereumjs/block'
import { Common, type CommonOpts, type ParamsDict } from '@ethereumjs/common'
import { paramsTx } from '@ethereumjs/tx'
import { createRequire } from 'node:module'
import { join, sep } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * The EVM's and the VM's gas parameter tables, read from each package's own `params` module rather than its
 * entry point: the host's main thread builds this Common to decode blocks and transactions, and importing
 * `@ethereumjs/evm` and `@ethereumjs/vm` for two tables of constants would load both packages (about 100
 * modules, some 50 ms of a one-block replay) on a thread that never runs them. The packages export only their
 * entry point, so the module is found beside it; it is the very module the entry point imports (same URL), so
 * these are the same objects the EVM and the VM pass to `updateParams`.
 */
const requireHere = createRequire(import.meta.url)
async function paramsModule<T>(pkg: string): Promise<T> {
  const cjsEntry = requireHere.resolve(pkg)
  const layout = join('dist', 'cjs', 'index.js')
  if (!cjsEntry.endsWith(sep + layout)) throw new Error(`${pkg}: entry point ${cjsEntry} is not ${layout}; guest/common.ts expects the ethereumjs 10 package layout`)
  return (await import(pathToFileURL(join(cjsEntry.slice(0, -layout.length), 'dist', 'esm', 'params.js')).href)) as T
}
const { paramsEVM } = await paramsModule<{ paramsEVM: ParamsDict }>('@ethereumjs/evm')
const { paramsVM } = await paramsModule<{ paramsVM: ParamsDict }>('@ethereumjs/vm')

function mergeParams(sets: ParamsDict[]): ParamsDict {
  const merged: ParamsDict = {}
  for (const set of sets) for (const eip in set) merged[eip] = { ...merged[eip], ...set[eip] }
  return merged
}

/** @ethereumjs/evm's parameters, then @ethereumjs/vm's over them: what a VM's Common ends up with. */
export const EVM_AND_VM_PARAMS: ParamsDict = mergeParams([paramsEVM, paramsVM])

/**
 * @ethereumjs/common with the fork-rule work done once per block instead of per step and per transaction.
 *
 * - The interpreter asks `isActivatedEIP` and `param` on every step (PUSH alone asks two EIPs); the base class
 *   answers with `Array.includes` over ~100 EIPs and a `BigInt()` conversion per call. Here both are resolved
 *   once per hardfork change (once per block with `setHardfork: true`) into a flag table and a bigint map,
 *   filled from the base class's own caches whenever it rebuilds them.
 * - Every transaction and header ethereumjs constructs copies its Common and calls `updateParams` with its
 *   package's parameter set: a JSON round trip of the set and a rebuild of the whole parameter cache over every
 *   hardfork, per transaction. Here the four sets (tx, block, EVM, VM) are merged once at construction, so
 *   those calls find their values already in place and keep the cache they were copied with.
 *
 * Same answers for every parameter ethereumjs asks: an `updateParams` is skipped only when this instance's
 * cache was built with that very set and every value of it is still the one in force.
 */
export class BlockScopedCommon extends Common {
  // `declare`: no field initialiser, which would run after super() and wipe what its constructor built.
  declare private eipFlags: Uint8Array
  declare private paramValues: Map<string, bigint>
  /** Parameter sets this instance's cache was built with; replaced, never mutated (copies share it). */
  declare private mergedParams: ReadonlySet<ParamsDict> | undefined

  constructor(opts: CommonOpts) {
    super(opts)
    // One merge and one cache rebuild for the four sets. The EVM's and the VM's disagree on EIP-2935's window
    // (8192, 8191); ethereumjs builds the EVM first, so the VM's value is the one in force, and the guest hands
    // its EVM the two sets merged in that order (EVM_AND_VM_PARAMS), which leaves the VM's merge nothing to do.
    const sets = [paramsTx, paramsBlock, EVM_AND_VM_PARAMS, paramsVM]
    super.updateParams(mergeParams(sets))
    this.mergedParams = new Set(sets)
  }

  override updateParams(params: ParamsDict): void {
    if (this.mergedParams?.has(params) && this.paramsInForce(params)) return
    super.updateParams(params)
    this.mergedParams = new Set(this.mergedParams).add(params)
  }

  override resetParams(params: ParamsDict): void {
    super.resetParams(params)
    this.mergedParams = undefined
  }

  /** Every value of `params` is the one `_params` holds (the dict all copies share, which ethereumjs mutates). */
  private paramsInForce(params: ParamsDict): boolean {
    for (const eip in params) {
      const have = this._params[eip]
      if (have === undefined || have === null) return false
      const want = params[eip]
      for (const name in want) {
        const v = want[name]
        // JSON (ethereumjs's copy) would drop or change anything but these: take the full path then.
        if (typeof v !== 'number' && typeof v !== 'string' && v !== null) return false
        if (have[name] !== v) return false
      }
    }
    return true
  }

  protected override _buildActivatedEIPsCache(): void {
    super._buildActivatedEIPsCache()
    const max = this._activatedEIPsCache.reduce((m, e) => Math.max(m, e), 0)
    const flags = new Uint8Array(max + 1)
    for (const eip of this._activatedEIPsCache) flags[eip] = 1
    this.eipFlags = flags // a new table, never mutated: copies made by Common.copy() may share it
  }

  protected override _buildParamsCache(): void {
    super._buildParamsCache()
    this.paramValues = new Map()
  }

  override isActivatedEIP(eip: number): boolean {
    const flags = this.eipFlags
    if (flags === undefined) return super.isActivatedEIP(eip)
    return flags[eip] === 1
  }

  override param(name: string): bigint {
    const values = this.paramValues
    if (values === undefined) return super.param(name)
    let v = values.get(name)
    if (v === undefined) {
      v = super.param(name) // throws for an unknown parameter, as before
      values.set(name, v)
    }
    return v
  }
}
