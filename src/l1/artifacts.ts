import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'

/** A compiled contract as scripts/build-contracts.mjs writes it (contracts/build/<Name>.json). */
export interface ContractArtifact {
  contractName: string
  sourceName: string
  compiler: string
  abi: Abi
  bytecode: Hex
  deployedBytecode: Hex
}

export class ContractArtifactMissing extends Error {
  constructor(readonly contractName: string, readonly path: string) {
    super(`contract artifact ${contractName} not found at ${path}; run 'npm run build' (it compiles contracts/ with solc-js)`)
    this.name = 'ContractArtifactMissing'
  }
}

const cache = new Map<string, ContractArtifact>()

/** contracts/build/ from src/l1/ (vitest) or dist/src/l1/ (compiled). */
function buildDir(): string {
  for (const rel of ['../../contracts/build/', '../../../contracts/build/']) {
    const p = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(p)) return p
  }
  return fileURLToPath(new URL('../../contracts/build/', import.meta.url))
}

export function loadArtifact(contractName: string): ContractArtifact {
  const hit = cache.get(contractName)
  if (hit) return hit
  const path = `${buildDir()}${contractName}.json`
  if (!existsSync(path)) throw new ContractArtifactMissing(contractName, path)
  const artifact = JSON.parse(readFileSync(path, 'utf8')) as ContractArtifact
  cache.set(contractName, artifact)
  return artifact
}
