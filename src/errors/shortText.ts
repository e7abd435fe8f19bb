/**
 * Error text is quoted, never echoed whole: a field can be 100 MB (an extraData, a hex blob) and an error
 * line carrying it floods logs and terminals. Keep the head and say how much was cut.
 */
export const MAX_ERROR_TEXT = 1000

export function shortText(text: string, max = MAX_ERROR_TEXT): string {
  if (text.length <= max) return text
  return `${text.slice(0, max)}… (${text.length - max} more characters)`
}
