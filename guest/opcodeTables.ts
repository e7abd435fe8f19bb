import type { Common } from '@ethereumjs/common'
import { EVM } from '@ethereumjs/evm'

/**
 * An EVM whose opcode tables are built once per fork rule set in the process, not once per EVM. @ethereumjs/evm
 * 10.1.3 rebuilds them (`getOpcodesForHF`: object spreads of the ~150-opcode table per fork and EIP, one `param`
 * lookup and one Opcode object per opcode) in every EVM's constructor and on every fork change, and the guest
 * makes one EVM per batch: ~0.2-0.3 ms, 1-2 % of a one-block batch of a few transactions.
 *
 * The key is everything `getOpcodesForHF` reads: the chain's fork order and current fork (`gteHardfork`), the
 * active EIPs (`isActivatedEIP`) and the parameter values (`param`). Each EVM gets its own opcode map entries
 * and handler maps (guest/specReads.ts replaces handlers in them); the Opcode descriptions are shared, read-only.
 */
type OpcodeList = ReturnType<EVM['getActiveOpcodes']>
type OpcodeMap = ({ opcodeInfo: unknown; opHandler: unknown; gasHandler?: unknown } | undefined)[]

interface Tables {
  opcodes: OpcodeList
  handlers: Map<number, unknown>
  dynamicGasHandlers: Map<number, unknown>
  opcodeMap: OpcodeMap
}

const cache = new Map<string, Tables>()
/** Distinct rule sets seen by a long-running process stay few (forks x chains); this bounds it anyway. */
const MAX_TABLES = 64

function key(common: Common): string {
  const c = common as unknown as { _activatedEIPsCache: number[]; _paramsCache: Record<string, unknown> }
  return `${common.hardforks().map((h) => h.name).join(',')}|${common.hardfork()}|${c._activatedEIPsCache.join(',')}|${JSON.stringify(c._paramsCache)}`
}

type Internals = Tables & { _opcodes: OpcodeList; _handlers: Map<number, unknown>; _dynamicGasHandlers: Map<number, unknown>; _opcodeMap: OpcodeMap; _customOpcodes?: unknown[] }

/** Fresh per-EVM copies of the parts an EVM's owner may change. */
function own(t: Tables): Tables {
  return {
    opcodes: t.opcodes,
    handlers: new Map(t.handlers),
    dynamicGasHandlers: new Map(t.dynamicGasHandlers),
    opcodeMap: t.opcodeMap.map((e) => (e === undefined ? e : { opcodeInfo: e.opcodeInfo, opHandler: e.opHandler, gasHandler: e.gasHandler })) as OpcodeMap,
  }
}

export class CachedOpcodeTablesEVM extends EVM {
  override getActiveOpcodes(): OpcodeList {
    const self = this as unknown as Internals
    if (self._customOpcodes !== undefined) return super.getActiveOpcodes()
    const k = key(this.common)
    let tables = cache.get(k)
    if (tables === undefined) {
      super.getActiveOpcodes()
      // Copied before anyone can change this EVM's entries (handlers are installed after this returns).
      tables = own({ opcodes: self._opcodes, handlers: self._handlers, dynamicGasHandlers: self._dynamicGasHandlers, opcodeMap: self._opcodeMap })
      if (cache.size >= MAX_TABLES) cache.clear()
      cache.set(k, tables)
      return self._opcodes
    }
    const mine = own(tables)
    self._opcodes = mine.opcodes
    self._handlers = mine.handlers
    self._dynamicGasHandlers = mine.dynamicGasHandlers
    self._opcodeMap = mine.opcodeMap
    return mine.opcodes
  }
}
