import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/**
 * V8 flags the CLI starts itself with for commands that run worker pools (see docs/performance.md, "Scaling the worker pool").
 *
 * Why: measured per thread (bench replay, 1 and 2 workers, same blocks), one guest worker keeps V8's helper
 * threads busy with parallel/concurrent GC (~25 % of all CPU) and concurrent TurboFan compiles (~15 %). With
 * one worker on two cores those helpers get the idle core for free; with a worker per core they compete
 * with the workers, and the parallel GC's coordination overhead becomes pure loss (2 workers gave x1.3).
 * `--single-threaded` runs GC and compiles on the thread that needs them: less CPU per Mgas in total, and
 * a pool of one worker per core scales with the cores. V8 flags are process-wide and cannot be changed
 * safely after start (v8.setFlagsFromString('--single-threaded-gc') aborts V8 once workers exist), so the
 * CLI re-executes itself once with them.
 *
 * TESSERA_V8_FLAGS overrides the list (`none` or empty: no re-exec, V8 defaults).
 */
export const DEFAULT_V8_FLAGS = ['--single-threaded']

/**
 * Commands whose throughput is a worker pool's. Not the long-running services (coordinator, prover): a
 * SIGKILL to the process a supervisor started cannot be forwarded, and they are not pool-bound.
 */
const POOL_COMMANDS = new Set(['replay', 'conformance', 'bench'])

const MARKER = 'TESSERA_V8_FLAGS_APPLIED'
const PARENT = 'TESSERA_V8_FLAGS_PARENT'

/**
 * In the re-executed child: exit when the parent is gone (killed with SIGKILL, which it could not forward),
 * so no orphan keeps running. Polls the parent pid; the timer does not keep the process alive.
 */
export function exitWithParent(env: NodeJS.ProcessEnv = process.env): void {
  const parent = Number(env[PARENT])
  if (env[MARKER] !== '1' || !Number.isInteger(parent) || parent <= 0) return
  setInterval(() => {
    if (process.ppid !== parent) process.exit(137)
  }, 250).unref()
}

export function v8FlagsFor(command: string | undefined, env: NodeJS.ProcessEnv = process.env, args: string[] = [], cores = availableParallelism()): string[] {
  if (command === undefined || !POOL_COMMANDS.has(command) || env[MARKER] === '1') return []
  const custom = env.TESSERA_V8_FLAGS
  if (custom !== undefined) return custom.trim() === '' || custom.trim() === 'none' ? [] : custom.trim().split(/\s+/)
  // A job that keeps fewer workers busy than there are cores leaves a core idle: V8's background compiler and
  // GC threads then run there for free, and a one-block replay's first (cold) run takes about 40 % less wall
  // time than with --single-threaded. No re-exec is needed either.
  if (command === 'replay' && busyWorkers(args, cores) < cores) return []
  return DEFAULT_V8_FLAGS.filter((f) => !process.execArgv.includes(f))
}

/**
 * `--workers N` or `--workers=N` read from raw arguments, before the command parses them: undefined when absent,
 * 'invalid' when not a positive integer (the command refuses it by name).
 */
export function workersFlag(args: string[]): number | 'invalid' | undefined {
  const i = args.findIndex((a) => a === '--workers' || a.startsWith('--workers='))
  if (i < 0) return undefined
  const n = Number(args[i]!.includes('=') ? args[i]!.slice('--workers='.length) : args[i + 1])
  return Number.isInteger(n) && n > 0 ? n : 'invalid'
}

/**
 * Workers a `replay` job can keep busy at once, from its arguments alone (before anything is read): `--workers N`
 * if given; one for `block` and `transaction`; for `file`, the number of paths when every path is a regular
 * file (a directory may hold any number of inputs). Otherwise the core count: when in doubt, the pool setting.
 */
export function busyWorkers(args: string[], cores: number): number {
  const workers = workersFlag(args)
  if (workers !== undefined) return workers === 'invalid' ? cores : workers
  const [sub, ...rest] = args
  if (sub === 'block' || sub === 'transaction') return rest.includes('--endless') ? cores : 1
  if (sub !== 'file') return cores
  // Positionals are the paths. A token that is not a regular file is taken as the value of the flag before it
  // (`--network hoodi`); anything else unclear counts as "fills the cores". Counting a flag's value that
  // happens to be a file as a path only overestimates, which keeps the pool setting.
  let files = 0
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!
    if (a.startsWith('-')) continue
    if (isRegularFile(a)) files++
    else if (i === 0 || !rest[i - 1]!.startsWith('--') || rest[i - 1]!.includes('=')) return cores
  }
  return files === 0 ? cores : files
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * Re-run this process with `flags` before the script, forwarding signals and the exit status. Resolves
 * with the child's exit code (a child killed by a signal is re-raised on this process).
 *
 * The child runs in its own process group: a Ctrl-C (SIGINT to the terminal's foreground group, also what
 * `timeout` sends to its group) then reaches only this process, which forwards it once. In the same group
 * the child would get it twice (from the terminal and forwarded) and take the second as "stop at once",
 * skipping its summary. A signal sent to this process alone (kill PID) is forwarded the same way.
 */
export function reexecWith(flags: string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [MARKER]: '1', [PARENT]: String(process.pid) },
    detached: true,
  })
  const forward = (signal: NodeJS.Signals) => () => {
    child.kill(signal)
  }
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as NodeJS.Signals[]).map((s) => [s, forward(s)] as const)
  for (const [s, h] of handlers) process.on(s, h)
  return new Promise((resolve) => {
    child.on('error', (e) => {
      console.error(`tessera: could not restart with V8 flags ${flags.join(' ')}: ${e.message}`)
      resolve(1)
    })
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h)
      if (signal !== null) {
        process.kill(process.pid, signal)
        return
      }
      resolve(code ?? 1)
    })
  })
}
