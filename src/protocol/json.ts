import { ProtocolError } from './errors.js'

/**
 * JSON as serde_json reads and writes it, without losing integers. ethrex's messages carry u64/u128 numbers
 * (chain config's terminalTotalDifficulty is a u128 written as a bare number), which JSON.parse would round.
 * Integers outside the safe range become bigint; everything else is what JSON.parse gives. `stringify` writes
 * the compact form serde_json::to_vec writes (no spaces, same escapes), so a decoded message re-encodes to the
 * same bytes.
 */

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json }

/** Deeper than any real message; a guard so hostile nesting is a ProtocolError, not a RangeError. */
const MAX_DEPTH = 512

/** Longest number token read: a u256 has 78 digits; room for a sign, a fraction and an exponent. */
const MAX_NUMBER_CHARS = 100

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
/** `1,22,333`: up to 4096 non-negative integers of up to 15 digits, no spaces. */
const BYTE_RUN = /(?:0|[1-9]\d{0,14})(?:,(?:0|[1-9]\d{0,14})){0,4095}/y

class Parser {
  i = 0
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new ProtocolError('malformed', `not JSON (${what} at offset ${this.i})`)
  }

  ws(): void {
    const s = this.s
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++
      else break
    }
  }

  value(depth: number): Json {
    if (depth > MAX_DEPTH) this.fail('nesting too deep')
    this.ws()
    const c = this.s[this.i]
    if (c === '{') return this.object(depth)
    if (c === '[') return this.array(depth)
    if (c === '"') return this.string()
    if (c === '-' || (c >= '0' && c <= '9')) return this.number()
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null
    return this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`)
  }

  object(depth: number): Json {
    this.i++
    const out: Record<string, Json> = {}
    this.ws()
    if (this.s[this.i] === '}') return this.i++, out
    for (;;) {
      this.ws()
      if (this.s[this.i] !== '"') this.fail('expected a key')
      const key = this.string()
      this.ws()
      if (this.s[this.i] !== ':') this.fail('expected ":"')
      this.i++
      // serde_json keeps the last of duplicate keys for maps but refuses them for structs; refuse them all.
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`duplicate key ${JSON.stringify(key.slice(0, 40))}`)
      // Plain assignment stays linear in the key count (defineProperty for every key did not: 1.5M keys took
      // half a minute); only "__proto__" needs it, to be an own property rather than the prototype.
      const value = this.value(depth + 1)
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
      else out[key] = value
      this.ws()
      const c = this.s[this.i++]
      if (c === '}') return out
      if (c !== ',') this.fail('expected "," or "}"')
    }
  }

  array(depth: number): Json {
    this.i++
    const out: Json[] = []
    this.ws()
    if (this.s[this.i] === ']') return this.i++, out
    // Byte arrays dominate the messages: read runs of compact small integers directly, a bounded run at a
    // time (one regex over millions of items would exhaust the regex engine's backtrack stack).
    for (;;) {
      BYTE_RUN.lastIndex = this.i
      const run = BYTE_RUN.exec(this.s)
      if (!run) break
      const end = this.s[this.i + run[0].length]
      if (end !== ']' && end !== ',') break
      for (const part of run[0].split(',')) out.push(Number(part))
      this.i += run[0].length + 1
      if (end === ']') return out
    }
    for (;;) {
      out.push(this.value(depth + 1))
      this.ws()
      const c = this.s[this.i++]
      if (c === ']') return out
      if (c !== ',') this.fail('expected "," or "]"')
    }
  }

  string(): string {
    const start = this.i
    const end = this.s.indexOf('"', start + 1)
    // Fast path: no escapes and no control characters before the closing quote.
    if (end > 0) {
      const raw = this.s.slice(start + 1, end)
      if (!/[\\\u0000-\u001f]/.test(raw)) {
        this.i = end + 1
        return raw
      }
    }
    // Slow path: find the real closing quote, then let JSON.parse apply the escapes.
    let j = start + 1
    for (; j < this.s.length; j++) {
      const c = this.s.charCodeAt(j)
      if (c === 0x5c) j++
      else if (c === 0x22) break
      else if (c < 0x20) {
        this.i = j
        this.fail('control character in string')
      }
    }
    if (j >= this.s.length) this.fail('unterminated string')
    this.i = j + 1
    try {
      return JSON.parse(this.s.slice(start, j + 1)) as string
    } catch {
      this.i = start
      return this.fail('bad string escape')
    }
  }

  number(): number | bigint {
    NUMBER.lastIndex = this.i
    const m = NUMBER.exec(this.s)
    if (!m) this.fail('bad number')
    const text = m[0]
    // No field takes more than a u256 (78 digits); a longer number is refused before anything is built
    // from it (BigInt of n digits costs O(n^2): 15 million digits held the event loop for seconds).
    if (text.length > MAX_NUMBER_CHARS) this.fail(`number of ${text.length} characters (at most ${MAX_NUMBER_CHARS})`)
    this.i += text.length
    if (m[1] === undefined && m[2] === undefined) {
      // Up to 15 digits is always exact; longer ones become bigint when past 2^53.
      const n = Number(text)
      return text.length < 16 || Number.isSafeInteger(n) ? n : BigInt(text)
    }
    return Number(text)
  }
}

/** Parse JSON text; any defect is a ProtocolError('malformed') with the offset. */
export function parseJson(text: string): Json {
  const p = new Parser(text)
  const value = p.value(0)
  p.ws()
  if (p.i !== text.length) p.fail('trailing characters')
  return value
}

/** Compact JSON as serde_json writes it; bigint as its decimal digits. Strings escape as JSON.stringify does. */
export function stringifyJson(value: Json | undefined): string {
  const out: string[] = []
  write(value === undefined ? null : value, out)
  return out.join('')
}

function write(v: Json, out: string[]): void {
  if (v === null) out.push('null')
  else if (typeof v === 'string') out.push(JSON.stringify(v))
  else if (typeof v === 'number') out.push(Number.isFinite(v) ? JSON.stringify(v) : 'null')
  else if (typeof v === 'bigint') out.push(v.toString())
  else if (typeof v === 'boolean') out.push(v ? 'true' : 'false')
  else if (Array.isArray(v)) {
    // Byte arrays dominate the messages: write them in one go.
    if (v.every((x) => typeof x === 'number' && Number.isInteger(x))) out.push(`[${v.join(',')}]`)
    else {
      out.push('[')
      v.forEach((x, i) => {
        if (i > 0) out.push(',')
        write(x, out)
      })
      out.push(']')
    }
  } else {
    out.push('{')
    let first = true
    for (const key of Object.keys(v)) {
      const x = v[key]
      if (x === undefined) continue
      if (!first) out.push(',')
      first = false
      out.push(JSON.stringify(key), ':')
      write(x, out)
    }
    out.push('}')
  }
}

export function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
