import { TesseraError } from '../../guest/errors.js'

/** Why a message was refused; also the `reason` label of the coordinator's rejected-messages metric. */
export type ProtocolErrorReason =
  | 'malformed' // not JSON, wrong shape, bad field
  | 'unknown_variant' // JSON fine, but not a message name we know
  | 'oversized' // more than --max-message-bytes
  | 'timeout' // the peer stopped sending before half-closing
  | 'no_reply' // the peer closed without answering
  | 'unexpected_reply' // a valid message, but not one that answers the request
  | 'unsupported_input' // a well-formed input this build cannot run (an L2 batch without the L2 guest)

/** A message that cannot be read or is not the one expected. `field` names the offending part. */
export class ProtocolError extends TesseraError {
  readonly reason: ProtocolErrorReason
  readonly field?: string
  constructor(reason: ProtocolErrorReason, message: string, field?: string, hint?: string) {
    super(field ? `protocol: ${field}: ${message}` : `protocol: ${message}`, hint)
    this.reason = reason
    this.field = field
  }
}
