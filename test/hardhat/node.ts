import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Start/stop a Hardhat 2 node (EDR) on 127.0.0.1 and a free port, in its own temp dir, stopped by PID.
 * Usable from tests and as a script: `node dist/test/...` is not built, so run via `npx tsx`-free path:
 * `node --experimental-strip-types` is not on Node 20 — tests import it through vitest.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface HardhatNode {
  url: string
  port: number
  pid: number
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

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of running) if (c.pid !== undefined && c.exitCode === null) kill(c.pid, 'SIGTERM')
})

/** `configFile`: a config in test/hardhat/ (default shanghai for replay; hardhat.l1.config.cjs is cancun for the L1 contracts). */
export async function startHardhatNode(timeoutMs = 60_000, configFile = 'hardhat.config.cjs'): Promise<HardhatNode> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-hardhat-'))
  copyFileSync(join(ROOT, 'test/hardhat', configFile), join(dir, 'hardhat.config.cjs'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const port = await freePort()
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/hardhat/internal/cli/bootstrap.js'), 'node', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: dir,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', DO_NOT_TRACK: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  running.add(child)
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    running.delete(child)
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r))
      kill(child.pid, 'SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (child.exitCode === null) kill(child.pid, 'SIGKILL')
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`hardhat node exited with code ${child.exitCode}: ${stderr}`)
    }
    try {
      await rpcCall(url, 'eth_chainId')
      break
    } catch {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`hardhat node did not answer on ${url} within ${timeoutMs} ms: ${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  return { url, port, pid: child.pid!, stop }
}
