/**
 * Progress bar for block ranges (stderr, only on a TTY) and the closing summary table. Hand-written: a
 * line redrawn with \r, no dependency.
 */
export interface ProgressSample {
  transactions: number
  gasUsed: bigint
  ok: boolean
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

export function mgasPerSecond(gas: bigint, ms: number): number {
  return ms > 0 ? Number(gas) / 1e6 / (ms / 1000) : 0
}

export class ProgressBar {
  private done = 0
  private failed = 0
  private gas = 0n
  private readonly start = performance.now()
  private lastDraw = 0
  private readonly enabled: boolean

  constructor(
    /** Units expected; undefined for an endless run (no bar, no ETA). */
    private total: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled = stream.isTTY === true,
  ) {
    this.enabled = enabled
  }

  setTotal(total: number): void {
    this.total = total
  }

  tick(s: ProgressSample): void {
    this.done++
    if (!s.ok) this.failed++
    this.gas += s.gasUsed
    const now = performance.now()
    if (now - this.lastDraw > 100 || this.done === this.total) {
      this.lastDraw = now
      this.draw()
    }
  }

  /** Print a line (to stdout by default) above the bar without garbling it. */
  log(line: string, out: NodeJS.WritableStream = process.stdout): void {
    if (this.enabled) this.stream.write('\r\x1b[2K')
    out.write(`${line}\n`)
    if (this.enabled) this.draw()
  }

  line(): string {
    const elapsed = performance.now() - this.start
    const rate = mgasPerSecond(this.gas, elapsed).toFixed(2)
    const fails = this.failed ? ` ${this.failed} failed` : ''
    if (this.total === undefined) return `${this.done} blocks ${rate} Mgas/s${fails} ${formatDuration(elapsed)}`
    const width = 30
    const frac = this.total ? Math.min(1, this.done / this.total) : 1
    const fill = Math.round(frac * width)
    const eta = this.done ? (elapsed / this.done) * (this.total - this.done) : NaN
    return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${this.done}/${this.total} ${rate} Mgas/s ETA ${formatDuration(eta)}${fails}`
  }

  private draw(): void {
    if (!this.enabled) return
    this.stream.write(`\r\x1b[2K${this.line()}`)
  }

  finish(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K')
  }
}

export interface SummaryRow {
  blocks: number
  failed: number
  transactions: number
  gasUsed: bigint
  /** Wall time of the whole run. */
  wallMs: number
  /** Sum of guest time in workers. */
  executeMs: number
  witnessBytes: number
}

/** The table printed at the end of a run. */
export function summaryTable(r: SummaryRow): string {
  const rows: [string, string][] = [
    ['blocks', `${r.blocks}${r.failed ? ` (${r.failed} failed)` : ''}`],
    ['transactions', String(r.transactions)],
    ['gas', `${(Number(r.gasUsed) / 1e6).toFixed(2)} Mgas`],
    ['time', `${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.executeMs / 1000).toFixed(2)} s in guest`],
    ['Mgas/s', `${mgasPerSecond(r.gasUsed, r.wallMs).toFixed(2)} wall, ${mgasPerSecond(r.gasUsed, r.executeMs).toFixed(2)} per worker`],
    ['blocks/s', (r.blocks / Math.max(r.wallMs / 1000, 1e-9)).toFixed(2)],
    ['witness size', formatBytes(r.witnessBytes)],
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  const v = Math.max(...rows.map(([, x]) => x.length))
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(v + 2)}+`
  return [line, ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${x.padEnd(v)} |`), line].join('\n')
}
