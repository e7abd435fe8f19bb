import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { freePort, runCli, type CliProcess } from './support/coordinator-kit.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'
import { generateTraffic } from './hardhat/traffic.js'

/**
 * `tessera coordinator --source rpc` against a live Hardhat node (shanghai): batches of blocks with witnesses
 * from eth_getProof, checked and completed by a guest run at load, proven by an exec prover process.
 */
let node: HardhatNode
let head: bigint
const dir = mkdtempSync(join(tmpdir(), 'tessera-coord-rpc-'))
const procs: CliProcess[] = []

beforeAll(async () => {
  node = await startHardhatNode()
  head = (await generateTraffic(node.url)).head
}, 120_000)

afterAll(async () => {
  for (const p of procs) {
    p.kill('SIGKILL')
    await p.exited
  }
  await node?.stop()
  rmSync(dir, { recursive: true, force: true })
})

it('serves RPC batches of --batch-size blocks and an exec prover proves them all', async () => {
  const last = Number(head) - (Number(head) % 2) // an even number of blocks: whole batches of 2
  const db = join(dir, 'c.db')
  const port = await freePort()
  const c = runCli(['coordinator', '--listen', `127.0.0.1:${port}`, '--source', 'rpc', '--rpc-url', node.url, '--from-block', '1', '--to-block', String(last), '--batch-size', '2', '--db', db, '--commit-hash', 'rpc', '--source-poll-interval', '0'])
  procs.push(c)
  await c.waitFor(/coordinator listening/, 120_000)
  const p = runCli(['prover', '--proof-coordinators', `tcp://127.0.0.1:${port}`, '--backend', 'exec', '--workers', '2', '--commit-hash', 'rpc', '--exit-when-idle', '--poll-interval', '200'])
  procs.push(p)
  expect(await p.exited).toBe(0)
  const store = new CoordinatorStore(db)
  try {
    const batches = last / 2
    expect(store.counts(['Exec'], 600_000)).toMatchObject({ total: batches, proven: { Exec: batches } })
    for (let b = 1; b <= batches; b++) {
      expect(store.batch(b)).toMatchObject({ firstBlock: 2 * b - 1, lastBlock: 2 * b, source: `rpc:${2 * b - 1}-${2 * b}` })
      expect(store.proof(b, 'Exec')!.publicValues).toEqual(store.expectedPublicValues(b))
    }
  } finally {
    store.close()
  }
}, 240_000)
