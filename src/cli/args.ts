/**
 * `parseArgs` of node:util with errors a user can act on: an unknown flag names the closest known one
 * (`--wrokers` → did you mean `--workers`?), a flag missing its value or given one it does not take says so
 * in plain words, instead of Node's ERR_PARSE_ARGS_* text.
 */
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util'
import { TesseraError } from '../../guest/errors.js'

export class UnknownOption extends TesseraError {}
export class OptionValueInvalid extends TesseraError {}

/** Levenshtein distance, small strings only. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]
}

/** The known option closest to `name` (without dashes), if it is close enough to be a typo. */
export function closestOption(name: string, known: string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = k.startsWith(name) && name.length >= 3 ? 0.5 : distance(name, k)
    if (d < bestD) [best, bestD] = [k, d]
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

export function parseArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof nodeParseArgs<T>> {
  try {
    return nodeParseArgs(config)
  } catch (e) {
    const err = e as Error & { code?: string }
    const known = Object.keys(config.options ?? {})
    const list = known.map((k) => `--${k}`).join(', ')
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /Unknown option '([^']+)'/.exec(err.message)?.[1] ?? '?'
      const guess = closestOption(flag.replace(/^-+/, '').split('=')[0], known)
      throw new UnknownOption(`unknown option ${flag}`, guess ? `did you mean --${guess}?` : `known options: ${list}`)
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /Option '(-\w, )?(--[\w-]+)/.exec(err.message)?.[2] ?? 'an option'
      const missing = /argument missing/.test(err.message)
      throw new OptionValueInvalid(missing ? `${flag} needs a value` : `${flag} is a switch and takes no value`, missing ? `write ${flag} VALUE` : `write ${flag} alone`)
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /Unexpected argument '([^']+)'/.exec(err.message)?.[1] ?? '?'
      throw new UnknownOption(`unexpected argument '${arg}': this command takes no positional arguments`, `options: ${list}`)
    }
    throw e
  }
}

/** Refuse flags the (sub)command was given but does not read: an accepted flag is never silently ignored. */
export function refuseUnused(values: Record<string, unknown>, used: readonly string[], command: string): void {
  const unused = Object.keys(values).filter((k) => values[k] !== undefined && k !== 'help' && !used.includes(k))
  if (unused.length > 0) {
    throw new UnknownOption(`${unused.map((k) => `--${k}`).join(', ')} ${unused.length > 1 ? 'do' : 'does'} not apply to '${command}'`, `'${command}' reads: ${used.map((k) => `--${k}`).join(', ')}`)
  }
}
