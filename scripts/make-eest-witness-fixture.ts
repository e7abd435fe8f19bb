/**
 * Writes an EEST-style BlockchainTests file whose blocks carry witnesses recorded by Tessera (executionWitness,
 * and with --ssz the EIP-8025 statelessInputBytes/statelessOutputBytes), from an EF BlockchainTests file.
 *
 *   node dist/scripts/make-eest-witness-fixture.js <ef-test.json> <out.json> [--ssz] [--tamper]
 */
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { embedWitnesses } from '../src/witness/formats/eestWrite.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ssz: { type: 'boolean' }, tamper: { type: 'boolean' } } })
const [input, output] = positionals
if (!input || !output) {
  console.error('usage: make-eest-witness-fixture <ef-test.json> <out.json> [--ssz] [--tamper]')
  process.exit(2)
}
const tests = JSON.parse(await readFile(input, 'utf8')) as Record<string, never>
const out: Record<string, unknown> = {}
for (const [name, test] of Object.entries(tests)) out[name] = await embedWitnesses(test, { ssz: values.ssz ?? false, tamper: values.tamper })
await writeFile(output, `${JSON.stringify(out, null, 1)}\n`)
console.log(`${output}: ${Object.keys(out).length} tests`)
