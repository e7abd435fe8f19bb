import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import type { ProveResult } from '../src/backend/index.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { packageRoot } from '../src/crypto/index.js'
import { detectGpus, GpuDetectionFailed, parseNvidiaSmiList } from '../src/prover/gpus.js'
import { createHostProvePool } from '../src/prover/hostPool.js'
import { createProverMetrics, proverHealth } from '../src/prover/metrics.js'
import type { ProveRunner } from '../src/prover/pool.js'
import { createSlotRunner } from '../src/prover/slots.js'
import { captureLog, runCli, syntheticInput } from './support/coordinator-kit.js'
import { NATIVE_EXPECTED } from './support/fixtures.js'

/**
 * GPU hosts on a GPU-less machine: a fake `nvidia-smi` on PATH lists the devices, the echo test backend
 * (native/test-backend/echo_backend.c, which copies options_json into its "proof") shows which device each
 * job was handed through the C ABI. The real GPU path is the same code with a real library and driver.
 */

const NVIDIA_SMI_L = [
  'GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-11111111-2222-3333-4444-555555555555)',
  '  MIG 1g.10gb     Device  0: (UUID: MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)',
  'GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-66666666-7777-8888-9999-000000000000)',
  '',
].join('\n')

let dir: string
let fakeBin: string
let echoLib: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-gpu-'))
  fakeBin = join(dir, 'bin')
  mkdirSync(fakeBin)
  writeFileSync(join(fakeBin, 'nvidia-smi'), `#!/bin/sh\n[ "$1" = "-L" ] || exit 9\ncat <<'EOF'\n${NVIDIA_SMI_L}EOF\n`)
  chmodSync(join(fakeBin, 'nvidia-smi'), 0o755)
  echoLib = join(dir, 'libecho.so')
  if (NATIVE_EXPECTED) {
    const root = packageRoot()
    execFileSync('cc', ['-shared', '-fPIC', '-O1', `-I${join(root, 'native', 'include')}`, join(root, 'native', 'test-backend', 'echo_backend.c'), '-o', echoLib])
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const envWithFakeSmi = () => ({ ...process.env, PATH: `${fakeBin}:${process.env.PATH}`, CUDA_VISIBLE_DEVICES: undefined })
/** For child processes: the fake nvidia-smi first on PATH, CUDA_VISIBLE_DEVICES unset (spawn drops undefined values). */
const childEnvWithFakeSmi = () => ({ PATH: `${fakeBin}:${process.env.PATH}`, CUDA_VISIBLE_DEVICES: undefined }) as unknown as Record<string, string>

describe('GPU detection', () => {
  it('reads nvidia-smi -L from PATH (GPUs only, not MIG lines)', () => {
    const env = envWithFakeSmi()
    delete env.CUDA_VISIBLE_DEVICES
    expect(detectGpus({ env })).toEqual([
      { index: 0, label: '0', name: 'NVIDIA A100-SXM4-80GB', uuid: 'GPU-11111111-2222-3333-4444-555555555555' },
      { index: 1, label: '1', name: 'NVIDIA A100-SXM4-80GB', uuid: 'GPU-66666666-7777-8888-9999-000000000000' },
    ])
    expect(parseNvidiaSmiList('No devices were found\n')).toEqual([])
  })

  it('prefers --gpus, then CUDA_VISIBLE_DEVICES (renumbered from 0), and says why when there is no GPU', () => {
    const env = envWithFakeSmi()
    expect(detectGpus({ gpus: '1, 3', env }).map((d) => d.index)).toEqual([1, 3])
    expect(detectGpus({ env: { ...env, CUDA_VISIBLE_DEVICES: '2,GPU-abc' } })).toMatchObject([{ index: 0 }, { index: 1, uuid: 'GPU-abc' }])
    expect(() => detectGpus({ env: { ...env, CUDA_VISIBLE_DEVICES: '-1' } })).toThrow(/makes no GPU visible/)
    expect(() => detectGpus({ gpus: '0,x' })).toThrow(/"x" is not a device ordinal/)
    expect(() => detectGpus({ gpus: '1,1' })).toThrow(/listed twice/)
    const noSmi = { PATH: join(dir, 'empty') }
    expect(() => detectGpus({ env: noSmi })).toThrow(GpuDetectionFailed)
    expect(() => detectGpus({ env: noSmi })).toThrow(/nvidia-smi is not on PATH and CUDA_VISIBLE_DEVICES is not set/)
    expect(() => detectGpus({ runNvidiaSmi: () => 'No devices were found\n', env: {} })).toThrow(/listed none/)
  })

  it('tessera doctor shows the GPUs a prover would use', async () => {
    const p = runCli(['doctor', '--no-kzg', '--json'], childEnvWithFakeSmi())
    expect(await p.exited).toBe(0)
    const report = JSON.parse(p.lines.join('\n')) as { gpus: { devices: { index: number }[] }; proofVerifiers: { risc0Groth16: unknown[] } }
    expect(report.gpus.devices.map((d) => d.index)).toEqual([0, 1])
    expect(report.proofVerifiers.risc0Groth16.map((r) => (r as { selector: string }).selector)).toContain('0xc101b42b')
  })

  it('refuses --workers other than the GPU count, and --gpus without --resource gpu', () => {
    const makePool = () => fakeRunner(() => Promise.resolve(result(0))).runner
    expect(() => createHostProvePool({ resource: 'gpu', gpus: '0,1', workers: 3, defaultCpuWorkers: 2, makePool })).toThrow(/one prove worker per GPU/)
    expect(() => createHostProvePool({ resource: 'cpu', gpus: '0', defaultCpuWorkers: 2, makePool })).toThrow(/--gpus needs --resource gpu/)
    expect(createHostProvePool({ resource: 'gpu', gpus: '0,1', defaultCpuWorkers: 2, makePool }).workers).toBe(2)
  })
})

function result(device: number): ProveResult {
  return { proof: Uint8Array.of(device), publicValues: new Uint8Array(160) }
}

/** A runner that records how many of its jobs overlap (what "one job per GPU" must keep at 1). */
function fakeRunner(job: () => Promise<ProveResult>) {
  const seen = { inFlight: 0, peak: 0, jobs: 0 }
  const runner: ProveRunner = {
    async run() {
      seen.inFlight++
      seen.jobs++
      seen.peak = Math.max(seen.peak, seen.inFlight)
      try {
        return await job()
      } finally {
        seen.inFlight--
      }
    },
    close: async () => {},
  }
  return { runner, seen }
}

describe('scheduling over GPU slots', () => {
  it('never runs two jobs on one GPU, spreads jobs evenly, queues the rest in order', async () => {
    const gates: (() => void)[] = []
    const devices = [0, 1, 2].map((d) => fakeRunner(() => new Promise<ProveResult>((r) => gates.push(() => r(result(d))))))
    const metrics = createProverMetrics()
    const pool = createSlotRunner(devices.map((f, d) => ({ label: String(d), device: d, capacity: 1, runner: f.runner })), metrics)
    const order: number[] = []
    const jobs = Array.from({ length: 7 }, (_, i) => pool.run('risc0', Uint8Array.of(i)).then((r) => order.push(i) && r.proof[0]))
    await new Promise((r) => setImmediate(r))
    expect(pool.slots().map((s) => s.inFlight)).toEqual([1, 1, 1])
    while (gates.length > 0 || pool.slots().some((s) => s.inFlight > 0)) {
      gates.shift()?.()
      await new Promise((r) => setImmediate(r))
    }
    const ran = await Promise.all(jobs)
    expect(devices.map((f) => f.seen.peak)).toEqual([1, 1, 1])
    expect(devices.map((f) => f.seen.jobs)).toEqual([3, 2, 2])
    expect(ran.slice(0, 3)).toEqual([0, 1, 2])
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6])
    const text = await metrics.registry.metrics()
    expect(text).toMatch(/tessera_prover_jobs_total\{device="0",result="ok"\} 3/)
    expect(text).toMatch(/tessera_prover_proving_seconds_count\{device="2"\} 2/)
  })

  it('a job aborted while waiting for a GPU leaves the queue without taking one', async () => {
    let release: (() => void) | undefined
    const busy = fakeRunner(() => new Promise<ProveResult>((r) => (release = () => r(result(0)))))
    const pool = createSlotRunner([{ label: '0', device: 0, capacity: 1, runner: busy.runner }])
    const first = pool.run('sp1', new Uint8Array(1))
    const abort = new AbortController()
    const waiting = pool.run('sp1', new Uint8Array(1), abort.signal)
    abort.abort(new Error('budget exceeded'))
    await expect(waiting).rejects.toThrow(/budget exceeded/)
    await new Promise((r) => setImmediate(r))
    release!()
    await first
    expect(pool.slots()[0]).toMatchObject({ jobs: 1, inFlight: 0 })
    expect(busy.seen.jobs).toBe(1)
  })

  it('counts failures per GPU; /healthz degrades, then fails when every GPU fails its jobs', async () => {
    const bad = fakeRunner(() => Promise.reject(new Error('CUDA error: device lost')))
    const good = fakeRunner(() => Promise.resolve(result(1)))
    const pool = createSlotRunner([
      { label: '0', device: 0, capacity: 1, runner: bad.runner },
      { label: '1', device: 1, capacity: 1, runner: good.runner },
    ])
    for (let i = 0; i < 6; i++) await pool.run('sp1', new Uint8Array(1)).catch((e: Error) => expect(e.message).toMatch(/device lost/))
    expect(pool.slots().map((s) => [s.jobs, s.failed])).toEqual([[3, 3], [3, 0]])
    expect(proverHealth('gpu', pool.slots()).status).toBe('degraded')
    const allBad = createSlotRunner([{ label: '0', device: 0, capacity: 1, runner: bad.runner }])
    for (let i = 0; i < 3; i++) await allBad.run('sp1', new Uint8Array(1)).catch(() => {})
    expect(proverHealth('gpu', allBad.slots()).status).toBe('failing')
  })
})

