import { existsSync, readFileSync, statSync } from 'node:fs'
import { parseArgs } from '../args.js'
import { ProofRejected, verifyRisc0Groth16, verifySp1Proof } from '../../verify/index.js'
import { sha256, toHex } from '../../verify/bytes.js'

const HELP = `usage: tessera verify-proof --system risc0|sp1 [options]

Verify a RISC Zero Groth16 receipt or an SP1 Groth16 / PLONK proof as the coordinator does before storing it
(and as the on-chain verifiers of risc0-ethereum and sp1-contracts do). The proof's 4-byte selector picks the
release; \`tessera doctor\` lists the releases this build knows. Exit 0 = valid, 1 = rejected (with the reason), 2 = usage.

  --system risc0|sp1        which proof system
  --seal, --proof VALUE     risc0: selector ‖ a ‖ b ‖ c (260 bytes); sp1: SP1ProofWithPublicValues.bytes()
  --journal, --public-values VALUE
                            the committed output (risc0 journal / sp1 public values); may be empty
  --journal-digest VALUE    risc0 only, instead of --journal: sha256(journal), as IRiscZeroVerifier.verify takes it
  --image-id, --vkey VALUE  risc0 image id / sp1 program vkey hash (32 bytes)
  --json                    print the result as JSON

VALUE is a file (raw bytes, or text holding 0x-hex) or a hex string (0x optional; "0x" = empty).
Example:
  tessera verify-proof --system sp1 --proof proof.bin --public-values pv.bin --vkey 0x00562c19…ff7d
`

/** A flag's bytes: an existing file (hex text or raw) wins, else a hex literal. */
export function readBytesArg(flag: string, value: string): Uint8Array {
  if (existsSync(value) && statSync(value).isFile()) {
    const raw = readFileSync(value)
    const text = raw.toString('latin1').trim()
    if (/^0x([0-9a-fA-F]{2})*$/.test(text)) return Uint8Array.from(Buffer.from(text.slice(2), 'hex'))
    return new Uint8Array(raw)
  }
  const hex = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new UsageError(`${flag}: "${value.length > 40 ? `${value.slice(0, 40)}…` : value}" is neither a file nor even-length hex`)
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        system: { type: 'string' },
        seal: { type: 'string' },
        proof: { type: 'string' },
        journal: { type: 'string' },
        'journal-digest': { type: 'string' },
        'public-values': { type: 'string' },
        'image-id': { type: 'string' },
        vkey: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (e) {
    console.error(`tessera verify-proof: ${(e as Error).message}\n\n${HELP}`)
    return 2
  }
  if (values.help) {
    console.log(HELP)
    return 0
  }
  try {
    const system = values.system
    if (system !== 'risc0' && system !== 'sp1') throw new UsageError(`--system: expected risc0 or sp1, got ${system === undefined ? 'nothing' : `"${system}"`}`)
    const flags = values as Record<string, string | boolean | undefined>
    const one = (names: string[]): [string, string] => {
      const given = names.filter((n) => typeof flags[n] === 'string')
      if (given.length !== 1) throw new UsageError(`give exactly one of ${names.map((n) => `--${n}`).join(' / ')}`)
      return [`--${given[0]}`, flags[given[0]] as string]
    }
    const proof = readBytesArg(...one(['seal', 'proof']))
    const [outputFlag, outputValue] = one(system === 'risc0' ? ['journal', 'public-values', 'journal-digest'] : ['journal', 'public-values'])
    const output = readBytesArg(outputFlag, outputValue)
    const isDigest = outputFlag === '--journal-digest'
    const program = readBytesArg(...one(['image-id', 'vkey']))
    const result =
      system === 'risc0'
        ? await verifyRisc0Groth16({ seal: proof, imageId: program, ...(isDigest ? { journalDigest: output } : { journal: output }) })
        : await verifySp1Proof({ proof, publicValues: output, vkey: program })
    const outputSha256 = toHex(isDigest ? output : sha256(output))
    if (values.json) console.log(JSON.stringify({ valid: true, ...result, program: toHex(program), outputSha256 }))
    else console.log(`valid: ${result.system} ${result.version} (selector ${result.selector}), program ${toHex(program)}, output sha256 ${outputSha256}`)
    return 0
  } catch (e) {
    if (e instanceof ProofRejected) {
      if (values.json) console.log(JSON.stringify({ valid: false, system: e.system, reason: e.reason, field: e.field, message: e.message }))
      else console.error(`rejected: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`)
      return 1
    }
    if (e instanceof UsageError) {
      console.error(`tessera verify-proof: ${e.message} (see --help)`)
      return 2
    }
    throw e
  }
}
