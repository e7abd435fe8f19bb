import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { TesseraError } from '../../guest/errors.js'

/**
 * Per-prover auth tokens (`--auth-tokens FILE`): each prover has its own token under a name, so one can be
 * revoked without touching the others and the coordinator can say which prover took and proved each batch.
 * The file is `name token` lines (`#` comments, blank lines ignored) or a JSON object {"name": "token", ...}.
 * Tokens are kept only as SHA-256 hashes, and never appear in an error or a log line.
 */
export class AuthTokensInvalid extends TesseraError {
  constructor(path: string, where: string, what: string) {
    super(`--auth-tokens ${path}${where ? ` ${where}` : ''}: ${what}`, 'each line is `name token` (name: letters, digits, . _ -; token: at least 16 characters, no spaces)')
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const TOKEN = /^[\x21-\x7e]{16,512}$/
const MAX_FILE_BYTES = 1024 * 1024

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex')

export class ProverTokens {
  private constructor(private readonly byHash: Map<string, string>) {}

  /** The prover's name for a token; undefined for an unknown (or revoked) one. */
  nameOf(token: string): string | undefined {
    return this.byHash.get(tokenHash(token))
  }

  get names(): string[] {
    return [...this.byHash.values()].sort()
  }

  static parse(text: string, path: string): ProverTokens {
    const entries: [string, string, string][] = [] // name, token, where
    if (text.trimStart().startsWith('{')) {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (e) {
        throw new AuthTokensInvalid(path, '', `not valid JSON (${(e as Error).message.slice(0, 100)})`)
      }
      for (const [name, token] of Object.entries(json as Record<string, unknown>)) {
        if (typeof token !== 'string') throw new AuthTokensInvalid(path, `entry ${JSON.stringify(name.slice(0, 64))}`, 'the token is not a string')
        entries.push([name, token, `entry ${JSON.stringify(name.slice(0, 64))}`])
      }
    } else {
      text.split('\n').forEach((raw, i) => {
        const line = raw.replace(/#.*/, '').trim()
        if (line === '') return
        const fields = line.split(/\s+/)
        if (fields.length !== 2) throw new AuthTokensInvalid(path, `line ${i + 1}`, `expected 2 fields (name token), found ${fields.length}`)
        entries.push([fields[0], fields[1], `line ${i + 1}`])
      })
    }
    const byHash = new Map<string, string>()
    const names = new Set<string>()
    for (const [name, token, where] of entries) {
      if (!NAME.test(name)) throw new AuthTokensInvalid(path, where, `${JSON.stringify(name.slice(0, 64))} is not a valid name`)
      if (!TOKEN.test(token)) throw new AuthTokensInvalid(path, where, `the token of ${name} is not 16 to 512 printable characters without spaces`)
      if (names.has(name)) throw new AuthTokensInvalid(path, where, `${name} is named twice`)
      const hash = tokenHash(token)
      if (byHash.has(hash)) throw new AuthTokensInvalid(path, where, `${name} has the same token as ${byHash.get(hash)}`)
      names.add(name)
      byHash.set(hash, name)
    }
    if (byHash.size === 0) throw new AuthTokensInvalid(path, '', 'no tokens (an empty file would let no prover in)')
    return new ProverTokens(byHash)
  }

  static load(path: string): ProverTokens {
    let text: string
    try {
      const bytes = readFileSync(path)
      if (bytes.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`)
      text = bytes.toString('utf8')
    } catch (e) {
      throw new AuthTokensInvalid(path, '', `cannot be read (${String((e as Error).message).slice(0, 200)})`)
    }
    return ProverTokens.parse(text, path)
  }
}

export class AllowListInvalid extends TesseraError {}

/** `--allow-tokenless 10.0.0.5,192.168.1.0/24,fd00::/64`: the addresses requests without a token may come from. */
export function parseAddressList(value: string, flag: string): net.BlockList {
  const list = new net.BlockList()
  for (const item of value.split(',').map((s) => s.trim())) {
    if (item === '') throw new AllowListInvalid(`${flag} ${value}: empty item`)
    const [address, prefix, extra] = item.split('/')
    const type = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined
    const bits = prefix === undefined ? undefined : Number(prefix)
    if (type === undefined || extra !== undefined || (bits !== undefined && (!/^\d+$/.test(prefix) || bits > (type === 'ipv4' ? 32 : 128)))) {
      throw new AllowListInvalid(`${flag}: ${JSON.stringify(item.slice(0, 60))} is not an IP address or address/prefix`)
    }
    if (bits === undefined) list.addAddress(address, type)
    else list.addSubnet(address, bits, type)
  }
  return list
}

/** Whether a peer's address (as the socket reports it; IPv4-mapped IPv6 counts as IPv4) is on the list. */
export function addressListed(list: net.BlockList, host: string): boolean {
  const v4 = host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
  if (net.isIPv4(v4)) return list.check(v4, 'ipv4')
  return net.isIPv6(host) && list.check(host, 'ipv6')
}
