/**
 * Typed failures of stateless execution. Every rejection the guest can produce is one of these three,
 * so a caller can tell "the witness was not enough" from "the witness lies" from "the block is wrong".
 */
export class TesseraError extends Error {
  /** What a user can do about it, when there is something to do. */
  readonly hint?: string
  constructor(message: string, hint?: string) {
    super(message)
    this.name = new.target.name
    this.hint = hint
  }
}

export type MissingKind = 'node' | 'code' | 'header' | 'uncles'

/** The witness lacks something execution needs: a trie node (by hash and path), a code, an ancestor header. */
export class WitnessIncomplete extends TesseraError {
  readonly kind: MissingKind
  readonly what: string
  /** What was being read when it was missed (an account, a slot, the state-root computation). */
  readonly context?: string
  constructor(kind: MissingKind, what: string, context?: string) {
    super(`witness incomplete: missing ${kind} ${what}${context ? ` (${context})` : ''}`)
    this.kind = kind
    this.what = what
    this.context = context
  }
}

/** The witness is malformed or not hash-linked: bad hex/RLP, a header chain that does not connect, etc. */
export class WitnessInvalid extends TesseraError {
  readonly field: string
  constructor(field: string, reason: string) {
    super(`witness invalid: ${field}: ${reason}`)
    this.field = field
  }
}

/** A block fails a consensus check. `check` names it; expected/actual carry the values when there are any. */
export class BlockInvalid extends TesseraError {
  readonly blockNumber: bigint | undefined
  readonly check: string
  readonly expected?: string
  readonly actual?: string
  constructor(blockNumber: bigint | undefined, check: string, detail?: { expected?: string; actual?: string; reason?: string }) {
    const where = blockNumber === undefined ? 'block' : `block ${blockNumber}`
    const values = detail?.expected !== undefined ? `: expected ${detail.expected}, got ${detail.actual}` : ''
    const reason = detail?.reason ? `: ${detail.reason}` : ''
    super(`${where} invalid: ${check}${values}${reason}`)
    this.blockNumber = blockNumber
    this.check = check
    this.expected = detail?.expected
    this.actual = detail?.actual
  }
}

export type GuestError = WitnessIncomplete | WitnessInvalid | BlockInvalid

export function isGuestError(e: unknown): e is GuestError {
  return e instanceof WitnessIncomplete || e instanceof WitnessInvalid || e instanceof BlockInvalid
}
