/** Block composition as JSON, CSV and a terminal table: the same numbers the chart draws. */
import { selectorLabel, topTallies, TRANSACTION_KINDS, type BlockComposition, type Tally } from './compose.js'

const tallyJson = (entries: [string, Tally][]) => entries.map(([key, t]) => ({ key, count: t.count, gasUsed: String(t.gas) }))

export function compositionJson(blocks: BlockComposition[]): object {
  return {
    kinds: TRANSACTION_KINDS,
    blocks: blocks.map((b) => ({
      number: Number(b.number),
      transactions: b.transactions,
      gasUsed: String(b.gasUsed),
      gasByKind: Object.fromEntries(TRANSACTION_KINDS.map((k) => [k, String(b.gasByKind[k])])),
      transactionsByKind: b.transactionsByKind,
      gasByType: Object.fromEntries(Object.entries(b.gasByType).map(([t, g]) => [t, String(g)])),
      calls: b.calls,
      precompileCalls: b.precompileCalls,
      precompileGas: String(b.precompileGas),
      precompileCallShare: b.precompileCallShare,
      selectors: tallyJson(Object.entries(b.selectors)),
      destinations: tallyJson(Object.entries(b.destinations)),
    })),
    topSelectorsByCount: tallyJson(topTallies(blocks, 'selectors', 'count')),
    topSelectorsByGas: tallyJson(topTallies(blocks, 'selectors', 'gas')),
    topDestinations: tallyJson(topTallies(blocks, 'destinations', 'count')),
  }
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

/** One row per block; one gas column per kind and per transaction type seen anywhere in the range. */
export function compositionCsv(blocks: BlockComposition[]): string {
  const types = [...new Set(blocks.flatMap((b) => Object.keys(b.gasByType)))].sort()
  const header = [
    'block',
    'transactions',
    'gas_used',
    ...TRANSACTION_KINDS.map((k) => `gas_${k}`),
    ...TRANSACTION_KINDS.map((k) => `txs_${k}`),
    ...types.map((t) => `gas_type ${t}`),
    'calls',
    'precompile_calls',
    'precompile_gas',
    'precompile_call_share',
  ]
  const rows = blocks.map((b) => [
    String(b.number),
    String(b.transactions),
    String(b.gasUsed),
    ...TRANSACTION_KINDS.map((k) => String(b.gasByKind[k])),
    ...TRANSACTION_KINDS.map((k) => String(b.transactionsByKind[k])),
    ...types.map((t) => String(b.gasByType[t] ?? 0n)),
    String(b.calls),
    String(b.precompileCalls),
    String(b.precompileGas),
    b.precompileCallShare.toFixed(6),
  ])
  return `${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\n')}\n`
}

const pct = (part: bigint, whole: bigint) => (whole === 0n ? '-' : `${((Number(part) / Number(whole)) * 100).toFixed(1)}%`)

export function compositionTable(blocks: BlockComposition[]): string {
  const head = ['block', 'txs', 'gas', ...TRANSACTION_KINDS, 'precompile calls']
  const rows = blocks.map((b) => [
    String(b.number),
    String(b.transactions),
    String(b.gasUsed),
    ...TRANSACTION_KINDS.map((k) => pct(b.gasByKind[k], b.gasUsed)),
    b.calls === 0 ? '-' : `${b.precompileCalls}/${b.calls} (${(b.precompileCallShare * 100).toFixed(1)}%)`,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  const ranked = (title: string, entries: [string, Tally][], label: (k: string) => string, unit = 'calls') => [
    '',
    `${title}:`,
    ...(entries.length === 0 ? ['  (none)'] : entries.map(([k, t], i) => `  ${String(i + 1).padStart(2)}. ${label(k).padEnd(48)} ${String(t.count).padStart(6)} ${unit.padEnd(5)}  ${String(t.gas).padStart(12)} gas`)),
  ]
  return [
    line(head),
    ...rows.map(line),
    ...ranked('top selectors by calls', topTallies(blocks, 'selectors', 'count'), selectorLabel),
    ...ranked('top selectors by gas used', topTallies(blocks, 'selectors', 'gas'), selectorLabel),
    ...ranked('top destinations by transactions', topTallies(blocks, 'destinations', 'count'), (k) => k, 'txs'),
  ].join('\n')
}
