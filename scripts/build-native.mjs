#!/usr/bin/env node
// Builds the optional native addon (build/Release/tessera_native.node) with node-gyp.
// Runs as the package's `install` script. It never fails the install: without the addon Tessera uses
// hash-wasm / the npm `secp256k1` prebuilt / noble, and `tessera doctor` says so.
//   TESSERA_SKIP_NATIVE=1     skip the build
//   TESSERA_LIBSECP256K1=0    build without Debian's libsecp256k1 even when it is installed
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const log = (msg) => console.error(`tessera native: ${msg}`)

function findNodeGyp() {
  // npm sets npm_config_node_gyp to its bundled node-gyp when running lifecycle scripts.
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ]
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'))
  } catch {
    // not installed locally; fine
  }
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p))
}

// Local node headers: <prefix>/include/node/node_api.h next to the running node. Passing --nodedir stops
// node-gyp from trying to download headers (there may be no network).
function findNodeDir() {
  const fromEnv = process.env.npm_config_nodedir
  if (fromEnv && existsSync(join(fromEnv, 'include/node/node_api.h'))) return fromEnv
  const prefix = resolve(dirname(process.execPath), '..')
  return existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined
}

function main() {
  if (process.env.TESSERA_SKIP_NATIVE === '1') {
    log('skipped (TESSERA_SKIP_NATIVE=1)')
    return
  }
  const gyp = findNodeGyp()
  if (gyp === undefined) {
    log('node-gyp not found; skipping the addon (pure JS crypto path will be used)')
    return
  }
  const nodedir = findNodeDir()
  const args = [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (r.status === 0) {
    log('built build/Release/tessera_native.node')
    return
  }
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n')
  log(`build failed (exit ${r.status ?? r.signal}); continuing without it. Last output:\n${tail}`)
  log('needs g++, make and python3; run `node scripts/build-native.mjs` to retry')
}

main()
