import { Common } from '@ethereumjs/common'

/**
 * @ethereumjs/common with O(1) fork-rule lookups. The interpreter asks `isActivatedEIP` and `param` on every
 * step (gas handlers, opcode handlers); the base class answers with `Array.includes` over ~100 EIPs and a
 * `BigInt()` conversion per call. Here both are resolved once per hardfork change (once per block with
 * `setHardfork: true`) into a flag table and a bigint map. Same answers, by construction: the tables are
 * filled from the base class's own caches whenever it rebuilds them.
 */
export class BlockScopedCommon extends Common {
  // `declare`: no field initialiser, which would run after super() and wipe what its constructor built.
  declare private eipFlags: Uint8Array
  declare private paramValues: Map<string, bigint>

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
