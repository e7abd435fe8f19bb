import { readFileSync } from 'node:fs'
const { executeStateless } = await import('/work/wt/zkevm/dist/guest/execute.js')
const { chainConfigForNetwork } = await import('/work/wt/zkevm/dist/src/conformance/networks.js')
const { witnessFromJson } = await import('/work/wt/zkevm/dist/src/witness/formats/witnessJson.js')
const root = process.argv[2]
const { execSync } = await import('node:child_process')
const files = execSync(`find ${root} -name '*.json' | sort`).toString().trim().split('\n')
let ok = 0, bad = 0
for (const f of files) {
  const d = JSON.parse(readFileSync(f, 'utf8'))
  for (const [name, t] of Object.entries(d)) {
    const cfg = chainConfigForNetwork(t.network)
    for (const k of ['bpo3Time','bpo4Time','bpo5Time']) delete cfg[k]
    for (const [i, b] of t.blocks.entries()) {
      const expectOk = b.statelessOutputBytes.slice(66, 68) === '01'
      const w = witnessFromJson(b.executionWitness, 'w')
      let got, err
      try { await executeStateless({ blocks: [Buffer.from(b.rlp.slice(2), 'hex')], witness: w, chainConfig: cfg }); got = true } catch (e) { got = false; err = e.message }
      if (got === expectOk) ok++
      else { bad++; console.log('MISMATCH', f.split('/').slice(-2).join('/'), name.split('::')[1].slice(0, 60), i, 'expected', expectOk, err?.slice(0, 300)) }
    }
  }
}
console.log('ok', ok, 'bad', bad)
