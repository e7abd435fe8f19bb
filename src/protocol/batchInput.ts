import { decodeProgramInput } from '../../guest/input.js'
import { decodeL2ProgramInput, encodeL2ProgramInput, isEncodedL2Input } from '../../guest/l2/input.js'
import type { L2ProgramInput } from '../../guest/l2/types.js'
import type { ProgramInput } from '../../guest/types.js'
import { isL2BatchCache, l2CacheFileToInput, l2InputToCacheFile } from '../l2/cache.js'
import { encodeProgramInput } from '../witness/programInput.js'
import { ProtocolError } from './errors.js'
import {
  ethrexInputKind,
  ethrexL1Json,
  ethrexL2Json,
  l2ProgramInputFromEthrex,
  programInputFromEthrexL1,
  proverInputDataFromEthrex,
  type ProverInputData,
} from './ethrex/proverInput.js'
import { isNestedWitness, requiredWitnessFields, type WrittenWitnessForm } from './ethrex/witness.js'
import { programInputFromJson, programInputToJson } from './input.js'
import type { Json } from './json.js'

/**
 * What `InputResponse.input` carries, kept in the form it arrived in so a message re-encodes to the same
 * bytes, and converted on demand:
 *   'l1'          ethrex's L1 ProgramInput `{blocks, execution_witness}` (what Tessera's coordinator serves)
 *   'l2'          ethrex's L2 ProverInputData (blocks, witness, elasticity, blob commitment/proof, fee configs):
 *                 what Tessera's coordinator serves an L2 batch as in ethrex's dialect, and what it reads from
 *                 an ethrex coordinator; runs the L2 guest
 *   'tessera-0.1' the older Tessera dialect's `{blocks: [0x-rlp], witness, chainConfig}`
 *   'l2-cache'    an ethrex L2 batch in the ethrex-replay L2 batch cache shape (src/l2/cache.ts): how
 *                 Tessera 0.1 coordinators handed L2 batches to Tessera provers, and still how L2 batches are
 *                 answered in the older dialect; read in either dialect, told apart from ethrex's
 *                 ProverInputData by the cache's own fields
 * The field shapes are checked when the message is read; the heavier conversion (blocks to RLP) runs when
 * the prover asks for the ProgramInput.
 */
export type BatchInputForm = 'l1' | 'l2' | 'tessera-0.1' | 'l2-cache'

/** Tessera's L2 batch JSON (the L2 cache shape): ethrex's ProverInputData has `execution_witness` instead of `witness`. */
function isTesseraL2Batch(json: Json | undefined): boolean {
  return isL2BatchCache(json) && !('execution_witness' in (json as object))
}

export class BatchInput {
  private constructor(
    readonly form: BatchInputForm,
    private wire: Json | undefined,
    private program: ProgramInput | undefined,
    private readonly field: string,
    private l2: L2ProgramInput | undefined = undefined,
    /** The ethrex witness form: Tessera's own batches are written in it (ethrexJson); a received input's own form. */
    readonly witnessForm: WrittenWitnessForm = 'nested',
  ) {}

  /** A batch as the coordinator stores it (encodeProgramInput or encodeL2ProgramInput bytes). */
  static fromStored(bytes: Uint8Array, witnessForm: WrittenWitnessForm = 'nested'): BatchInput {
    // An L2 batch goes out as ethrex's ProverInputData (ethrexJson), which ethrex's L2 provers consume.
    if (isEncodedL2Input(bytes)) return new BatchInput('l2', undefined, undefined, 'input', decodeL2ProgramInput(bytes), witnessForm)
    return BatchInput.fromProgram(decodeProgramInput(bytes), witnessForm)
  }

  private static fromL2CacheJson(json: Json, field: string): BatchInput {
    try {
      return new BatchInput('l2-cache', json, undefined, field, l2CacheFileToInput(json, field))
    } catch (e) {
      throw new ProtocolError('malformed', (e as Error).message.slice(0, 300), field)
    }
  }

  /** A batch Tessera serves: sent as ethrex's L1 ProgramInput. */
  static fromProgram(program: ProgramInput, witnessForm: WrittenWitnessForm = 'nested'): BatchInput {
    return new BatchInput('l1', undefined, program, 'input', undefined, witnessForm)
  }

