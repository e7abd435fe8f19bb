import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Start/stop a local Hardhat 2 node (EDR) on 127.0.0.1 and a free port, in its own temp dir, stopped by PID.
 * Used by `tessera demo --l2` (the L1 side of the deposit/withdraw loop) and by the Hardhat tests.
 */

/** The package root, from src/l1 (vitest) or dist/src/l1 (compiled). */
function packageRoot(): string {
  const candidates = ['../../', '../../../'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  return candidates.find((dir) => existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'hardhat'))) ?? candidates[0]
}

const ROOT = packageRoot()

/** Cancun L1 config shipped in the package (hardhat/): the L1 contracts need BLOBHASH. */
export const L1_HARDHAT_CONFIG = join(ROOT, 'hardhat/hardhat.l1.config.cjs')

const HARDHAT_BOOTSTRAP = join(ROOT, 'node_modules/hardhat/internal/cli/bootstrap.js')

/** Hardhat is a devDependency: absent after `npm install --omit=dev`. */
export class HardhatNotInstalled extends Error {
  constructor(readonly path: string) {
    super(`hardhat is not installed (${path} is missing); run 'npm install' (it installs the hardhat devDependency)`)
    this.name = 'HardhatNotInstalled'
  }
}

export class LocalNodeFailed extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LocalNodeFailed'
  }
}

/** The installed Hardhat's version ('?' when unreadable). */
export function hardhatVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules/hardhat/package.json'), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

export function hardhatInstalled(): boolean {
  return existsSync(HARDHAT_BOOTSTRAP)
}

export interface LocalL1Node {
  url: string
  port: number
  pid: number
  /** Resolves with the exit code when the node process ends (by stop() or on its own). */
  exited: Promise<number | null>
  stop(): Promise<void>
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (body.error) throw new Error(`${method}: ${body.error.message}`)
  return body.result
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

// Last resort if the owner never called stop(): no node outlives this process.
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of running) if (c.pid !== undefined && c.exitCode === null) kill(c.pid, 'SIGKILL')
})

export interface LocalL1Options {
  /** Absolute path of a Hardhat config (default: the package's cancun L1 config). Ignored when `hardfork` is given. */
  configFile?: string
  /** Write a config for this hardfork (and `chainId`, default 31337) instead of copying `configFile`. */
  hardfork?: string
  chainId?: number
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number
  /** Where the node's stderr goes besides the failure message (e.g. the terminal for `tessera node`). */
  stdout?: 'ignore' | 'inherit'
  timeoutMs?: number
}

export async function startLocalL1(o: LocalL1Options = {}): Promise<LocalL1Node> {
  const { configFile = L1_HARDHAT_CONFIG, timeoutMs = 60_000 } = o
  if (!hardhatInstalled()) throw new HardhatNotInstalled(HARDHAT_BOOTSTRAP)
  // Hardhat looks for its config from the working directory up (HH12 elsewhere): run it in a temp dir of its own.
  const dir = mkdtempSync(join(tmpdir(), 'tessera-hardhat-'))
  if (o.hardfork !== undefined) {
    const network = { hardfork: o.hardfork, chainId: o.chainId ?? 31337 }
    writeFileSync(join(dir, 'hardhat.config.cjs'), `module.exports = ${JSON.stringify({ networks: { hardhat: network } })}\n`)
  } else {
    copyFileSync(configFile, join(dir, 'hardhat.config.cjs'))
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const port = o.port ?? (await freePort())
  const child = spawn(process.execPath, [HARDHAT_BOOTSTRAP, 'node', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: dir,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', DO_NOT_TRACK: '1' },
    stdio: ['ignore', o.stdout ?? 'ignore', 'pipe'],
  })
  running.add(child)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    running.delete(child)
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r))
      kill(child.pid, 'SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (child.exitCode === null && child.signalCode === null) kill(child.pid, 'SIGKILL')
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new LocalNodeFailed(`hardhat node exited with code ${child.exitCode}: ${stderr}`)
    }
    try {
      await rpcCall(url, 'eth_chainId')
      break
    } catch {
      if (Date.now() > deadline) {
        await stop()
        throw new LocalNodeFailed(`hardhat node did not answer on ${url} within ${timeoutMs} ms: ${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  return { url, port, pid: child.pid!, exited, stop }
}
