import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../src/l1/localNode.js'
import { REPO_ROOT } from './support/fixtures.js'

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js')

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  return ((await res.json()) as { result: unknown }).result
}

describe('tessera node', () => {
  it('starts a shanghai dev node on 127.0.0.1 from a folder outside the repo, and stops on SIGTERM', async () => {
    const port = await freePort()
    // cwd outside the package: Hardhat itself would fail there with HH12 (no config found).
    const child = spawn(process.execPath, [CLI, 'node', '--port', String(port)], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    try {
      const deadline = Date.now() + 60_000
      while (!out.includes('Ctrl-C stops it') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
      expect(out).toMatch(new RegExp(`tessera node: http://127\\.0\\.0\\.1:${port} \\(chain id 31337, hardfork shanghai, Hardhat 2\\.\\d+\\.\\d+\\)`))
      const url = `http://127.0.0.1:${port}`
      expect(await rpc(url, 'eth_chainId')).toBe('0x7a69')
      const block = (await rpc(url, 'eth_getBlockByNumber', ['latest', false])) as Record<string, unknown>
      // Shanghai: withdrawals root in the header, no cancun fields.
      expect(block.withdrawalsRoot).toMatch(/^0x[0-9a-f]{64}$/)
      expect(block.parentBeaconBlockRoot).toBeUndefined()
      expect(block.excessBlobGas).toBeUndefined()
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    await expect(rpc(`http://127.0.0.1:${port}`, 'eth_chainId')).rejects.toThrow()
  }, 90_000)

  it('refuses a hardfork it does not run and a bad port', async () => {
    const run = (args: string[]) =>
      new Promise<string>((resolve) => {
        const c = spawn(process.execPath, [CLI, 'node', ...args], { cwd: tmpdir() })
        let err = ''
        c.stderr.on('data', (d: Buffer) => (err += d.toString()))
        c.once('exit', () => resolve(err))
      })
    expect(await run(['--hardfork', 'paris'])).toMatch(/--hardfork paris is not one this node runs\nhint: one of: .*shanghai, cancun/)
    expect(await run(['--port', '99999'])).toMatch(/--port must be a TCP port \(1-65535\), got 99999/)
  }, 30_000)
})
