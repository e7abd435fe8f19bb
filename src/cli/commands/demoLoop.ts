import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { hardhatInstalled, startLocalL1, type LocalL1Node } from '../../l1/localNode.js'
import { loopTable, runDepositWithdrawLoop, type LoopSummary } from '../../l1/loop.js'

export type DemoLoopOutcome = { kind: 'done'; summary: LoopSummary } | { kind: 'skipped'; reason: string } | { kind: 'failed'; error: Error }

/**
 * `tessera demo --l2`, second part: a local Hardhat L1 on 127.0.0.1 (free port) and the whole
 * deposit -> prove -> verify -> withdraw -> claim loop on it, then its table on stdout. The node, the
 * coordinator and the stores are stopped/closed on every path (success, failure, abort).
 */
export async function runDemoLoop(o: { progress: (line: string) => void; logger: Logger; signal: AbortSignal; keepDir: boolean }): Promise<DemoLoopOutcome> {
  if (!hardhatInstalled()) {
    return { kind: 'skipped', reason: "hardhat is not installed (it is a devDependency: run 'npm install' without --omit=dev); the L1 deposit/withdraw loop was skipped" }
  }
  const dir = await mkdtemp(join(tmpdir(), 'tessera-demo-loop-'))
  let node: LocalL1Node | undefined
  try {
    o.progress('loop: starting a local Hardhat L1 on 127.0.0.1')
    node = await startLocalL1()
    o.progress(`loop: L1 node at ${node.url} (pid ${node.pid})`)
    if (o.signal.aborted) throw new Error('interrupted')
    const summary = await runDepositWithdrawLoop({ l1Url: node.url, workDir: dir, logger: o.logger, signal: o.signal, progress: (l) => o.progress(`loop: ${l}`) })
    process.stdout.write(`\nL1 <-> L2 loop: deposit -> L2 batch -> commit -> prove -> verify -> withdraw -> claim\n${loopTable(summary)}\n`)
    return { kind: 'done', summary }
  } catch (e) {
    return { kind: 'failed', error: e as Error }
  } finally {
    await node?.stop()
    if (o.keepDir) o.progress(`loop: kept ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  }
}

/** JSON for the summary file (bigints as decimal strings). */
export function loopJson(s: LoopSummary): unknown {
  return JSON.parse(JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}
