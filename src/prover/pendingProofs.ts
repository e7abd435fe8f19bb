import { randomBytes } from 'node:crypto'
import * as nodeFs from 'node:fs'
import { join } from 'node:path'
import { TesseraError } from '../../guest/errors.js'
import { parseProverType, type ProverType } from '../protocol/messages.js'
import { parseHex, toHex } from '../witness/hex.js'

/**
 * Finished proofs not yet acknowledged, kept in the prover's --state-dir so a restart (or a crash) never
 * throws one away:
 *   <state-dir>/prover-id            this prover's id (sent as prover_id; the coordinator takes a batch's proof
 *                                    only from a prover it was assigned to, so the id must survive restarts)
 *   <state-dir>/pending/<key>.json   {coordinator, batchNumber, proverType, proof, publicValues, finishedAt, lease?}
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
  /** The lease the coordinator handed with the batch (sent back with the proof). */
  lease?: string
}

export class StateDirError extends TesseraError {}

/**
 * The file operations the store uses; node:fs in production. Tests pass one that fails like a full or
 * read-only disk (root ignores permission bits, so chmod cannot simulate it).
 */
export type StateDirFs = Pick<
  typeof nodeFs,
  'closeSync' | 'fsyncSync' | 'mkdirSync' | 'openSync' | 'readdirSync' | 'readFileSync' | 'renameSync' | 'rmSync' | 'writeSync'
>

/** Write to a temporary name, fsync, rename: the file is whole or absent. A failed write leaves no temp file. */
function writeAtomic(fs: StateDirFs, path: string, text: string): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  const fd = fs.openSync(tmp, 'w')
  try {
    try {
      fs.writeSync(fd, text)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, path)
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true })
    } catch {
      // a disk that cannot take the removal either: the name ends in .tmp and is never read as a proof
    }
    throw e
  }
}

const keyOf = (p: Pick<PendingProof, 'coordinator' | 'proverType' | 'batchNumber'>) =>
  `${p.coordinator.replace(/[^A-Za-z0-9.-]/g, '_')}-${p.proverType}-${p.batchNumber}`

export class PendingProofStore {
  private readonly pendingDir: string
  private readonly refusedDir: string

  constructor(
    readonly dir: string,
    private readonly fs: StateDirFs = nodeFs,
  ) {
    this.pendingDir = join(dir, 'pending')
    this.refusedDir = join(dir, 'refused')
    try {
      fs.mkdirSync(this.pendingDir, { recursive: true })
      fs.mkdirSync(this.refusedDir, { recursive: true })
    } catch (e) {
      throw new StateDirError(`--state-dir ${dir}: cannot create (${(e as Error).message})`)
    }
  }

  /** The prover id kept here, created on first use (throws when it cannot be written). */
  proverId(): string {
    const path = join(this.dir, 'prover-id')
    try {
      const id = this.fs.readFileSync(path, 'utf8').trim()
      if (/^[0-9a-f]{16,64}$/.test(id)) return id
    } catch {
      // first run
    }
    const id = randomBytes(8).toString('hex')
    writeAtomic(this.fs, path, `${id}\n`)
    return id
  }

  save(p: PendingProof): void {
    writeAtomic(
      this.fs,
      join(this.pendingDir, `${keyOf(p)}.json`),
      JSON.stringify({ ...p, proof: toHex(p.proof), publicValues: toHex(p.publicValues) }),
    )
  }

  remove(p: PendingProof): void {
    this.fs.rmSync(join(this.pendingDir, `${keyOf(p)}.json`), { force: true })
  }

  /** Move a refused proof aside with the coordinator's reason (the pending file is removed after). */
  refuse(p: PendingProof, reason: string): void {
    writeAtomic(
      this.fs,
      join(this.refusedDir, `${keyOf(p)}.json`),
      JSON.stringify({ ...p, proof: toHex(p.proof), publicValues: toHex(p.publicValues), refused: reason.slice(0, 500) }),
    )
    this.remove(p)
  }

  /** Every pending proof; unreadable files are reported through `onBad` and left in place. */
  list(onBad: (file: string, error: string) => void = () => {}): PendingProof[] {
    const out: PendingProof[] = []
    for (const name of (this.fs.readdirSync(this.pendingDir) as string[]).sort()) {
      if (!name.endsWith('.json')) continue
      const file = join(this.pendingDir, name)
      try {
        const j = JSON.parse(this.fs.readFileSync(file, 'utf8') as string) as Record<string, unknown>
        if (typeof j.coordinator !== 'string' || !Number.isSafeInteger(j.batchNumber)) throw new Error('missing coordinator or batchNumber')
        out.push({
          coordinator: j.coordinator,
          batchNumber: j.batchNumber as number,
          proverType: parseProverType(j.proverType, 'proverType'),
          proof: parseHex(j.proof, 'proof'),
          publicValues: parseHex(j.publicValues, 'publicValues'),
          finishedAt: typeof j.finishedAt === 'number' ? j.finishedAt : 0,
          ...(typeof j.lease === 'string' ? { lease: j.lease } : {}),
        })
      } catch (e) {
        onBad(file, (e as Error).message.slice(0, 200))
      }
    }
    return out
  }
}
