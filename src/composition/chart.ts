/**
 * The block-composition chart: a Vega-Lite spec rendered to SVG headless in Node by Vega (no browser, no
 * canvas: text is measured by Vega's estimate). Three panels over the same block axis:
 *   1. gas used, stacked by transaction kind;
 *   2. gas used, stacked by transaction type;
 *   3. share of message calls that reached a precompile;
 * then, over all the blocks, the views ethrex-replay's block-composition draws (lambdaclass/ethrex-replay
 * @4561304 src/plot_composition.rs: top 10 selectors, selectors by gas, top 10 destinations), here with gas
 * used as the stateless execution measured it rather than gas limits.
 */
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { KIND_LABELS, selectorLabel, TRANSACTION_KINDS, topTallies, type BlockComposition } from './compose.js'

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
  /** Shown in the title, e.g. "Hoodi" or "chain 1337" (chainLabel). */
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
  // Every panel as wide as the widest thing on the page (titles, the ranked views), so a chart of 1-4 blocks
  // fills the image instead of leaving half of it blank; long ranges grow to 1400 px.
  const width = Math.min(1400, Math.max(760, blocks.length * (blocks.length <= 20 ? 60 : 28)))
  // Bars at most 80 px wide: one block should not be a slab across the whole panel.
  const barSize = Math.max(2, Math.min(80, (width / blocks.length) * 0.8))
  const kinds = TRANSACTION_KINDS.filter((k) => blocks.some((b) => b.gasByKind[k] > 0n))
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
        mark: { type: 'bar', stroke: 'white', strokeWidth: 0.5, size: barSize },
        encoding: {
          x: blockAxis,
          y: { field: 'mgas', type: 'quantitative', aggregate: 'sum', title: 'gas used (Mgas)', stack: 'zero' },
          color: {
            field: 'kind',
            type: 'nominal',
            title: 'kind',
            // Only the kinds present in the legend, each in its fixed colour.
            scale: { domain: kinds.map((k) => KIND_LABELS[k]), range: kinds.map((k) => KIND_COLOURS[TRANSACTION_KINDS.indexOf(k)]) },
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
        mark: { type: 'bar', stroke: 'white', strokeWidth: 0.5, size: barSize },
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
            mark: { type: 'bar', color: '#D55E00', size: barSize },
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
      ranked(`Top ${TOP_N} selectors by number of calls`, topTallies(blocks, 'selectors', 'count', TOP_N).map(([k, t]) => ({ label: selectorLabel(k), value: t.count })), 'calls', '#0072B2', width),
      ranked(`Top ${TOP_N} selectors by gas used`, topTallies(blocks, 'selectors', 'gas', TOP_N).map(([k, t]) => ({ label: selectorLabel(k), value: mgas(t.gas) })), 'gas used (Mgas)', '#E69F00', width),
      ranked(`Top ${TOP_N} destinations by number of transactions`, topTallies(blocks, 'destinations', 'count', TOP_N).map(([k, t]) => ({ label: shortAddress(k), value: t.count })), 'transactions', '#009E73', width),
    ],
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  }
}

const TOP_N = 10

/** 0x91cb447b…4bb06e5d: enough to recognise; the JSON and the terminal table have the full address. */
const shortAddress = (a: string) => `${a.slice(0, 10)}…${a.slice(-8)}`

/** A horizontal bar chart of label → value, largest first (an empty panel says so instead of drawing nothing). */
function ranked(title: string, rows: { label: string; value: number }[], axisTitle: string, colour: string, width: number) {
  const counts = !axisTitle.includes('Mgas')
  const data = rows.length > 0 ? rows : [{ label: '(none in these blocks)', value: 0 }]
  return {
    title: { text: title, fontSize: 14, anchor: 'start' as const },
    width,
    height: Math.max(40, data.length * 20),
    data: { values: data },
    layer: [
      {
        mark: { type: 'bar' as const, color: colour },
        encoding: {
          y: { field: 'label', type: 'nominal' as const, sort: data.map((r) => r.label), title: null, axis: { labelLimit: 360 } },
          x: { field: 'value', type: 'quantitative' as const, title: axisTitle, axis: counts ? { tickMinStep: 1, format: 'd' } : {} },
          tooltip: [{ field: 'label' }, { field: 'value', title: axisTitle }],
        },
      },
      {
        mark: { type: 'text' as const, align: 'left' as const, dx: 4, fontSize: 10, color: '#333' },
        encoding: {
          y: { field: 'label', type: 'nominal' as const, sort: data.map((r) => r.label) },
          x: { field: 'value', type: 'quantitative' as const },
          text: { field: 'value', type: 'quantitative' as const, format: counts ? 'd' : '.3f' },
        },
      },
    ],
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
