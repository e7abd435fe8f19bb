import type { Reporter } from 'vitest/node'

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] }

/**
 * Prints the plain closing line "Tests: N passed, M failed[, K skipped]" that CI tooling reads, after
 * vitest's own summary (both print in onFinished; this reporter is listed last).
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = [], errors: unknown[] = []) {
    let passed = 0
    let failed = 0
    let skipped = 0
    const visit = (t: Task) => {
      if (t.type === 'test') {
        if (t.result?.state === 'pass') passed++
        else if (t.result?.state === 'fail') failed++
        else skipped++
      }
      for (const c of t.tasks ?? []) visit(c)
    }
    for (const f of files) {
      const before = passed + failed + skipped
      visit(f)
      // A file that failed to load has no tests but is a failure.
      if (passed + failed + skipped === before && f.result?.state === 'fail') failed++
    }
    failed += errors.length
    console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
  }
}
