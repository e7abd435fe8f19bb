import { execFileSync } from 'node:child_process'
import { TesseraError } from '../../guest/errors.js'

/**
 * Which GPUs a prover host proves on. One prove worker is pinned to each; `index` is the CUDA device
 * ordinal handed to the backend library (native/ZKVM_ABI.md, options_json "device").
 *
 *   --gpus 0,2              exactly these ordinals
 *   CUDA_VISIBLE_DEVICES    set: CUDA renumbers the visible devices 0..n-1, so those are the ordinals
 *                           ("" / "-1" / "NoDevFiles" = no GPU visible)
 *   nvidia-smi -L           otherwise: one line per GPU, `GPU <i>: <name> (UUID: <uuid>)`
 *
 * nvidia-smi numbers GPUs in PCI bus order while CUDA's default order is fastest-first; the deploy files set
 * CUDA_DEVICE_ORDER=PCI_BUS_ID so both agree.
 */

export interface GpuDevice {
  /** CUDA device ordinal handed to the backend. */
  index: number
  /** For logs and the `gpu` metric label: the ordinal, plus model / UUID when known. */
  label: string
  name?: string
  uuid?: string
}

export interface DetectGpusOptions {
  /** The --gpus flag, if given. */
  gpus?: string
  env?: NodeJS.ProcessEnv
  /** Runs `nvidia-smi -L`; stdout, or throws. Default: execFileSync on PATH with a 10 s timeout. */
  runNvidiaSmi?: () => string
}

export class GpuDetectionFailed extends TesseraError {}

function defaultNvidiaSmi(env: NodeJS.ProcessEnv): string {
  return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000, env, stdio: ['ignore', 'pipe', 'pipe'] })
}

export function parseGpuList(list: string, flag = '--gpus'): number[] {
  const items = list.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) throw new GpuDetectionFailed(`${flag}: no device given`, 'e.g. --gpus 0,1')
  const out: number[] = []
  for (const item of items) {
    if (!/^\d+$/.test(item)) throw new GpuDetectionFailed(`${flag}: "${item}" is not a device ordinal`, 'e.g. --gpus 0,1')
    const n = Number(item)
    if (out.includes(n)) throw new GpuDetectionFailed(`${flag}: device ${n} is listed twice`)
    out.push(n)
  }
  return out
}

/** `nvidia-smi -L` lines → devices. Lines that are not GPUs (MIG sub-devices, blank) are skipped. */
export function parseNvidiaSmiList(text: string): GpuDevice[] {
  const out: GpuDevice[] = []
  for (const line of text.split('\n')) {
    const m = /^GPU (\d+): (.+?)(?: \(UUID: ([^)]+)\))?\s*$/.exec(line.trim())
    if (m) out.push({ index: Number(m[1]), label: m[1], name: m[2], uuid: m[3] })
  }
  return out
}

export function detectGpus(opts: DetectGpusOptions = {}): GpuDevice[] {
  const env = opts.env ?? process.env
  if (opts.gpus !== undefined) return parseGpuList(opts.gpus).map((index) => ({ index, label: String(index) }))
  const visible = env.CUDA_VISIBLE_DEVICES
  if (visible !== undefined) {
    const entries = visible.split(',').map((s) => s.trim()).filter((s) => s !== '')
    if (entries.length === 0 || entries[0] === '-1' || entries[0] === 'NoDevFiles') {
      throw new GpuDetectionFailed(`CUDA_VISIBLE_DEVICES="${visible}" makes no GPU visible`, 'unset it, or list devices, or pass --gpus')
    }
    // CUDA stops at the first invalid entry; taking the list as given keeps one worker per listed device.
    return entries.map((entry, index) => ({ index, label: String(index), uuid: /^(GPU|MIG)-/.test(entry) ? entry : undefined, name: `CUDA_VISIBLE_DEVICES[${index}]=${entry}` }))
  }
  let text: string
  try {
    text = (opts.runNvidiaSmi ?? (() => defaultNvidiaSmi(env)))()
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const why = err.code === 'ENOENT' ? 'nvidia-smi is not on PATH' : `nvidia-smi -L failed: ${err.message.split('\n')[0]}`
    throw new GpuDetectionFailed(`no GPU found: ${why} and CUDA_VISIBLE_DEVICES is not set`, 'install the NVIDIA driver, or pass --gpus 0,1,… explicitly')
  }
  const devices = parseNvidiaSmiList(text)
  if (devices.length === 0) throw new GpuDetectionFailed('no GPU found: nvidia-smi -L listed none', 'check the driver (nvidia-smi), or pass --gpus')
  return devices
}
