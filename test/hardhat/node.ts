import { fileURLToPath } from 'node:url'
import { L1_HARDHAT_CONFIG, startLocalL1, type LocalL1Node } from '../../src/l1/localNode.js'

export { freePort } from '../../src/l1/localNode.js'
export type HardhatNode = LocalL1Node

/**
 * `configFile`: 'hardhat.config.cjs' (shanghai, test/hardhat/, for replay) or 'hardhat.l1.config.cjs'
 * (cancun, shipped in the package's hardhat/ dir, for the L1 contracts).
 */
export function startHardhatNode(timeoutMs = 60_000, configFile = 'hardhat.config.cjs'): Promise<HardhatNode> {
  const path = configFile === 'hardhat.l1.config.cjs' ? L1_HARDHAT_CONFIG : fileURLToPath(new URL(configFile, import.meta.url))
  return startLocalL1({ configFile: path, timeoutMs })
}