describe.runIf(NATIVE_EXPECTED)('GPU host end to end with the echo backend', () => {
  it('hands each pinned worker its device ordinal through the C ABI', async () => {
    process.env.TESSERA_RISC0_LIB = echoLib
    const metrics = createProverMetrics()
    const host = createHostProvePool({ resource: 'gpu', env: envWithFakeSmi(), defaultCpuWorkers: 1, metrics })
    try {
      expect(host.workers).toBe(2)
      const proofs = await Promise.all([1, 2, 3, 4].map((i) => host.runner.run('risc0', encodeProgramInput(syntheticInput(i)))))
      const options = proofs.map((p) => JSON.parse(Buffer.from(p.proof.subarray(24 + 8)).toString('utf8')) as { resource: string; device: number })
      expect(options.every((o) => o.resource === 'gpu')).toBe(true)
      // Each job ran on the device its slot is pinned to; both GPUs worked (a slot takes the next job as soon as
      // it is free, so the split depends on timing).
      const slots = host.runner.slots()
      for (const s of slots) expect(options.filter((o) => o.device === s.device).length, `device ${s.device}`).toBe(s.jobs)
      expect(slots.every((s) => s.jobs >= 1)).toBe(true)
      const text = await metrics.registry.metrics()
      for (const s of slots) expect(text).toContain(`tessera_prover_jobs_total{device="${s.label}",result="ok"} ${s.jobs}`)
    } finally {
      await host.runner.close()
      delete process.env.TESSERA_RISC0_LIB
    }
  })

  it('`tessera prover --resource gpu` proves batches from a coordinator on both GPUs, with /metrics and /healthz', async () => {
    // The echo backend's public values (see echo_backend.c), so the coordinator accepts its submissions.
    const echoValues = (input: Uint8Array) => Uint8Array.from({ length: 160 }, (_, i) => (input.length ? input[i % input.length] : 0) ^ i)
    const store = new CoordinatorStore(join(dir, 'c.db'))
    store.addBatches([1, 2, 3, 4].map((n) => ({ source: `s-${n}`, firstBlock: n, lastBlock: n, input: encodeProgramInput(syntheticInput(n)) })))
    const coordinator = new Coordinator({
      store,
      version: 'gpu-test',
      requiredTypes: ['RISC0'],
      proverTimeoutMs: 60_000,
      limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 5000, readDeadlineMs: 10_000, maxConnections: 100 },
      logger: captureLog().logger,
      derivePublicValues: async (input) => echoValues(input),
      // The echo "proof" is not a proof: store it after the public values check (no RISC0 verifier here).
      trustUnverified: true,
    })
    const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    const metricsPort = await freePort()
    const prover = runCli(
      ['prover', '--proof-coordinators', `tcp://127.0.0.1:${address.port}`, '--backend', 'risc0', '--resource', 'gpu', '--commit-hash', 'gpu-test', '--poll-interval', '100', '--metrics', `127.0.0.1:${metricsPort}`],
      { ...childEnvWithFakeSmi(), TESSERA_RISC0_LIB: echoLib },
    )
    try {
      await prover.waitFor(/one prove worker per GPU: 2/, 30_000)
      await prover.waitFor(/metrics at \/metrics/, 30_000)
      for (let i = 0; i < 600 && [1, 2, 3, 4].some((n) => !store.proof(n, 'RISC0')); i++) await new Promise((r) => setTimeout(r, 100))
      const devices = [1, 2, 3, 4].map((n) => JSON.parse(Buffer.from(store.proof(n, 'RISC0')!.proof.subarray(32)).toString('utf8')).device as number)
      expect(new Set(devices)).toEqual(new Set([0, 1]))
      const health = (await (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).json()) as { status: string; resource: string; devices: { label: string; jobs: number; failed: number }[] }
      expect(health).toMatchObject({ status: 'ok', resource: 'gpu' })
      expect(health.devices.map((d) => [d.label, d.jobs, d.failed])).toEqual([0, 1].map((d) => [String(d), devices.filter((x) => x === d).length, 0]))
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
      for (const d of [0, 1]) expect(text).toContain(`tessera_prover_jobs_total{device="${d}",result="ok"} ${devices.filter((x) => x === d).length}`)
      expect(text).toMatch(/tessera_prover_proving_seconds_sum\{device="1"\} /)
    } finally {
      prover.kill('SIGTERM')
      await prover.exited
      await coordinator.close()
      store.close()
    }
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

describe('deploy files', () => {
  it('use only flags `tessera prover` has (Dockerfile ENTRYPOINT, systemd ExecStart)', async () => {
    const read = (f: string) => readFileSync(join(packageRoot(), 'deploy', f), 'utf8')
    const help = runCli(['prover', '--help'])
    expect(await help.exited).toBe(0)
    const helpText = help.lines.join('\n')
    const docker = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'))
    const unit = /^ExecStart=((?:[^\n]*\\\n)*[^\n]*)/m.exec(read('tessera-prover.service'))
    expect(docker && unit).toBeTruthy()
    const flags = [...(JSON.parse(docker![1]) as string[]), ...unit![1].split(/\s+/)].filter((a) => a.startsWith('--'))
    expect(flags).toEqual(expect.arrayContaining(['--resource', '--metrics', '--proof-coordinators', '--backend']))
    for (const flag of flags) expect(helpText, flag).toContain(`${flag} `)
  })
})
