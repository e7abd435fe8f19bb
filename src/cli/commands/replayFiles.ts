import { WitnessIncomplete, WitnessInvalid, isGuestError } from '../../../guest/errors.js'
import { encodeProgramInput } from '../../witness/programInput.js'
import { encodePublicValues } from '../../../guest/output.js'
import { checkGas, declaredGas, withTimeBudget, type Budget } from '../../budget/budget.js'
import type { ExecutePool } from '../../pool/execute.js'
import type { ReplayRecord } from '../../rpc/replay.js'
import { witnessSize } from '../../witness/codec.js'
import { explainMissing, loadInputs, resolveInput, resolveOptionsFromFlags, type InputFlags, type ResolvedInput } from '../../witness/formats/index.js'
import { readRegularFile } from '../../witness/inputFile.js'
import { basename } from 'node:path'
import type { LoadedInput } from '../../witness/formats/types.js'
import { toHex } from '../../witness/hex.js'
import { shortText } from '../../errors/shortText.js'

/** A file-run record: the replay record plus which input it was and what its provenance allows to claim. */
export interface FileRecord extends ReplayRecord {
  label: string
  shape?: string
  anchor?: ResolvedInput['anchor']
  notes?: string[]
  statelessOutputBytes?: string
}

const emptyRecord = (label: string): FileRecord => ({ label, first: 0n, last: 0n, ok: false, transactions: 0, gasUsed: 0n, executeMs: 0, witnessMs: 0, witnessBytes: 0, extensions: 0 })

const labelOf = (input: LoadedInput) => `${input.files.join(' + ')}${input.expected?.label ? ` [${input.expected.label}]` : ''}`

function fail(record: FileRecord, e: unknown, where: string): FileRecord {
  const err = e as Error
  record.ok = false
  // Capped here too: errors of other libraries quote fields whole (ethereumjs: "extraData: 0x…" of any size).
  const message = shortText(String(err?.message ?? e))
  // Most errors already name the file; say it once.
  record.error = { name: err?.name ?? 'Error', message: message.includes(where.split(' + ')[0].split(' [')[0]) ? message : `${where}: ${message}` }
  return record
}

/** Run one resolved input in the pool and judge it against the input's own claims and expectations. */
async function runOne(pool: ExecutePool, input: LoadedInput, flags: InputFlags, budget: Budget): Promise<FileRecord> {
  const label = labelOf(input)
  const record = emptyRecord(label)
  record.shape = input.shape
  let resolved: ResolvedInput
  try {
    resolved = await resolveInput(input, await resolveOptionsFromFlags(flags))
  } catch (e) {
    return fail(record, e, label)
  }
  const tip = resolved.blocks[resolved.blocks.length - 1]
  record.first = resolved.blocks[0].header.number
  record.last = tip.header.number
  record.anchor = resolved.anchor
  record.notes = resolved.notes
  record.witnessBytes = witnessSize(resolved.program.witness).bytes
  const expected = input.expected
  let runError: unknown
  try {
    // Over budget is a named failure of this input; the others still run.
    checkGas(budget, declaredGas(resolved.program.blocks), label)
    const bytes = encodeProgramInput(resolved.program)
    const r = await withTimeBudget(budget, label, (signal) => pool.run(bytes, label, signal))
    record.transactions = r.transactions
    record.gasUsed = r.gasUsed
    record.executeMs = r.ms
    if (toHex(r.output.finalStateRoot) !== toHex(tip.header.stateRoot)) throw new Error(`final state root ${toHex(r.output.finalStateRoot)} differs from the header's ${toHex(tip.header.stateRoot)}`)
    if (expected?.postStateRoot !== undefined && toHex(r.output.finalStateRoot) !== expected.postStateRoot.toLowerCase()) throw new Error(`final state root ${toHex(r.output.finalStateRoot)}, the fixture expects ${expected.postStateRoot}`)
    if (expected?.lastBlockHash !== undefined && toHex(r.output.lastBlockHash) !== expected.lastBlockHash.toLowerCase()) throw new Error(`last block hash ${toHex(r.output.lastBlockHash)}, the fixture expects ${expected.lastBlockHash}`)
    record.publicValues = toHex(encodePublicValues(r.output))
  } catch (e) {
    runError = e
  }
  const accepted = runError === undefined
  if (expected?.statelessInputBytes !== undefined) {
    const { decodeStatelessInput, statelessOutputBytes } = await import('../../witness/formats/ssz.js')
    const out = statelessOutputBytes(decodeStatelessInput(expected.statelessInputBytes, label), accepted)
    record.statelessOutputBytes = toHex(out)
    if (expected.statelessOutputBytes !== undefined && toHex(out) !== toHex(expected.statelessOutputBytes)) {
      return fail(record, new Error(`statelessOutputBytes ${toHex(out)} differ from the fixture's ${toHex(expected.statelessOutputBytes)}${runError ? ` (run failed: ${(runError as Error).message})` : ''}`), label)
    }
  }
  if (expected?.valid === false) {
    if (accepted) return fail(record, new Error('the fixture marks this block invalid, but the guest accepted it'), label)
    if (!isGuestError(runError)) return fail(record, runError, label)
    record.ok = true
    record.notes = [...(record.notes ?? []), `rejected as expected: ${shortText(String((runError as Error).message))}`]
    return record
  }
  if (!accepted) {
    if (runError instanceof WitnessIncomplete) {
      const why = explainMissing(runError, resolved)
      const e = new WitnessIncomplete(runError.kind, runError.what, [runError.context, why].filter(Boolean).join('; '))
      return fail(record, e, label)
    }
    return fail(record, runError, label)
  }
  record.ok = true
  return record
}

