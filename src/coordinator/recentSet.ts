/**
 * Keys last seen within `ttlMs`, at most `maxEntries` of them: a Map kept in last-seen order, so the oldest
 * entry is the first one and evicting it is O(1). Bounds what a flood of random prover ids can cost.
 */
export class RecentSet {
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly ttlMs: number,
    readonly maxEntries: number,
  ) {}

  touch(key: string, now = Date.now()): void {
    this.seen.delete(key)
    this.seen.set(key, now)
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!)
  }

  has(key: string, now = Date.now()): boolean {
    const t = this.seen.get(key)
    return t !== undefined && t >= now - this.ttlMs
  }

  /** Entries seen within the ttl (expired ones are dropped on the way). */
  size(now = Date.now()): number {
    const cutoff = now - this.ttlMs
    for (const [key, t] of this.seen) {
      if (t >= cutoff) break // in last-seen order: everything after is newer
      this.seen.delete(key)
    }
    return this.seen.size
  }

  /** Entries seen within the ttl, most recent first: [key, last seen (ms)]. */
  entries(now = Date.now()): [string, number][] {
    this.size(now)
    return [...this.seen].reverse()
  }
}
