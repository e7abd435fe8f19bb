import { TesseraError } from '../../../guest/errors.js'

/**
 * An input file is not in a shape Tessera reads, or a field has the wrong type. Not a witness problem:
 * the message names the file and the field, and says what was expected.
 */
export class InputFormatError extends TesseraError {
  readonly file: string
  readonly field: string
  constructor(file: string, field: string, reason: string, hint?: string) {
    super(`${file}: ${field}: ${reason}`, hint)
    this.file = file
    this.field = field
  }
}

/** The chain (id, fork schedule) of an input is not known: a bad network name or no config at all. */
export class UnknownChain extends InputFormatError {}

/**
 * The witness has no header that hash-links its pre-state root (SBV, headerless map form): running it would
 * trust a root nobody vouched for. Names what is missing and the ways to supply it.
 */
export class ParentHeaderMissing extends TesseraError {
  readonly file: string
  constructor(file: string, parentHash: string, parentNumber: bigint, shape: string) {
    super(
      `${file}: parent header of block ${parentNumber + 1n} (block ${parentNumber}, hash ${parentHash}) is not in the input (${shape} carries no headers): the pre-state root is not hash-linked to any header`,
      'give the parent header with --parent-header FILE (JSON or RLP) or --rpc-url URL, or accept an unanchored run with --trust-pre-state-root',
    )
    this.file = file
  }
}

