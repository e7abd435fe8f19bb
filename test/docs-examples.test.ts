import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './support/fixtures.js'

/**
 * Every ```sh example of README.md and docs/*.md runs from the repository root and must exit 0 (or the code
 * named by `<!-- exit: N -->` on the line before its fence), unless that line is `<!-- no-run: <reason> -->`.
 * `npx tessera` runs the compiled CLI. Every relative link must point to a file that exists.
 */

interface Example {
  file: string
  line: number
  command: string
  exit: number
}

const DOCS = [join(REPO_ROOT, 'README.md'), ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(REPO_ROOT, 'docs', f))]
const PER_COMMAND_MS = 120_000

/** The commands of one sh block: continuation lines joined, comments and blank lines dropped. */
export function shCommands(body: string[], firstLine: number): { line: number; command: string }[] {
  const out: { line: number; command: string }[] = []
  let pending: { line: number; command: string } | undefined
  body.forEach((raw, i) => {
    const text = pending ? raw.trim() : raw.replace(/(^|\s)#.*$/, '').trim()
    if (!pending && text === '') return
    const continues = text.endsWith('\\')
    const part = continues ? text.slice(0, -1).trim() : text
    pending = pending ? { line: pending.line, command: `${pending.command} ${part}` } : { line: firstLine + i, command: part }
    if (!continues) {
      out.push({ ...pending, command: pending.command.replace(/\s+#.*$/, '') })
      pending = undefined
    }
  })
  if (pending) out.push(pending)
  return out
}

/** The sh examples of a Markdown file, and problems (an unmarked background command) found on the way. */
export function examplesOf(file: string, text: string): { examples: Example[]; problems: string[] } {
  const lines = text.split('\n')
  const examples: Example[] = []
  const problems: string[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh\s*$/.test(lines[i])) continue
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
    if (end < 0) {
      problems.push(`${file}:${i + 1}: unclosed sh block`)
      break
    }
    const marker = i > 0 ? lines[i - 1].trim() : ''
    const body = lines.slice(i + 1, end)
    i = end
    if (/^<!--\s*no-run:\s*\S.*-->$/.test(marker)) continue
    const exit = Number(/^<!--\s*exit:\s*(\d+)\s*-->$/.exec(marker)?.[1] ?? 0)
    for (const c of shCommands(body, i - body.length + 1)) {
      if (/(^|[^&])&\s*$/.test(c.command)) problems.push(`${file}:${c.line}: background command needs <!-- no-run: reason -->: ${c.command}`)
      else examples.push({ file, line: c.line, command: c.command, exit })
    }
  }
  return { examples, problems }
}

/** Code blocks preceded by `<!-- file: PATH -->` that differ from that file (examples shown in full). */
export function staleFileBlocks(file: string, text: string): string[] {
  const stale: string[] = []
  for (const m of text.matchAll(/<!--\s*file:\s*(\S+)\s*-->\n```\w*\n([\s\S]*?)\n```/g)) {
    const path = join(REPO_ROOT, m[1])
    if (!existsSync(path) || readFileSync(path, 'utf8').trimEnd() !== m[2].trimEnd()) stale.push(`${relative(REPO_ROOT, file)}: the block shown as ${m[1]} differs from the file`)
  }
  return stale
}

/** GitHub's anchors of a Markdown file's headings (github-slugger's rule, duplicates numbered). */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const m of text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    const slug = m[1].toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    anchors.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return anchors
}

/** Relative link targets of a Markdown file that do not exist, or whose #anchor is no heading there. */
export function brokenLinks(file: string, text: string): string[] {
  const broken: string[] = []
  const inCode = text.replace(/```[\s\S]*?```/g, (m) => m.replace(/[^\n]/g, ' '))
  for (const m of inCode.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]
    if (/^[a-z]+:/i.test(target)) continue
    const [pathPart, anchor] = target.split('#')
    const path = pathPart === '' ? file : resolve(dirname(file), decodeURI(pathPart))
    const line = inCode.slice(0, m.index).split('\n').length
    if (!existsSync(path)) broken.push(`${relative(REPO_ROOT, file)}:${line}: ${target}`)
    else if (anchor !== undefined && path.endsWith('.md') && !headingAnchors(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${relative(REPO_ROOT, file)}:${line}: ${target} (no such heading)`)
  }
  return broken
}

function runShell(command: string): Promise<{ status: number | null; why: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['-c', command], { cwd: REPO_ROOT, encoding: 'utf8', timeout: PER_COMMAND_MS, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
      const e = error as (Error & { code?: unknown; signal?: string; killed?: boolean }) | null
      const status = e === null ? 0 : typeof e.code === 'number' ? e.code : null
      const why = e === null ? 'exit 0' : e.killed ? `killed after ${PER_COMMAND_MS / 1000} s` : typeof e.code === 'number' ? `exit ${e.code}` : e.message
      done({ status, why, stderr })
    })
  })
}

/**
 * Pages being written beside this one (forks, vectors, ethrex provers, verification, operations under faults,
 * more shapes, migration): linked already, checked as soon as they exist. Empty this list once they are merged.
 */

const parsed = DOCS.map((file) => ({ file, text: readFileSync(file, 'utf8') })).map(({ file, text }) => ({ file, text, ...examplesOf(relative(REPO_ROOT, file), text) }))
const examples = parsed.flatMap((p) => p.examples)

describe('documentation examples', () => {
  it('parses sh blocks into commands (continuations, comments, background)', () => {
    expect(shCommands(['npm install   # note', '', 'a \\', '  b c', '# only a comment'], 10)).toEqual([
      { line: 10, command: 'npm install' },
      { line: 12, command: 'a b c' },
    ])
    const { examples: ex, problems } = examplesOf('x.md', ['```sh', 'a &', '```', '<!-- no-run: server -->', '```sh', 'b &', '```', '<!-- exit: 1 -->', '```sh', 'c', '```'].join('\n'))
    expect(problems).toEqual(['x.md:2: background command needs <!-- no-run: reason -->: a &'])
    expect(ex).toEqual([{ file: 'x.md', line: 10, command: 'c', exit: 1 }])
  })

  it('finds examples in README and docs, every one well-formed', () => {
    expect(examples.length).toBeGreaterThan(10)
    expect(parsed.flatMap((p) => p.problems)).toEqual([])
  })

  it('code shown as a file is that file', () => {
    expect(parsed.flatMap((p) => staleFileBlocks(p.file, p.text))).toEqual([])
    expect(parsed.some((p) => /<!--\s*file:/.test(p.text))).toBe(true)
  })

  it('makes the anchors GitHub makes', () => {
    expect([...headingAnchors('# A b\n## Native addon (`native/`, `binding.gyp`)\n## A b\n```\n# not\n```')]).toEqual(['a-b', 'native-addon-native-bindinggyp', 'a-b-1'])
  })

  it('every relative link points to a file, and its #anchor to a heading', () => {
    const broken = parsed.flatMap((p) => brokenLinks(p.file, p.text))
    expect(broken).toEqual([])
  })

  it.each(examples.map((e) => [`${e.file}:${e.line}`, e] as const))('%s runs', async (_where, e) => {
    const command = e.command.replace(/^npx tessera\b/, `${JSON.stringify(process.execPath)} dist/src/cli/main.js`)
    const r = await runShell(command)
    expect(r.status, `${e.file}:${e.line}: \`${e.command}\` → ${r.why}\n${r.stderr.slice(-2000)}`).toBe(e.exit)
  }, PER_COMMAND_MS + 10_000)
})
