import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * Path of a compiled worker entry (dist/workers/<name>.js). Resolved relative to this module, so it works
 * from dist/src/pool/ (compiled) and from src/pool/ (vitest running sources after `tsc`).
 */
export function workerPath(name: string): string {
  for (const rel of [`../../workers/${name}.js`, `../../dist/workers/${name}.js`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(p)) return p
  }
  throw new Error(`worker entry workers/${name}.js not found; run 'npm run build' first`)
}
