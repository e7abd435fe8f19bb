import { capQuotes } from '../../guest/errors.js'

export { capQuotes, MAX_QUOTE } from '../../guest/errors.js'

/**
 * Error text is quoted, never echoed whole: a field can be 100 MB (an extraData, a hex blob) and an error
 * line carrying it floods logs and terminals. Each long quote keeps its head and length (capQuotes), then the
 * whole text is cut to `max` characters, saying how much was cut.
 */
export const MAX_ERROR_TEXT = 1000

export function shortText(text: string, max = MAX_ERROR_TEXT): string {
  const capped = capQuotes(text)
  if (capped.length <= max) return capped
  return `${capped.slice(0, max)}… (${capped.length - max} more characters)`
}
