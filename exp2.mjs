import { readFileSync } from 'node:fs'
import { execSync } from 'node:child_process'
const m = await import('/work/wt/zkevm/dist/src/witness/formats/sszStatelessV03.js')
const files = execSync(`find ${process.argv[2]} -name '*.json' | sort`).toString().trim().split('\n')
let ok = 0, bad = 0
for (const f of files) for (const t of Object.values(JSON.parse(readFileSync(f, 'utf8')))) for (const b of t.blocks) {
  const v = m.decodeStatelessInputV03(Buffer.from(b.statelessInputBytes.slice(2), 'hex'), 'x')
  const out = Buffer.from(m.encodeStatelessOutputV03(v.newPayloadRequest, b.statelessOutputBytes.slice(66, 68) === '01', v.chainConfig.chainId)).toString('hex')
  if ('0x' + out === b.statelessOutputBytes) ok++; else { bad++; console.log(f) }
}
console.log(ok, bad)
