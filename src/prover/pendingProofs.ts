import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { TesseraError } from '../../guest/errors.js'
import { parseProverType, type ProverType } from '../protocol/messages.js'
import { parseHex, toHex } from '../witness/hex.js'

/**
 * Finished proofs not yet acknowledged, kept in the prover's --state-dir so a restart (or a crash) never
 * throws one away:
 *   <state-dir>/prover-id            this prover's id (sent as prover_id; the coordinator takes a batch's proof
 *                                    only from a prover it was assigned to, so the id must survive restarts)
 *   <state-dir>/pending/<key>.json   {coordinator, batchNumber, proverType, proof, publicValues, finishedAt}
 *   <state-dir>/refused/<key>.json   proofs a coordinator explicitly refused, with its reason (kept for the operator)
 * Files are written to a temporary name, fsynced and renamed, so a file is either whole or absent.
 */

export interface PendingProof {
  /** host:port of the coordinator that assigned the batch. */
  coordinator: string
  batchNumber: number
  proverType: ProverType
  proof: Uint8Array
  publicValues: Uint8Array
  finishedAt: number
}

export class StateDirError extends TesseraError {}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}

const keyOf = (p: Pick<PendingProof, 'coordinator' | 'proverType' | 'batchNumber'>) =>
  `${p.coordinator.replace(/[^A-Za-z0-9.-]/g, '_')}-${p.proverType}-${p.batchNumber}`

export class PendingProofStore {
  private readonly pendingDir: string
  private readonly refusedDir: string

  constructor(readonly dir: string) {
    this.pendingDir = join(dir, 'pending')
    this.refusedDir = join(dir, 'refused')
    try {
      mkdirSync(this.pendingDir, { recursive: true })
      mkdirSync(this.refusedDir, { recursive: true })
    } catch (e) {
      throw new StateDirError(`--state-dir ${dir}: cannot create (${(e as Error).message})`)
    }
  }

  /** The prover id kept here, created on first use. */
  proverId(): string {
    const path = join(this.dir, 'prover-id')
    try {
      const id = readFileSync(path, 'utf8').trim()
      if (/^[0-9a-f]{16,64}$/.test(id)) return id
    } catch {
      // first run
    }
    const id = randomBytes(8).toString('hex')
    writeAtomic(path, `${id}\n`)
    return id
  }

  save(p: PendingProof): void {
    writeAtomic(
      join(this.pendingDir, `${keyOf(p)}.json`),
      JSON.stringify({ ...p, proof: toHex(p.proof), publicValues: toHex(p.publicValues) }),
    )
  }

  remove(p: PendingProof): void {
    rmSync(join(this.pendingDir, `${keyOf(p)}.json`), { force: true })
  }

  /** Move a refused proof aside with the coordinator's reason. */
  refuse(p: PendingProof, reason: string): void {
    writeAtomic(
      join(this.refusedDir, `${keyOf(p)}.json`),
      JSON.stringify({ ...p, proof: toHex(p.proof), publicValues: toHex(p.publicValues), refused: reason.slice(0, 500) }),
    )
    this.remove(p)
  }

  /** Every pending proof; unreadable files are reported through `onBad` and left in place. */
  list(onBad: (file: string, error: string) => void = () => {}): PendingProof[] {
    const out: PendingProof[] = []
    for (const name of readdirSync(this.pendingDir).sort()) {
      if (!name.endsWith('.json')) continue
      const file = join(this.pendingDir, name)
      try {
        const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
        if (typeof j.coordinator !== 'string' || !Number.isSafeInteger(j.batchNumber)) throw new Error('missing coordinator or batchNumber')
        out.push({
          coordinator: j.coordinator,
          batchNumber: j.batchNumber as number,
          proverType: parseProverType(j.proverType, 'proverType'),
          proof: parseHex(j.proof, 'proof'),
          publicValues: parseHex(j.publicValues, 'publicValues'),
          finishedAt: typeof j.finishedAt === 'number' ? j.finishedAt : 0,
        })
      } catch (e) {
        onBad(file, (e as Error).message.slice(0, 200))
      }
    }
    return out
  }
}
