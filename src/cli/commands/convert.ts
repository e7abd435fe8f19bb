import { parseArgs } from '../args.js'
import { loadInputs, resolveInput, resolveOptionsFromFlags } from '../../witness/formats/index.js'
import { writeCacheDocument, type CacheShape } from '../../witness/formats/write.js'
import { INPUT_OPTIONS, inputFlags } from '../inputFlags.js'

const HELP = `usage: tessera convert <input>... --out DIR [--shape current|sep-2025|2025] [--gzip]

Reads any witness shape 'tessera replay file' accepts and writes the canonical ethrex-replay cache file
(cache_<network>_<first>[-<last>].json), or the older ethrex shapes with --shape. The witness (nodes, codes,
keys, headers) is written as read: a round trip is lossless. Input flags as for replay file:
  --witness FILE  --network NAME  --chain-config FILE  --parent-header FILE  --rpc-url URL  --trust-pre-state-root`

const OPTIONS = {
  out: { type: 'string' },
  shape: { type: 'string', default: 'current' },
  gzip: { type: 'boolean' },
  ...INPUT_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  if (values.help || positionals.length === 0) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  if (!values.out) throw new Error('convert needs --out DIR')
  const shape = values.shape as CacheShape
  if (!['current', 'sep-2025', '2025'].includes(shape)) throw new Error(`--shape must be current, sep-2025 or 2025, got ${values.shape}`)
  const flags = inputFlags(values)
  const grouped = await loadInputs(positionals, flags)
  let failed = 0
  for (const { error } of grouped.errors) {
    failed++
    console.error(`FAILED ${(error as Error).name}: ${(error as Error).message}`)
  }
  for (const l2 of grouped.l2) {
    failed++
    console.error(`FAILED ${l2.file}: ethrex L2 inputs are not converted here (the L2 guest owns that format)`)
  }
  const opts = await resolveOptionsFromFlags(flags)
  const used = new Map<string, number>()
  for (const input of grouped.inputs) {
    try {
      const r = await resolveInput(input, opts)
      if (r.anchor === 'unanchored') console.error(`note: ${input.files.join(' + ')}: written without a parent header (the run was accepted unanchored); readers will ask for one again`)
      // Several inputs of one file (EEST) can share a block range: number the names.
      const base = `cache_${r.chainConfig.publicNetwork ?? 'local-devnet'}_${r.blocks[0].header.number}${r.blocks.length > 1 ? `-${r.blocks[r.blocks.length - 1].header.number}` : ''}`
      const n = used.get(base) ?? 0
      used.set(base, n + 1)
      const path = await writeCacheDocument(values.out, r, { shape, gzip: values.gzip, name: `${base}${n === 0 ? '' : `_${n}`}.json` })
      console.log(`${input.files.join(' + ')} (${input.shape}) -> ${path}`)
    } catch (e) {
      failed++
      console.error(`FAILED ${(e as Error).name}: ${(e as Error).message}`)
    }
  }
  return failed > 0 ? 1 : 0
}
