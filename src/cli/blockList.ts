/**
 * `--blocks 1,5,9` and `--blocks 3-6,10`: block numbers as a list, besides `--from/--to` ranges.
 * The parser is strict: a typo in a list of blocks to prove should stop the run, not skip a block.
 */
import { TesseraError } from '../../guest/errors.js'

export class BlockListInvalid extends TesseraError {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`blocks '${input}': ${reason}`, "write blocks as 1,5,9 or ranges as 12-15 (ascending, no repeats)")
  }
}

/** Upper bound on blocks one list may name, so `1-99999999999` fails fast instead of allocating forever. */
export const MAX_LISTED_BLOCKS = 100_000

const NUMBER = /^(0x[0-9a-fA-F]+|\d+)$/

function blockNumber(text: string, input: string): bigint {
  if (!NUMBER.test(text)) throw new BlockListInvalid(input, `'${text}' is not a block number (decimal or 0x-hex)`)
  const n = BigInt(text)
  if (n < 1n) throw new BlockListInvalid(input, 'block 0 (genesis) has no parent to replay from; start at 1')
  return n
}

/**
 * Parse a comma-separated list of block numbers and inclusive ranges `A-B`, written in ascending order.
 * A list out of order is refused rather than re-sorted (the order given is not the order run), and
 * duplicates (also through overlapping ranges) are errors: they would replay a block twice.
 */
export function parseBlockList(input: string): bigint[] {
  if (input.trim() === '') throw new BlockListInvalid(input, 'empty list')
  const out: bigint[] = []
  for (const rawItem of input.split(',')) {
    const item = rawItem.trim()
    if (item === '') throw new BlockListInvalid(input, 'empty item (two commas in a row, or a trailing comma)')
    const dash = item.indexOf('-')
    if (dash < 0) {
      out.push(blockNumber(item, input))
    } else {
      const from = blockNumber(item.slice(0, dash).trim(), input)
      const to = blockNumber(item.slice(dash + 1).trim(), input)
      if (to < from) throw new BlockListInvalid(input, `range ${item} goes backwards`)
      if (to - from + 1n + BigInt(out.length) > BigInt(MAX_LISTED_BLOCKS)) {
        throw new BlockListInvalid(input, `more than ${MAX_LISTED_BLOCKS} blocks; use --from/--to for long ranges`)
      }
      for (let n = from; n <= to; n++) out.push(n)
    }
    if (out.length > MAX_LISTED_BLOCKS) throw new BlockListInvalid(input, `more than ${MAX_LISTED_BLOCKS} blocks`)
  }
  for (let i = 1; i < out.length; i++) {
    // Ascending so far: a repeat can only be at or below the previous number.
    if (out[i] <= out[i - 1] && out.indexOf(out[i]) < i) throw new BlockListInvalid(input, `block ${out[i]} is named twice`)
    if (out[i] < out[i - 1]) {
      const sorted = [...out].sort((a, b) => (a < b ? -1 : 1))
      const suggestion = sorted.length <= 12 ? ` (as ${sorted.join(',')})` : ''
      throw new BlockListInvalid(input, `block ${out[i]} comes after ${out[i - 1]}: write the list in ascending order${suggestion}`)
    }
  }
  return out
}

/** Split ascending numbers into runs of consecutive blocks (each run can share one witness / cache file). */
export function consecutiveRuns(numbers: bigint[]): bigint[][] {
  const runs: bigint[][] = []
  for (const n of numbers) {
    const last = runs[runs.length - 1]
    if (last !== undefined && last[last.length - 1] + 1n === n) last.push(n)
    else runs.push([n])
  }
  return runs
}

export class BlockNotFound extends TesseraError {}

/** Every listed block must exist on the node. */
export function checkBelowHead(numbers: bigint[], head: bigint): void {
  const over = numbers.filter((n) => n > head)
  if (over.length > 0) {
    throw new BlockNotFound(`block ${over[0]} is above the node's head ${head}${over.length > 1 ? ` (and ${over.length - 1} more)` : ''}`)
  }
}

/** `--blocks` from parsed CLI values, refusing a mix with --from/--to/--endless. Undefined when absent. */
export function listedBlocks(values: { blocks?: string; from?: string; to?: string; endless?: boolean }): bigint[] | undefined {
  if (values.blocks === undefined) return undefined
  const clash = (['from', 'to', 'endless'] as const).filter((k) => values[k] !== undefined)
  if (clash.length > 0) throw new BlockListInvalid(values.blocks, `--blocks cannot be combined with ${clash.map((k) => `--${k}`).join(', ')}`)
  return parseBlockList(values.blocks)
}