  static fromEthrexJson(json: Json | undefined, field: string): BatchInput {
    if (isTesseraL2Batch(json)) return BatchInput.fromL2CacheJson(json!, field)
    const kind = ethrexInputKind(json, field)
    const witness = (json as { execution_witness: Json }).execution_witness
    // The witness's fields are checked now (flat or nested); its tries are re-hashed when the input is run.
    for (const name of requiredWitnessFields(witness)) {
      if (!(name in (witness as object))) throw new ProtocolError('malformed', 'missing', `${field}.execution_witness.${name}`)
    }
    return new BatchInput(kind, json, undefined, field, undefined, isNestedWitness(witness) ? 'nested' : 'flat')
  }

  static fromLegacyJson(json: Json | undefined, field: string): BatchInput {
    if (isTesseraL2Batch(json)) return BatchInput.fromL2CacheJson(json!, field)
    return new BatchInput('tessera-0.1', json, programInputFromJson(json, field), field)
  }

  /** The input as ethrex's JSON: as received, or Tessera's batch in ethrex's L1 or L2 form. */
  ethrexJson(): Json {
    if (this.form === 'l2-cache') return this.l2CacheJson()
    if (this.form === 'l2') {
      if (this.wire === undefined) this.wire = ethrexL2Json(this.l2!, this.witnessForm)
      return this.wire
    }
    if (this.form === 'tessera-0.1') return ethrexL1Json(this.programInput(), this.witnessForm)
    if (this.wire === undefined) this.wire = ethrexL1Json(this.program!, this.witnessForm)
    return this.wire
  }

  /** The older dialect's JSON (answering a Tessera 0.1 prover). */
  legacyJson(): Json {
    // Tessera 0.1 provers read L2 batches in the cache shape only.
    if (this.form === 'l2-cache' || this.form === 'l2') return this.l2CacheJson()
    if (this.form === 'tessera-0.1' && this.wire !== undefined) return this.wire
    return programInputToJson(this.programInput()) as unknown as Json
  }

  private l2CacheJson(): Json {
    if (this.form === 'l2-cache' && this.wire !== undefined) return this.wire
    return l2InputToCacheFile(this.l2InputOrConvert()) as unknown as Json
  }

  /** The bytes a prove worker runs: the L1 guest's input, or the L2 guest's for an L2 batch. */
  runnableBytes(): Uint8Array {
    return this.isL2() ? encodeL2ProgramInput(this.l2InputOrConvert()) : encodeProgramInput(this.programInput())
  }

  /** RLP blocks of the batch (for gas budgets before running it). */
  blocks(): Uint8Array[] {
    return this.isL2() ? this.l2InputOrConvert().blocks : this.programInput().blocks
  }

  private isL2(): boolean {
    return this.form === 'l2' || this.form === 'l2-cache'
  }

  /** What the L2 guest runs (forms 'l2' and 'l2-cache'); ethrex's ProverInputData is converted once, here. */
  l2ProgramInput(): L2ProgramInput {
    if (!this.isL2()) throw new ProtocolError('unexpected_reply', `the input is ${this.form}, not an L2 batch`, this.field)
    return this.l2InputOrConvert()
  }

  private l2InputOrConvert(): L2ProgramInput {
    if (this.l2 === undefined) this.l2 = l2ProgramInputFromEthrex(this.wire, this.field)
    return this.l2
  }

  /** What Tessera's L1 guest runs. An L2 batch runs the L2 guest (runnableBytes). */
  programInput(): ProgramInput {
    if (this.program !== undefined) return this.program
    if (this.isL2()) throw new ProtocolError('unsupported_input', 'an L2 batch runs the L2 guest, not the L1 one (l2ProgramInput)', this.field)
    this.program = programInputFromEthrexL1(this.wire, this.field)
    return this.program
  }

  /** The decoded L2 ProverInputData (form 'l2' only). */
  proverInputData(): ProverInputData {
    if (this.form !== 'l2') throw new ProtocolError('unexpected_reply', `the input is ${this.form}, not an L2 ProverInputData`, this.field)
    return proverInputDataFromEthrex(this.ethrexJson(), this.field)
  }
}
