/**
 * Typed failures of stateless execution. Every rejection the guest can produce is one of these three,
 * so a caller can tell "the witness was not enough" from "the witness lies" from "the block is wrong".
 */
/** Longest unbroken run (a hex field, a JSON value) an error quotes whole; longer ones keep a head and their length. */
export const MAX_QUOTE = 700
const QUOTE_HEAD = 120

/**
 * Quotes in a message capped: every run of non-space characters longer than MAX_QUOTE (a 4 MB extraData, a
 * blob) keeps its first characters and says how long it was. Linear in the text; the rest of the message stays.
 */
export function capQuotes(text: string, max = MAX_QUOTE): string {
  if (text.length <= max) return text
  let out = ''
  let from = 0
  let runStart = 0
  for (let i = 0; i <= text.length; i++) {
    const space = i === text.length || text.charCodeAt(i) <= 0x20
    if (!space) continue
    if (i - runStart > max) {
      out += `${text.slice(from, runStart + QUOTE_HEAD)}… (${i - runStart} characters)`
      from = i
    }
    runStart = i + 1
  }
  return from === 0 ? text : out + text.slice(from)
}

export class TesseraError extends Error {
  /** What a user can do about it, when there is something to do. */
  readonly hint?: string
  constructor(message: string, hint?: string) {
    // Typed errors quote input fields; a huge field must not reach logs, terminals or --json whole.
    super(capQuotes(message))
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
    this.expected = detail?.expected === undefined ? undefined : capQuotes(detail.expected)
    this.actual = detail?.actual === undefined ? undefined : capQuotes(detail.actual)
  }
}

export type GuestError = WitnessIncomplete | WitnessInvalid | BlockInvalid

export function isGuestError(e: unknown): e is GuestError {
  return e instanceof WitnessIncomplete || e instanceof WitnessInvalid || e instanceof BlockInvalid
}