/** How `replay file` bounds its work: per-input budgets, a concurrency slot, and a stop flag set by a signal. */
export interface ReplayLimits {
  budget: Budget
  /** Runs one input when a slot is free (one per worker, so a time budget measures running, not queueing). */
  slot: <T>(task: () => Promise<T>) => Promise<T>
  stopped: () => boolean
}

const NO_LIMITS: ReplayLimits = { budget: {}, slot: (task) => task(), stopped: () => false }

// L2 and SSZ modules are imported when a file needs them: a plain L1 cache file starts without them.

/** `replay file`: every input the files hold (auto-detected), each run in the pool. Inputs not started after a stop are left out. */
export async function replayFiles(pool: ExecutePool, paths: string[], flags: InputFlags, onRecord: (r: FileRecord) => void, limits: ReplayLimits = NO_LIMITS): Promise<FileRecord[]> {
  let grouped
  try {
    grouped = await loadInputs(paths, flags)
  } catch (e) {
    const r = fail(emptyRecord(paths.join(' + ')), e, paths.join(' + '))
    onRecord(r)
    return [r]
  }
  const records: FileRecord[] = []
  for (const { file, error } of grouped.errors) {
    const r = fail(emptyRecord(file), error, file)
    records.push(r)
    onRecord(r)
  }
  for (const l2 of grouped.l2) {
    if (limits.stopped()) break
    const r = emptyRecord(l2.file)
    try {
      const doc = l2.json as { genesis?: unknown; blobFiles?: string[] }
      if (doc.blobFiles !== undefined) {
        // An L2 genesis given with its blobs: what `tessera l2 reconstruct` does, reported as one record.
        if (doc.genesis === undefined) throw new WitnessInvalid(l2.file, 'ethrex L2 blobs need the L2 genesis file (l2.json) given beside them')
        const blobs = await Promise.all(doc.blobFiles.map(async (f) => ({ name: basename(f), bytes: new Uint8Array(await readRegularFile(f)) })))
        const t0 = performance.now()
        const { reconstructL2 } = await import('../../l2/reconstruct.js')
        const { hostGuestOptions } = await import('../../crypto/guestOptions.js')
        const res = await reconstructL2(doc.genesis, blobs, await hostGuestOptions())
        const last = res.batches[res.batches.length - 1]
        Object.assign(r, {
          ok: true,
          first: 1n,
          last: res.lastBlockNumber,
          transactions: res.batches.reduce((n, b) => n + b.transactionCount, 0),
          gasUsed: res.batches.reduce((g, b) => g + b.blocks.reduce((x, blk) => x + blk.header.gasUsed, 0n), 0n),
          executeMs: performance.now() - t0,
          publicValues: last ? toHex(last.publicValues) : undefined,
          shape: 'ethrex-l2-genesis+blobs',
        })
        r.notes = [`${res.batches.length} batches re-executed and proven; final state root ${toHex(res.finalStateRoot)}, last block hash ${toHex(res.lastBlockHash)}`]
      } else {
        const { runL2BatchFile } = await import('../../l2/replayFile.js')
        const res = await runL2BatchFile(pool, l2.file, l2.json)
        Object.assign(r, { ...res, ok: true, executeMs: res.executeMs, shape: 'ethrex-l2-batch' })
        r.notes = [`${res.privileged} privileged transactions, ${res.l1Messages} L1 messages`]
      }
    } catch (e) {
      fail(r, e, l2.file)
    }
    records.push(r)
    onRecord(r)
  }
  await Promise.all(
    grouped.inputs.map((input) =>
      limits.slot(async () => {
        if (limits.stopped()) return
        const r = await runOne(pool, input, flags, limits.budget)
        records.push(r)
        onRecord(r)
      }),
    ),
  )
  return records
}
