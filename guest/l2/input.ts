import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes, bytesToBigInt } from '@ethereumjs/util'
import { WitnessInvalid } from '../errors.js'
import { rlpEncode } from '../rlp.js'
import { decodeFeeConfig, encodeFeeConfig } from './feeConfig.js'
import type { L2ProgramInput } from './types.js'

/**
 * Binary form of L2ProgramInput, to hand inputs to workers and backends as one buffer:
 * RLP(['L2', version, [block...], [node...], [code...], [key...], [header...], utf8(JSON(chainConfig)),
 * elasticity, [fee config bytes...], commitment, proof]). The leading 'L2' tells it apart from the L1 input.
 */
const MAGIC = new TextEncoder().encode('L2')
const VERSION = 1

export function encodeL2ProgramInput(input: L2ProgramInput): Uint8Array {
  const w = input.witness
  // Iterative encoder: @ethereumjs/rlp spreads a list's items as call arguments (stack overflow near ~120k nodes).
  return rlpEncode([
    MAGIC,
    Uint8Array.of(VERSION),
    input.blocks,
    w.state,
    w.codes,
    w.keys,
    w.headers,
    new TextEncoder().encode(JSON.stringify(input.chainConfig)),
    bigIntToUnpaddedBytes(input.elasticityMultiplier),
    input.feeConfigs.map(encodeFeeConfig),
    input.blobCommitment,
    input.blobProof,
  ])
}

/** True when `bytes` is an encoded L2 input (so a worker can route it to the L2 guest). */
export function isEncodedL2Input(bytes: Uint8Array): boolean {
  try {
    const d = RLP.decode(bytes)
    return Array.isArray(d) && d[0] instanceof Uint8Array && d[0].length === 2 && d[0][0] === MAGIC[0] && d[0][1] === MAGIC[1]
  } catch {
    return false
  }
}

function byteList(value: unknown, field: string): Uint8Array[] {
  if (!Array.isArray(value) || !value.every((v) => v instanceof Uint8Array)) throw new WitnessInvalid(field, 'expected a list of byte strings')
  return value as Uint8Array[]
}

export function decodeL2ProgramInput(bytes: Uint8Array): L2ProgramInput {
  let d: unknown
  try {
    d = RLP.decode(bytes)
  } catch (e) {
    throw new WitnessInvalid('l2 input', `not valid RLP (${(e as Error).message})`)
  }
  if (!Array.isArray(d) || d.length !== 12 || !isEncodedL2Input(bytes)) throw new WitnessInvalid('l2 input', "expected a 12-item RLP list starting with 'L2'")
  const [, version, blocks, state, codes, keys, headers, config, elasticity, fees, commitment, proof] = d as unknown[]
  const v = version instanceof Uint8Array ? Number(bytesToBigInt(version)) : -1
  if (v !== VERSION) throw new WitnessInvalid('l2 input.version', `unsupported version ${v}`)
  if (!(config instanceof Uint8Array) || !(elasticity instanceof Uint8Array) || !(commitment instanceof Uint8Array) || !(proof instanceof Uint8Array)) {
    throw new WitnessInvalid('l2 input', 'chain config, elasticity, commitment and proof must be byte strings')
  }
  let chainConfig
  try {
    chainConfig = JSON.parse(new TextDecoder().decode(config))
  } catch {
    throw new WitnessInvalid('l2 input.chainConfig', 'not valid JSON')
  }
  const feeConfigs = byteList(fees, 'l2 input.feeConfigs').map((b, i) => {
    const { config: c, consumed } = decodeFeeConfig(b, `feeConfigs[${i}]`)
    if (consumed !== b.length) throw new WitnessInvalid(`l2 input.feeConfigs[${i}]`, 'trailing bytes')
    return c
  })
  return {
    blocks: byteList(blocks, 'l2 input.blocks'),
    witness: { state: byteList(state, 'witness.state'), codes: byteList(codes, 'witness.codes'), keys: byteList(keys, 'witness.keys'), headers: byteList(headers, 'witness.headers') },
    chainConfig,
    elasticityMultiplier: bytesToBigInt(elasticity),
    feeConfigs,
    blobCommitment: commitment,
    blobProof: proof,
  }
}
