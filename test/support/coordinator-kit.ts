import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { createBlock } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { Common } from '@ethereumjs/common'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import pino, { type Logger } from 'pino'
import type { ChainConfig, ProgramInput } from '../../guest/types.js'

/**
 * Helpers for the coordinator/prover tests (kept here because tests may only live in test/*.test.ts):
 * synthetic batches, a capturing logger, a raw TCP client and a CLI process runner. Not used at runtime.
 */

const SYNTHETIC_CHAIN: ChainConfig = { chainId: 1337, shanghaiTime: 0 }
let syntheticCommon: Common | undefined

/**
 * A tiny ProgramInput: one empty, well-formed Shanghai block numbered `number` (so it travels as ethrex Block
 * JSON), with a made-up witness; not executable, only provable by the mock backend.
 */
export function syntheticInput(number: number, witnessBytes = 8, gas: { gasLimit?: bigint; gasUsed?: bigint } = {}): ProgramInput {
  syntheticCommon ??= commonFromChainConfig(SYNTHETIC_CHAIN, guestCrypto())
  const header = { number: BigInt(number), gasLimit: gas.gasLimit ?? 30_000_000n, gasUsed: gas.gasUsed ?? 0n, timestamp: BigInt(number) }
  const block = createBlock({ header, withdrawals: [] }, { common: syntheticCommon, setHardfork: true })
  // The witness is one leaf node and a parent header whose state root is its hash: not a real state, but
  // hash-linked, so ethrex's nested witness form can embed it (src/protocol/ethrex/witness.ts).
  const leaf = RLP.encode([Uint8Array.of(0x20), new Uint8Array(witnessBytes).fill(number & 0xff)])
  const z = (n: number) => new Uint8Array(n)
  const parent = RLP.encode([z(32), z(32), z(20), keccak_256(leaf), z(32), z(32), z(256), z(0), BigInt(Math.max(number - 1, 0)), 30_000_000n, z(0), z(0), z(0), z(32), z(8)])
  return {
    blocks: [block.serialize()],
    witness: { state: [leaf], codes: [], keys: [], headers: [parent] },
    chainConfig: { ...SYNTHETIC_CHAIN },
  }
}

export interface CapturedLog {
  logger: Logger
  lines: Record<string, unknown>[]
}

export function captureLog(level = 'info'): CapturedLog {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s)) })
  return { logger, lines }
}

export interface RawResult {
  reply: Buffer
  /** How the connection ended: the server closed it (end/close), or we timed out waiting. */
  closedByServer: boolean
  error?: string
}

/** Connect, write `bytes` (optionally in pieces), half-close if asked, collect whatever comes back. */
export function rawExchange(port: number, bytes: Uint8Array | string, opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<RawResult> {
  const { halfClose = true, timeoutMs = 5000 } = opts
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true })
    let error: string | undefined
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ reply: Buffer.concat(chunks), closedByServer: false, error })
    }, timeoutMs)
    socket.on('connect', () => {
      socket.write(bytes, () => {
        if (halfClose) socket.end()
      })
    })
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
    const closed = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ reply: Buffer.concat(chunks), closedByServer: true, error })
    }
    socket.on('end', closed)
    socket.on('close', closed)
  })
}


export interface CliProcess {
  child: ChildProcess
  /** stderr lines so far (pino JSON or plain text). */
  lines: string[]
  /** Resolves with the first stderr line matching, or rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
  exited: Promise<number | null>
  kill(signal?: NodeJS.Signals): void
}

/** Run `node dist/src/cli/main.js ...args` with TESSERA_TEST_BACKENDS=1 (the compiled CLI, from the repo root). */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): CliProcess {
  const child = spawn(process.execPath, [cliPath(), ...args], {
    env: { ...process.env, TESSERA_TEST_BACKENDS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd,
  })
  const lines: string[] = []
  const waiters: { pattern: RegExp; resolve: (l: string) => void; fail: (e: Error) => void }[] = []
  let buffered = ''
  const onData = (d: Buffer) => {
    buffered += d.toString('utf8')
    let i: number
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i)
      buffered = buffered.slice(i + 1)
      lines.push(line)
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
    }
  }
  child.stderr!.on('data', onData)
  child.stdout!.on('data', onData)
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code
      resolve(code)
      // Whoever still waits for a line will not get it.
      setTimeout(() => {
        for (const w of waiters.splice(0)) w.fail(new Error(`process exited (${code}) before printing ${w.pattern}; output:\n${lines.slice(-30).join('\n')}`))
      }, 50)
    }),
  )
  return {
    child,
    lines,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    waitFor(pattern, timeoutMs = 30_000) {
      const found = lines.find((l) => pattern.test(l))
      if (found) return Promise.resolve(found)
      if (exitCode !== undefined) return Promise.reject(new Error(`process exited (${exitCode}) before printing ${pattern}; output:\n${lines.slice(-30).join('\n')}`))
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${lines.slice(-30).join('\n')}`)), timeoutMs)
        waiters.push({
          pattern,
          resolve: (l) => {
            clearTimeout(t)
            resolve(l)
          },
          fail: (e) => {
            clearTimeout(t)
            reject(e)
          },
        })
      })
    },
  }
}

function cliPath(): string {
  // From dist/src/coordinator/ or src/coordinator/: the compiled CLI lives in <root>/dist/src/cli/main.js.
  const here = fileURLToPath(import.meta.url)
  const root = here.includes('/dist/') ? here.slice(0, here.indexOf('/dist/')) : fileURLToPath(new URL('../../', import.meta.url))
  return `${root.replace(/\/$/, '')}/dist/src/cli/main.js`
}

/** A port that was free a moment ago (for restarting a process on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}
