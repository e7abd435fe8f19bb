import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes } from '@ethereumjs/util'
import { WitnessInvalid } from './errors.js'
import { rlpEncode, type RlpItem } from './rlp.js'
import type { ChainConfig, ProgramInput } from './types.js'

/**
 * Binary form of ProgramInput, used to hand inputs to workers and zkVM backends as one buffer:
 * RLP([version, [block...], [node...], [code...], [key...], [header...], utf8(JSON(chainConfig))]).
 * RLP because the pieces already are RLP and it decodes without copying into JS objects.
 */
const INPUT_VERSION = 1

/** Iterative encoder (guest/rlp.ts): a witness of a million nodes must not hit the call-stack limit. */
export function encodeProgramInput(input: ProgramInput): Uint8Array {
  const { witness } = input
  const items: RlpItem[] = [
    Uint8Array.of(INPUT_VERSION),
    input.blocks,
    witness.state,
    witness.codes,
    witness.keys,
    witness.headers,
    new TextEncoder().encode(JSON.stringify(input.chainConfig)),
  ]
  // Optional 8th item, only for explicitly unanchored runs: [preStateRoot, [[number, hash]...]].
  if (input.unanchored !== undefined) {
    const hashes = (input.unanchored.blockHashes ?? []).map((h) => [bigIntToUnpaddedBytes(h.number), h.hash])
    items.push([input.unanchored.preStateRoot, hashes])
  }
  return rlpEncode(items)
}

function decodeUnanchored(value: unknown): ProgramInput['unanchored'] {
  if (!Array.isArray(value) || value.length !== 2 || !(value[0] instanceof Uint8Array) || !Array.isArray(value[1])) {
    throw new WitnessInvalid('input.unanchored', 'expected [preStateRoot, [[number, hash]...]]')
  }
  const blockHashes = (value[1] as unknown[]).map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !(pair[0] instanceof Uint8Array) || !(pair[1] instanceof Uint8Array)) {
      throw new WitnessInvalid(`input.unanchored.blockHashes[${i}]`, 'expected [number, hash]')
    }
    let n = 0n
    for (const b of pair[0]) n = (n << 8n) | BigInt(b)
    return { number: n, hash: pair[1] }
  })
  return { preStateRoot: value[0], blockHashes }
}

function byteList(value: unknown, field: string): Uint8Array[] {
  if (!Array.isArray(value) || !value.every((v) => v instanceof Uint8Array)) {
    throw new WitnessInvalid(field, 'expected a list of byte strings')
  }
  return value as Uint8Array[]
}

export function decodeProgramInput(bytes: Uint8Array): ProgramInput {
  let decoded: unknown
  try {
    decoded = RLP.decode(bytes)
  } catch (e) {
    throw new WitnessInvalid('input', `not valid RLP (${(e as Error).message})`)
  }
  if (!Array.isArray(decoded) || (decoded.length !== 7 && decoded.length !== 8)) throw new WitnessInvalid('input', 'expected a 7- or 8-item RLP list')
  const [version, blocks, state, codes, keys, headers, config, unanchored] = decoded as unknown[]
  const v = version instanceof Uint8Array ? (version.length === 0 ? 0 : version[0]) : -1
  if (v !== INPUT_VERSION) throw new WitnessInvalid('input.version', `unsupported version ${v}`)
  if (!(config instanceof Uint8Array)) throw new WitnessInvalid('input.chainConfig', 'expected bytes')
  let chainConfig: ChainConfig
  try {
    chainConfig = JSON.parse(new TextDecoder().decode(config))
  } catch {
    throw new WitnessInvalid('input.chainConfig', 'not valid JSON')
  }
  return {
    blocks: byteList(blocks, 'input.blocks'),
    witness: {
      state: byteList(state, 'witness.state'),
      codes: byteList(codes, 'witness.codes'),
      keys: byteList(keys, 'witness.keys'),
      headers: byteList(headers, 'witness.headers'),
    },
    chainConfig,
    ...(unanchored === undefined ? {} : { unanchored: decodeUnanchored(unanchored) }),
  }
}
