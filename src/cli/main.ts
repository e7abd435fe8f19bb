#!/usr/bin/env node
/**
 * `tessera` — one binary, one module per subcommand (src/cli/commands/<name>.ts exporting `run(argv)`).
 * Subcommands are imported lazily so `tessera prover` does not load the conformance harness and vice versa.
 */
import { shortText } from '../errors/shortText.js'

const COMMANDS: Record<string, { file: string; summary: string }> = {
  conformance: { file: './commands/conformance.js', summary: 'run EF BlockchainTests through the stateless path' },
  replay: { file: './commands/replay.js', summary: 'stateless replay of cache files, blocks or a transaction' },
  'block-composition': { file: './commands/composition.js', summary: 'gas by tx kind/type and precompile share per block, as an SVG chart' },
  cache: { file: './commands/cache.js', summary: 'fetch blocks and witnesses from RPC into ethrex-replay cache files' },
  convert: { file: './commands/convert.js', summary: 'convert any witness shape to the ethrex-replay cache format' },
  witness: { file: './commands/witness.js', summary: 'witness inspect: shape, sizes, unused and missing nodes' },
  coordinator: { file: './commands/coordinator.js', summary: 'serve batches to provers over TCP' },
  prover: { file: './commands/prover.js', summary: 'prove batches from one or more coordinators' },
  'verify-proof': { file: './commands/verifyProof.js', summary: 'verify a RISC Zero Groth16 or SP1 Groth16/PLONK proof (seal, journal, image id / vkey)' },
  'proof-sender': { file: './commands/proof-sender.js', summary: 'send proven batches to the L1 OnChainProposer (verifyBatches)' },
  bench: { file: './commands/bench.js', summary: 'benchmark suite (JSON results)' },
  demo: { file: './commands/demo.js', summary: 'self-contained demo on embedded devnet data (npm start)' },
  l2: { file: './commands/l2.js', summary: 'ethrex L2: reconstruct a chain from genesis + blobs, devnet sequencer, withdrawal proofs' },
  node: { file: './commands/node.js', summary: 'start a local L1 dev node (Hardhat, shanghai) on 127.0.0.1 for the RPC examples' },
  doctor: { file: './commands/doctor.js', summary: 'show which crypto and backend paths are active' },
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(18)} ${c.summary}`)
  return `usage: tessera <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tessera <command> --help' for options.`
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name === undefined ? 1 : 0
  }
  if (name === '--version' || name === '-V') {
    const { run } = await import('./commands/doctor.js')
    return run(['--short'])
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    const { closestOption } = await import('./args.js')
    const guess = closestOption(name, Object.keys(COMMANDS))
    console.error(`tessera: unknown command '${name}'${guess ? `\nhint: did you mean 'tessera ${guess}'?` : ''}\n\n${usage()}`)
    return 2
  }
  const { exitWithParent, reexecWith, v8FlagsFor, workersFlag } = await import('./v8flags.js')
  exitWithParent()
  const help = rest.includes('--help') || rest.includes('-h')
  const flags = v8FlagsFor(name, process.env, rest)
  if (flags.length > 0 && !help) return reexecWith(flags)
  // `replay file`'s worker loads the guest while this thread loads the command (src/pool/execute.ts).
  const pools = name === 'replay' && rest[0] === 'file' && !help ? await import('../pool/execute.js') : undefined
  if (pools) {
    const workers = workersFlag(rest)
    pools.prestartExecutePool({ workers: workers === 'invalid' ? undefined : workers, startWorkers: 1 })
  }
  try {
    const mod = (await import(command.file)) as { run(argv: string[]): Promise<number> }
    return await mod.run(rest)
  } finally {
    // Not adopted (the command failed before creating its pool, or with other options): stop it.
    await pools?.discardPrestartedPool()
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    const e = err as Error & { hint?: string }
    // Quote at most a prefix: a message may carry a huge field (a 100 MB extraData).
    const short = shortText(String(e?.message ?? err), 2000)
    console.error(`tessera: ${short}${e?.hint ? `\nhint: ${e.hint}` : ''}`)
    if (process.env.TESSERA_DEBUG) console.error(e?.stack)
    process.exitCode = 1
  },
)
