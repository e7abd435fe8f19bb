// Re-execute witness files of any producer with the L1 guest program and compare with the headers.
// Usage: node docs/examples/replay-file.mjs <file>...
import { executeStateless, encodePublicValues } from 'tessera/guest'
import { readStatelessInputs } from 'tessera/witness'

const { l1 } = await readStatelessInputs(process.argv.slice(2))
for (const input of l1) {
  const output = await executeStateless(input.program)
  const last = input.blocks.at(-1).header
  const matches = Buffer.from(output.finalStateRoot).equals(Buffer.from(last.stateRoot))
  console.log(`block ${last.number}: ${output.transactionCount} txs, state root ${matches ? 'matches' : 'DIFFERS FROM'} the header`)
  console.log(`  public values 0x${Buffer.from(encodePublicValues(output)).toString('hex')}`)
}
