#!/usr/bin/env node
// Compiles contracts/src/**/*.sol with solc-js (the npm `solc` package, pinned) into contracts/build/<Name>.json
// ({abi, bytecode, deployedBytecode}). First renders the RISC Zero Groth16 verifier from its verifying key
// (contracts/risc0/verification_key.json) with snarkjs' own Solidity template into contracts/generated/.
// Runs from `npm install` and `npm run build`; skips work when no source changed (hash in contracts/build/.inputs).
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const contracts = join(root, 'contracts')
const outDir = join(contracts, 'build')
const genDir = join(contracts, 'generated')
// Cancun: BLOBHASH for rollup-mode commits. Hardhat (EDR) runs cancun; MCOPY/TSTORE are fine there.
const EVM_VERSION = 'cancun'

function solFiles(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...solFiles(p))
    else if (name.endsWith('.sol')) out.push(p)
  }
  return out
}

function renderGroth16Verifier() {
  // snarkjs does not export its templates; find its package folder, and render with the ejs snarkjs itself uses.
  let dir = dirname(require.resolve('snarkjs'))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  const ejs = createRequire(join(dir, 'package.json'))('ejs')
  const template = readFileSync(join(dir, 'templates/verifier_groth16.sol.ejs'), 'utf8')
  const vk = JSON.parse(readFileSync(join(contracts, 'risc0/verification_key.json'), 'utf8'))
  mkdirSync(genDir, { recursive: true })
  writeFileSync(join(genDir, 'Groth16Verifier.sol'), ejs.render(template, vk))
}

function main() {
  renderGroth16Verifier()
  const files = [...solFiles(join(contracts, 'src')), ...solFiles(genDir)]
  const sources = {}
  for (const f of files) sources[relative(root, f)] = { content: readFileSync(f, 'utf8') }
  const solc = require('solc')
  const inputHash = createHash('sha256')
    .update(solc.version() + EVM_VERSION + JSON.stringify(sources))
    .digest('hex')
  const stamp = join(outDir, '.inputs')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === inputHash) return
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input)))
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  for (const e of output.errors ?? []) if (e.severity !== 'error' || errors.length) console.error(e.formattedMessage)
  if (errors.length) {
    console.error(`tessera contracts: ${errors.length} compile error(s)`)
    process.exit(1)
  }
  mkdirSync(outDir, { recursive: true })
  const names = []
  for (const [sourceName, byName] of Object.entries(output.contracts)) {
    for (const [contractName, c] of Object.entries(byName)) {
      const artifact = {
        contractName,
        sourceName,
        compiler: `solc ${solc.version()} evm ${EVM_VERSION}`,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      }
      writeFileSync(join(outDir, `${contractName}.json`), `${JSON.stringify(artifact, null, 1)}\n`)
      names.push(contractName)
    }
  }
  writeFileSync(stamp, inputHash)
  console.error(`tessera contracts: compiled ${names.length} contracts with solc ${solc.version()} into contracts/build/`)
}

main()
