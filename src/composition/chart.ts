/**
 * The block-composition chart: a Vega-Lite spec rendered to SVG headless in Node by Vega (no browser, no
 * canvas: text is measured by Vega's estimate). Three panels over the same block axis:
 *   1. gas used, stacked by transaction kind;
 *   2. gas used, stacked by transaction type;
 *   3. share of message calls that reached a precompile.
 */
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { KIND_LABELS, TRANSACTION_KINDS, type BlockComposition } from './compose.js'

/** Colour-blind-safe (Okabe–Ito) colours, fixed per kind so charts compare across runs. */
const KIND_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9']
/** Per type label; blob and privileged share their kind's colour. */
const TYPE_COLOURS: Record<string, string> = {
  'legacy (0)': '#999999',
  'EIP-2930 (1)': '#D55E00',
  'EIP-1559 (2)': '#332288',
  'EIP-4844 (3)': '#56B4E9',
  'EIP-7702 (4)': '#117733',
  'fee token (0x7d)': '#F0E442',
  'privileged (0x7e)': '#CC79A7',
}

export interface ChartOptions {
  /** Shown in the title, e.g. "Hoodi" or "chain 1337". */
  network?: string
}

function mgas(gas: bigint): number {
  return Number(gas) / 1e6
}

export function compositionSpec(blocks: BlockComposition[], opts: ChartOptions = {}): TopLevelSpec {
  const byKind = blocks.flatMap((b) =>
    TRANSACTION_KINDS.filter((k) => b.gasByKind[k] > 0n).map((k) => ({
      block: String(b.number),
      kind: KIND_LABELS[k],
      order: TRANSACTION_KINDS.indexOf(k),
      mgas: mgas(b.gasByKind[k]),
      transactions: b.transactionsByKind[k],
    })),
  )
  const types = [...new Set(blocks.flatMap((b) => Object.keys(b.gasByType)))].sort((a, b) => typeOrder(a) - typeOrder(b))
  const byType = blocks.flatMap((b) =>
    Object.entries(b.gasByType).map(([type, gas]) => ({ block: String(b.number), type, order: types.indexOf(type), mgas: mgas(gas) })),
  )
  const share = blocks.map((b) => ({
    block: String(b.number),
    share: b.precompileCallShare,
    label: b.calls === 0 ? 'no calls' : `${b.precompileCalls}/${b.calls}`,
  }))
  const first = blocks[0]?.number
  const last = blocks[blocks.length - 1]?.number
  const range = first === last ? `block ${first}` : `blocks ${first}–${last}`
  const transactions = blocks.reduce((n, b) => n + b.transactions, 0)
  const gas = blocks.reduce((n, b) => n + b.gasUsed, 0n)
  // Bars about 50 px wide for short ranges, narrower for long ones; one fat bar for a single block reads badly.
  const width = Math.min(1400, Math.max(240, blocks.length * (blocks.length <= 20 ? 60 : 28)))
  // Block numbers as an ordered category: every block gets a bar, in chain order.
  const blockAxis = {
    field: 'block',
    type: 'ordinal' as const,
    sort: blocks.map((b) => String(b.number)),
    title: 'block',
    axis: { labelAngle: blocks.length > 12 ? -45 : 0, labelOverlap: true },
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Block composition, ${range}${opts.network ? ` (${opts.network})` : ''}`,
      subtitle: `${blocks.length} block${blocks.length === 1 ? '' : 's'}, ${transactions} transactions, ${mgas(gas).toFixed(2)} Mgas — measured by stateless execution`,
      fontSize: 18,
      subtitleFontSize: 12,
      subtitleColor: '#555',
      anchor: 'start',
      offset: 14,
    },
    background: 'white',
    padding: 16,
    config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 12 } },
    vconcat: [
      {
        title: { text: 'Gas used by transaction kind', fontSize: 14, anchor: 'start' },
        width,
        height: 220,
        data: { values: byKind },
        mark: { type: 'bar', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: blockAxis,
          y: { field: 'mgas', type: 'quantitative', aggregate: 'sum', title: 'gas used (Mgas)', stack: 'zero' },
          color: {
            field: 'kind',
            type: 'nominal',
            title: 'kind',
            scale: { domain: TRANSACTION_KINDS.map((k) => KIND_LABELS[k]), range: KIND_COLOURS },
          },
          order: { field: 'order', type: 'quantitative' },
          tooltip: [{ field: 'block' }, { field: 'kind' }, { field: 'mgas', title: 'Mgas', format: '.3f' }, { field: 'transactions' }],
        },
      },
      {
        title: { text: 'Gas used by transaction type', fontSize: 14, anchor: 'start' },
        width,
        height: 220,
        data: { values: byType },
        mark: { type: 'bar', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: blockAxis,
          y: { field: 'mgas', type: 'quantitative', aggregate: 'sum', title: 'gas used (Mgas)', stack: 'zero' },
          color: { field: 'type', type: 'nominal', title: 'type', scale: { domain: types, range: types.map((t) => TYPE_COLOURS[t] ?? '#000000') } },
          order: { field: 'order', type: 'quantitative' },
          tooltip: [{ field: 'block' }, { field: 'type' }, { field: 'mgas', title: 'Mgas', format: '.3f' }],
        },
      },
      {
        title: { text: 'Share of message calls that reached a precompile (label: precompile calls / all calls)', fontSize: 14, anchor: 'start' },
        width,
        height: 140,
        data: { values: share },
        layer: [
          {
            mark: { type: 'bar', color: '#D55E00' },
            encoding: {
              x: blockAxis,
              y: { field: 'share', type: 'quantitative', title: 'precompile calls', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
              tooltip: [{ field: 'block' }, { field: 'share', format: '.1%' }, { field: 'label', title: 'precompile calls / calls' }],
            },
          },
          {
            mark: { type: 'text', dy: -6, fontSize: 10, color: '#333' },
            encoding: { x: blockAxis, y: { field: 'share', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  }
}

function typeOrder(label: string): number {
  const m = /\((0x[0-9a-f]+|\d+)\)$/.exec(label) ?? /^type (0x[0-9a-f]+)$/.exec(label)
  return m ? Number(m[1]) : 1e9
}

export class ChartRenderError extends Error {
  override name = 'ChartRenderError'
}

/** Render the composition chart as a standalone SVG document. */
export async function compositionSvg(blocks: BlockComposition[], opts: ChartOptions = {}): Promise<string> {
  if (blocks.length === 0) throw new ChartRenderError('no blocks to draw')
  const spec = compile(compositionSpec(blocks, opts)).spec
  // renderer 'none': no canvas needed; toSVG builds the SVG string from the scenegraph.
  const view = new vega.View(vega.parse(spec), { renderer: 'none', logLevel: vega.Warn })
  try {
    const svg = await view.toSVG()
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`
  } finally {
    view.finalize()
  }
}
