import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hexToBytes, keccak256, toHex, type Hex } from 'viem'
import { connectL1, HARDHAT_DEV_KEY, type L1Clients } from '../src/l1/client.js'
import { deployL1, DEVNET_COMMIT_HASH, type L1Deployment } from '../src/l1/deploy.js'
import { coordinatorProofSource } from '../src/l1/proofSource.js'
import { ProofSender } from '../src/l1/proofSender.js'
import { SenderStore } from '../src/l1/senderStore.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'
import { publicValues256, read, send } from './support/l1-kit.js'

const GENESIS = keccak256(toHex('genesis'))
const ZERO32: Hex = `0x${'00'.repeat(32)}`
const root = (n: number) => keccak256(toHex(`root ${n}`))
const blockHash = (n: number) => keccak256(toHex(`block ${n}`))
const valuesOf = (n: number): Hex =>
  publicValues256({
    initialStateRoot: n === 1 ? GENESIS : root(n - 1),
    finalStateRoot: root(n),
    l1OutMessagesRoot: ZERO32,
    l1InRollingHash: ZERO32,
    blobVersionedHash: ZERO32,
    lastBlockHash: blockHash(n),
    chainId: 1729n,
    nonPrivilegedCount: BigInt(n),
  })

let node: HardhatNode
let c: L1Clients
let l1: L1Deployment
let dir: string
let coord: CoordinatorStore

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  return c.publicClient.request({ method: method as never, params: params as never })
}

/** A proof as the coordinator stores it after re-deriving its public values (or unchecked, on trust). */
function addProof(n: number, publicValues: Hex, checked = 'public_values'): void {
  coord.addProof({ batchNumber: n, proverType: 'Exec', proof: new Uint8Array([0]), publicValues: hexToBytes(publicValues), checked })
}

function newSender(): { sender: ProofSender; close(): void } {
  const proofs = coordinatorProofSource(join(dir, 'coordinator.db'), 'Exec')
  const store = new SenderStore(join(dir, 'sender.db'))
  const sender = new ProofSender({ clients: c, proposer: l1.proposer, proofs: proofs.source, proverType: 'Exec', store, maxBatchesPerTx: 2 })
  return { sender, close: () => (proofs.close(), store.close()) }
}

beforeAll(async () => {
  node = await startHardhatNode(60_000, 'hardhat.l1.config.cjs')
  c = await connectL1(node.url, HARDHAT_DEV_KEY)
  l1 = await deployL1(c, { genesisStateRoot: GENESIS, l2ChainId: 1729n, devExecMode: true, validium: true })
  for (let n = 1; n <= 5; n++) {
    await send(c, l1.proposer, 'OnChainProposer', 'commitBatch', [BigInt(n), root(n), ZERO32, ZERO32, blockHash(n), BigInt(n), DEVNET_COMMIT_HASH, [], []])
  }
  dir = mkdtempSync(join(tmpdir(), 'tessera-proof-sender-'))
  coord = new CoordinatorStore(join(dir, 'coordinator.db'))
  coord.addBatches([1, 2, 3, 4, 5].map((n) => ({ source: `batch ${n}`, firstBlock: n, lastBlock: n, input: new Uint8Array([n]) })))
})

