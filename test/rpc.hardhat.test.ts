import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeStateless } from '../guest/execute.js'
import { WitnessIncomplete } from '../guest/errors.js'
import { inferChainConfig, nodeInfo } from '../src/rpc/chain.js'
import { createRpc, type Rpc } from '../src/rpc/client.js'
import { batchProgramInput, loadRpcBatch } from '../src/rpc/blocks.js'
import { fetchBlock } from '../src/rpc/witness.js'
import { toHex } from '../src/witness/hex.js'
import { startHardhatNode, type HardhatNode } from './hardhat/node.js'
import { generateTraffic } from './hardhat/traffic.js'

let node: HardhatNode
let rpc: Rpc
let head: bigint

beforeAll(async () => {
  node = await startHardhatNode()
  rpc = createRpc({ url: node.url })
  head = (await generateTraffic(node.url)).head
}, 120_000)

afterAll(async () => {
  await node?.stop()
})

describe('eth_getProof witness against a live Hardhat node', () => {
  it('detects Hardhat/EDR and infers shanghai', async () => {
    const info = await nodeInfo(rpc)
    expect(info.chainId).toBe(31337)
    expect(info.edr).toBe(true)
    const config = inferChainConfig(info.chainId, await fetchBlock(rpc, head, false))
    expect(config.shanghaiTime).toBe(0)
    expect(config.cancunTime).toBeUndefined()
  })

  it('replays every block statelessly to the node state roots', async () => {
    const info = await nodeInfo(rpc)
    const config = inferChainConfig(info.chainId, await fetchBlock(rpc, head, false))
    for (let n = 1n; n <= head; n++) {
      const batch = await loadRpcBatch(rpc, [n], config)
      expect(batch.witness.source).toBe('eth_getProof')
      let output
      for (let attempt = 0; ; attempt++) {
        try {
          output = await executeStateless(batchProgramInput(batch))
          break
        } catch (e) {
          if (e instanceof WitnessIncomplete && attempt < 3 && (await batch.witness.extend(e))) continue
          throw new Error(`block ${n}: ${(e as Error).message}`)
        }
      }
      expect(toHex(output.finalStateRoot)).toBe(batch.blocks[0].stateRoot)
      expect(toHex(output.lastBlockHash)).toBe(batch.blocks[0].hash)
    }
  }, 120_000)
})
