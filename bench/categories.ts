import type { CpuProfile } from './profile.js'

/**
 * Where guest time goes, by kind of work: each profile sample is charged to the category of the function it
 * was sampled in (self time). Categories follow the question users ask ("is it the interpreter, the state,
 * hashing, signatures?"), decided by the function's source file and name; the first rule that matches wins.
 */
export type Category = 'interpreter' | 'state reads/writes' | 'hashing (keccak, trie)' | 'RLP' | 'signatures' | 'precompiles' | 'block & tx checks' | 'GC' | 'other'

const RULES: [Category, (name: string, url: string) => boolean][] = [
  ['GC', (n) => n === '(garbage collector)'],
  ['signatures', (n, u) => /secp256k1|ecrecover|ecdsa/i.test(u) || /ecrecover|recoverPublicKey|getSenderPublicKey/i.test(n)],
  ['precompiles', (n, u) => /\/precompiles\/|rustbn|wasmcurves|crypto\/bn254|bn254|blake2|kzg|trusted-setups|micro-eth-signer|\/sha2|ripemd|modexp|bls12/i.test(u)],
  ['hashing (keccak, trie)', (n, u) => /keccak|sha3|hash-wasm|\/mpt\/|guest\/state\.|crypto\/addon/i.test(u) || /keccak/i.test(n)],
  ['RLP', (n, u) => /\/rlp\//.test(u)],
  ['state reads/writes', (n, u) => /flatState|trieReader|transientStorage|statemanager|\/journal/i.test(u)],
  ['interpreter', (n, u) => /@ethereumjs\/evm\//.test(u)],
  ['block & tx checks', (n, u) => /@ethereumjs\/(block|tx|vm|common|util)\/|guest\/(execute|validate|headers|chain|common)/.test(u)],
]

export function categoryOf(name: string, url: string): Category {
  for (const [c, test] of RULES) if (test(name, url)) return c
  return 'other'
}

/** Frames with no source of their own (wasm, V8 builtins, node internals) are charged to their caller's category. */
const borrowsCategory = (name: string, url: string) => !name.startsWith('(') && (url === '' || url.startsWith('wasm://') || url.startsWith('node:'))

/** Self time per category in ms, largest first; `(idle)` is left out (waiting is not work). */
export function timeByCategory(profile: CpuProfile): { category: Category; ms: number; percent: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const memo = new Map<number, Category>()
  const categoryOfNode = (id: number): Category => {
    const known = memo.get(id)
    if (known !== undefined) return known
    // Walk up past borrowing frames, iteratively (profiles of deep call chains are deep).
    let cur: number | undefined = id
    let frame = byId.get(id)!
    while (cur !== undefined && borrowsCategory(frame.functionName, frame.url)) {
      cur = parent.get(cur)
      if (cur !== undefined) frame = byId.get(cur)!
    }
    const c = categoryOf(frame.functionName, frame.url)
    memo.set(id, c)
    return c
  }
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const us = new Map<Category, number>()
  let total = 0
  for (let i = 0; i < samples.length; i++) {
    const frame = byId.get(samples[i]!)
    if (frame === undefined || frame.functionName === '(idle)') continue
    const dt = Math.max(0, deltas[i + 1] ?? 0)
    const c = categoryOfNode(samples[i]!)
    us.set(c, (us.get(c) ?? 0) + dt)
    total += dt
  }
  return [...us.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([category, t]) => ({ category, ms: Number((t / 1000).toFixed(1)), percent: total > 0 ? Number(((t / total) * 100).toFixed(1)) : 0 }))
}