afterAll(async () => {
  coord?.close()
  await node?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const lastVerified = () => read<bigint>(c, l1.proposer, 'OnChainProposer', 'lastVerifiedBatch')

describe('tessera proof-sender against an OnChainProposer on Hardhat', () => {
  it('idles without proofs, then verifies proven batches in order, several per transaction', async () => {
    const s = newSender()
    expect(await s.sender.tick()).toEqual({ kind: 'idle', lastVerified: 0 })
    addProof(2, valuesOf(2)) // batch 2 alone cannot go first
    expect(await s.sender.tick()).toEqual({ kind: 'idle', lastVerified: 0 })
    // A proof stored unchecked (coordinator --trust-unverified) is not sent, and is reported...
    addProof(1, valuesOf(1), 'nothing')
    const unchecked: unknown[] = []
    const watched = coordinatorProofSource(join(dir, 'coordinator.db'), 'Exec', { onUnverified: (p) => unchecked.push(p) })
    const watchedSender = new ProofSender({ clients: c, proposer: l1.proposer, proofs: watched.source, proverType: 'Exec', store: new SenderStore(':memory:'), maxBatchesPerTx: 2 })
    expect(await watchedSender.tick()).toEqual({ kind: 'idle', lastVerified: 0 })
    expect(unchecked).toEqual([{ batchNumber: 1, checked: 'nothing' }])
    watched.close()
    // ...unless asked for; and a checked proof replacing it goes out.
    const anyProof = coordinatorProofSource(join(dir, 'coordinator.db'), 'Exec', { sendUnverified: true })
    expect(anyProof.source(1)).toMatchObject({ batchNumber: 1, publicValues: valuesOf(1) })
    anyProof.close()
    expect(coord.replaceUnverifiedProof({ batchNumber: 1, proverType: 'Exec', proof: new Uint8Array(0), publicValues: hexToBytes(valuesOf(1)), checked: 'public_values' })).toBe(true)
    const sent = await s.sender.tick()
    expect(sent).toMatchObject({ kind: 'sent', firstBatch: 1, lastBatch: 2 })
    expect(await s.sender.tick()).toMatchObject({ kind: 'verified', firstBatch: 1, lastBatch: 2 })
    expect(await lastVerified()).toBe(2n)
    expect(await s.sender.tick()).toEqual({ kind: 'idle', lastVerified: 2 })
    s.close()
  })

  it('a restart while a transaction is in flight waits for it instead of sending again', async () => {
    addProof(3, valuesOf(3))
    await rpc('evm_setAutomine', [false])
    const first = newSender()
    const sent = await first.sender.tick()
    expect(sent).toMatchObject({ kind: 'sent', firstBatch: 3, lastBatch: 3 })
    first.close() // "crash"
    const nonceAfterSend = await c.publicClient.getTransactionCount({ address: c.account.address, blockTag: 'pending' })
    const second = newSender()
    expect(await second.sender.tick()).toMatchObject({ kind: 'waiting' })
    expect(await c.publicClient.getTransactionCount({ address: c.account.address, blockTag: 'pending' })).toBe(nonceAfterSend)
    await rpc('evm_mine')
    await rpc('evm_setAutomine', [true])
    expect(await second.sender.tick()).toMatchObject({ kind: 'verified', firstBatch: 3, lastBatch: 3 })
    expect(await lastVerified()).toBe(3n)
    second.close()
  })

  it('a transaction recorded but lost before reaching the node is re-broadcast byte for byte, once', async () => {
    addProof(4, valuesOf(4))
    await rpc('evm_setAutomine', [false])
    const first = newSender()
    const sent = (await first.sender.tick()) as { kind: 'sent'; txHash: Hex }
    await rpc('hardhat_dropTransaction', [sent.txHash]) // as if the process died before broadcasting
    first.close()
    await rpc('evm_setAutomine', [true])
    const second = newSender()
    expect(await second.sender.tick()).toEqual({ kind: 'waiting', txHash: sent.txHash })
    expect(await second.sender.tick()).toMatchObject({ kind: 'verified', firstBatch: 4, txHash: sent.txHash })
    expect(await lastVerified()).toBe(4n)
    const store = new SenderStore(join(dir, 'sender.db'))
    expect(store.all().map((r) => [r.firstBatch, r.lastBatch, r.status])).toEqual([
      [1, 2, 'success'],
      [3, 3, 'success'],
      [4, 4, 'success'],
    ])
    store.close()
    second.close()
  })

  it('public values the contract refuses are never broadcast; the reason is reported', async () => {
    addProof(5, valuesOf(4))
    const s = newSender()
    const nonce = await c.publicClient.getTransactionCount({ address: c.account.address })
    const r = await s.sender.tick()
    expect(r).toEqual({ kind: 'rejected', firstBatch: 5, reason: 'OnChainProposer: public values do not match the batch commitment' })
    expect(await c.publicClient.getTransactionCount({ address: c.account.address })).toBe(nonce)
    expect(await lastVerified()).toBe(4n)
    s.close()
  })
})
