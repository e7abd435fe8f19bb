import type { ProgramInput } from '../../guest/types.js'
import { rlpEncode } from './rlp.js'

/**
 * Host-side encoder of the binary ProgramInput (the format guest/input.ts defines and decodes:
 * RLP([version, [block...], [node...], [code...], [key...], [header...], utf8(JSON(chainConfig))])), for any
 * witness size — the host hands whole multi-block batches to workers, and a million witness nodes must not
 * hit the call-stack limit. Byte-identical to guest/input.ts's encodeProgramInput (tested).
 */
const INPUT_VERSION = Uint8Array.of(1)

export function encodeProgramInput(input: ProgramInput): Uint8Array {
  const { witness } = input
  return rlpEncode([
    INPUT_VERSION,
    input.blocks,
    witness.state,
    witness.codes,
    witness.keys,
    witness.headers,
    new TextEncoder().encode(JSON.stringify(input.chainConfig)),
  ])
}
