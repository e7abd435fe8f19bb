import { TesseraError } from '../../guest/errors.js'

/**
 * An explicit "no" from a coordinator (Tessera extension; ethrex closes the connection instead):
 *   {"Refused":{"reason":"conflicting_duplicate","message":"batch 7 already has ...","retry":false}}
 * It lives beside the protocol messages rather than among them so it works whatever the message set is:
 * the server writes it as a pre-encoded reply, the client recognises it before parsing a message.
 * `retry: true` means "not now" (busy, internal error): the same request may succeed later. Without a reply
 * (connection closed) nothing is known, and a prover keeps its proof and tries again.
 */

export const REFUSAL_REASONS = [
  'auth',
  'type_not_needed',
  'unknown_batch',
  'unassigned',
  'assigned_to_another_prover',
  'conflicting_duplicate',
  'wrong_public_values',
  'invalid_proof',
  'unverifiable',
  'over_budget',
  'setup_unsupported',
  'unexpected',
  'busy',
  'internal',
  'shutting_down',
] as const
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/** Reasons that mean "try again later" rather than "this will never be accepted". */
const RETRYABLE: ReadonlySet<RefusalReason> = new Set(['busy', 'internal', 'shutting_down'])

const MAX_REFUSAL_TEXT = 300

/** A refusal received from (or to be sent by) a coordinator. */
export class Refused extends TesseraError {
  readonly reason: RefusalReason
  readonly retry: boolean
  constructor(reason: RefusalReason, message: string, retry = RETRYABLE.has(reason)) {
    super(`refused (${reason}): ${message}`)
    this.reason = reason
    this.retry = retry
  }
  /** The refusal text without the "refused (reason): " prefix. */
  get detail(): string {
    return this.message.replace(/^refused \([a-z_]+\): /, '')
  }
}

export function encodeRefusal(r: Refused): string {
  return JSON.stringify({ Refused: { reason: r.reason, message: r.detail.slice(0, MAX_REFUSAL_TEXT), retry: r.retry } })
}

/** A reply text that is a refusal, parsed; undefined for anything else (left to the message parser). */
export function parseRefusal(text: string): Refused | undefined {
  if (!/^\s*\{\s*"Refused"\s*:/.test(text.slice(0, 64))) return undefined
  let body: unknown
  try {
    body = (JSON.parse(text) as { Refused?: unknown }).Refused
  } catch {
    return undefined
  }
  if (typeof body !== 'object' || body === null) return undefined
  const { reason, message, retry } = body as Record<string, unknown>
  const known = (REFUSAL_REASONS as readonly unknown[]).includes(reason)
  const text_ = typeof message === 'string' ? message.slice(0, MAX_REFUSAL_TEXT) : ''
  // An unknown reason from a newer coordinator: honour its retry flag, call it "unexpected".
  return new Refused(known ? (reason as RefusalReason) : 'unexpected', known ? text_ : `${String(reason).slice(0, 40)}: ${text_}`, typeof retry === 'boolean' ? retry : false)
}
