import { chainConfigForNetwork, dropUnlistedBpoForks } from '../../conformance/networks.js'
import { parseHex } from '../hex.js'
import { InputFormatError, UnknownChain } from './errors.js'
import { isObject, list, pick, quantity, type Json } from './json.js'
import { isSszStatelessInput } from './sszSniff.js'
import type { ChainSource, LoadedInput, ReadPart } from './types.js'
import { witnessFromJson } from './witnessJson.js'

/**
 * EEST / EF BlockchainTests (ethereum/execution-spec-tests fixture format `blockchain_test`): `{name: {network,
 * genesisBlockHeader, genesisRLP, pre, blocks: [{rlp, blockHeader, expectException?, executionWitness?,
 * statelessInputBytes?, statelessOutputBytes?}], lastblockhash, postState|postStateHash}}`.
 *  - a block with `statelessInputBytes`: run on that SSZ input's witness (src/witness/formats/ssz.ts) and
 *    reproduce `statelessOutputBytes` byte for byte;
 *  - a block with `executionWitness` (debug_executionWitness list form): run on that witness;
 *  - a test with neither: a full pre-state input (the witness is recorded from `pre`, as `conformance` does).
 */
export function isEestFixture(doc: unknown): boolean {
  if (!isObject(doc)) return false
  const first = Object.values(doc)[0]
  return isObject(first) && (Array.isArray(first.blocks) || Array.isArray(first.engineNewPayloads)) && (first.pre !== undefined || first.genesisBlockHeader !== undefined || first.network !== undefined)
}

function chainOf(test: Json, file: string, name: string): ChainSource {
  const network = pick(test, 'network')
  if (typeof network !== 'string') throw new UnknownChain(file, `${name}.network`, 'missing')
  let config
  try {
    config = chainConfigForNetwork(network)
  } catch {
    throw new UnknownChain(file, `${name}.network`, `unknown EF network "${network}"`)
  }
  const cfg = isObject(test.config) ? test.config : undefined
  dropUnlistedBpoForks(config, cfg !== undefined && isObject(cfg.blobSchedule) ? cfg.blobSchedule : undefined)
  const id = cfg ? pick(cfg, 'chainid', 'chainId') : undefined
  if (id !== undefined) config.chainId = Number(quantity(id, `${file}: ${name}.config.chainid`))
  return { kind: 'config', config, where: `${file}: ${name}.network` }
}

function readTest(name: string, test: Json, file: string, ssz: SszCodec | undefined): LoadedInput[] {
  const chain = chainOf(test, file, name)
  // blockchain_test carries `blocks`; blockchain_test_engine carries `engineNewPayloads` (SSZ inputs only here).
  const blocks = list(test.blocks ?? test.engineNewPayloads, `${file}: ${name}.blocks`).filter(isObject)
  const withWitness = blocks.filter((b) => b.statelessInputBytes !== undefined || b.executionWitness !== undefined)
  const out: LoadedInput[] = []
  for (const [i, b] of blocks.entries()) {
    const label = `${name} block ${i}`
    const where = `${file}: ${name}.blocks[${i}]`
    const valid = b.expectException === undefined && b.validationError === undefined
    const sszBytes = b.statelessInputBytes === undefined ? undefined : parseHex(b.statelessInputBytes, `${where}.statelessInputBytes`)
    // tests-zkevm v0.3 vectors carry unprefixed SSZ (no schema id) next to the same witness as JSON: that
    // witness is read below; `tessera conformance` checks their SSZ (src/conformance/zkevm.ts).
    if (sszBytes !== undefined && (isSszStatelessInput(sszBytes) || b.executionWitness === undefined)) {
      const bytes = sszBytes
      if (ssz === undefined) throw new Error(`${where}: internal: SSZ codec not loaded`)
      const { chainId, ...loaded } = ssz.loadedFromStatelessInput(ssz.decodeStatelessInput(bytes, `${where}.statelessInputBytes`), file)
      if (chain.kind === 'config' && chain.config.chainId !== chainId) throw new UnknownChain(file, `${name}.blocks[${i}].statelessInputBytes`, `chain id ${chainId}, the fixture's is ${chain.config.chainId}`)
      out.push({
        ...loaded,
        shape: 'eest-witness',
        chain,
        expected: {
          valid,
          label,
          statelessInputBytes: bytes,
          statelessOutputBytes: b.statelessOutputBytes === undefined ? undefined : parseHex(b.statelessOutputBytes, `${where}.statelessOutputBytes`),
        },
      })
    } else if (b.executionWitness !== undefined) {
      const w = witnessFromJson(b.executionWitness, `${where}.executionWitness`)
      const header = isObject(b.blockHeader) ? b.blockHeader : {}
      out.push({
        shape: 'eest-witness',
        files: [file],
        blocks: [{ rlp: parseHex(b.rlp, `${where}.rlp`), where }],
        ...w,
        chain,
        notes: [],
        expected: { valid, label, postStateRoot: typeof header.stateRoot === 'string' ? header.stateRoot : undefined },
      })
    }
  }
  if (withWitness.length > 0) return out
  // No embedded witness: a pre-state test, recorded like `conformance` does (canonical valid blocks only).
  if (!isObject(test.pre)) throw new InputFormatError(file, `${name}.pre`, 'missing (a test without embedded witnesses needs its pre-state)')
  const genesis = pick(test, 'genesisRLP')
  const genesisHeader = genesis !== undefined ? { rlpBlock: parseHex(genesis, `${file}: ${name}.genesisRLP`) } : undefined
  if (genesisHeader === undefined) throw new InputFormatError(file, `${name}.genesisRLP`, 'missing')
  const valid = blocks.filter((b) => b.expectException === undefined)
  if (valid.length === 0) return []
  return [
    {
      shape: 'pre-state',
      files: [file],
      blocks: valid.map((b, i) => ({ rlp: parseHex(b.rlp, `${file}: ${name}.blocks[${i}].rlp`), where: `${file}: ${name}.blocks[${i}]` })),
      state: [],
      codes: [],
      keys: [],
      headers: [],
      chain,
      notes: ['pre-state input: the witness was recorded by Tessera from the full pre-state, then the guest ran on that witness alone'],
      preState: { alloc: test.pre as Json, parent: { rlpBlock: genesisHeader.rlpBlock } },
      expected: { valid: true, label: name, lastBlockHash: typeof test.lastblockhash === 'string' ? test.lastblockhash : undefined, postStateRoot: typeof test.postStateHash === 'string' ? test.postStateHash : undefined },
    },
  ]
}

type SszCodec = typeof import('./ssz.js')

function carriesSsz(test: unknown): boolean {
  if (!isObject(test)) return false
  const blocks = test.blocks ?? test.engineNewPayloads
  return Array.isArray(blocks) && blocks.some((b) => isObject(b) && b.statelessInputBytes !== undefined)
}

export async function readEestFixture(doc: Json, file: string): Promise<ReadPart> {
  // The SSZ library is loaded only for fixtures that carry SSZ stateless inputs.
  const ssz = Object.values(doc).some(carriesSsz) ? await import('./ssz.js') : undefined
  const inputs = Object.entries(doc).flatMap(([name, t]) => (isObject(t) ? readTest(name, t, file, ssz) : []))
  if (inputs.length === 0) throw new InputFormatError(file, '<document>', 'a BlockchainTests file with no runnable blocks')
  return { kind: 'input', inputs }
}
