import { WitnessInvalid } from '../../guest/errors.js'
import type { ChainConfig, ProgramInput } from '../../guest/types.js'
import { executionWitnessToJson, parseExecutionWitness, type ExecutionWitnessJson } from '../witness/codec.js'
import { parseHex, toHex } from '../witness/hex.js'
import { ProtocolError } from './errors.js'

/**
 * Tessera's own JSON form of a ProgramInput, used by batch files in a coordinator's --source directory and by
 * the Tessera 0.1 dialect's BatchResponse.input (src/protocol/legacy.ts); on the wire Tessera now sends ethrex's
 * form (src/protocol/ethrex/proverInput.ts):
 * `{ "blocks": ["0x<rlp block>", ...], "witness": <ExecutionWitness list form>, "chainConfig": {...} }`.
 */
export interface ProgramInputJson {
  blocks: string[]
  witness: ExecutionWitnessJson
  chainConfig: ChainConfig
}

export function programInputToJson(input: ProgramInput): ProgramInputJson {
  return {
    blocks: input.blocks.map(toHex),
    witness: executionWitnessToJson(input.witness),
    chainConfig: input.chainConfig,
  }
}

const BLOCK_FIELDS = [
  'homesteadBlock', 'daoForkBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock',
  'constantinopleBlock', 'petersburgBlock', 'istanbulBlock', 'muirGlacierBlock', 'berlinBlock', 'londonBlock',
  'arrowGlacierBlock', 'grayGlacierBlock', 'mergeNetsplitBlock', 'shanghaiTime', 'cancunTime', 'pragueTime',
  'osakaTime', 'bpo1Time', 'bpo2Time', 'bpo3Time', 'bpo4Time', 'bpo5Time',
] as const

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/**
 * Check the fields Tessera reads; other fields (a newer fork, a blob schedule) pass through untouched since the
 * guest ignores what it does not know.
 */
export function parseChainConfig(json: unknown, field = 'chainConfig'): ChainConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtocolError('malformed', 'expected an object', field)
  }
  const c = json as Record<string, unknown>
  if (!isUint(c.chainId) || c.chainId === 0) throw new ProtocolError('malformed', 'expected a positive integer', `${field}.chainId`)
  for (const name of BLOCK_FIELDS) {
    if (c[name] !== undefined && c[name] !== null && !isUint(c[name])) {
      throw new ProtocolError('malformed', 'expected a non-negative integer', `${field}.${name}`)
    }
  }
  const ttd = c.terminalTotalDifficulty
  if (ttd !== undefined && ttd !== null && !isUint(ttd) && !(typeof ttd === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(ttd))) {
    throw new ProtocolError('malformed', 'expected an integer or integer string', `${field}.terminalTotalDifficulty`)
  }
  for (const name of ['depositContractAddress', 'publicNetwork'] as const) {
    if (c[name] !== undefined && c[name] !== null && typeof c[name] !== 'string') {
      throw new ProtocolError('malformed', 'expected a string', `${field}.${name}`)
    }
  }
  return c as unknown as ChainConfig
}

/** Parse and validate BatchResponse.input. Any defect is a ProtocolError naming the field. */
export function programInputFromJson(json: unknown, field = 'input'): ProgramInput {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtocolError('malformed', 'expected an object with blocks, witness, chainConfig', field)
  }
  const o = json as Record<string, unknown>
  if (!Array.isArray(o.blocks) || o.blocks.length === 0) {
    throw new ProtocolError('malformed', 'expected a non-empty array of 0x-hex RLP blocks', `${field}.blocks`)
  }
  try {
    const blocks = o.blocks.map((b, i) => parseHex(b, `${field}.blocks[${i}]`))
    // Witness JSON on the wire is always the list form with RLP headers; no header encoder needed.
    const witness = parseExecutionWitness(o.witness)
    const chainConfig = parseChainConfig(o.chainConfig, `${field}.chainConfig`)
    return { blocks, witness, chainConfig }
  } catch (e) {
    if (e instanceof WitnessInvalid) throw new ProtocolError('malformed', e.message, field)
    throw e
  }
}
