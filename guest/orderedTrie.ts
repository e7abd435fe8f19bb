import { RLP } from '@ethereumjs/rlp'
import { hexPrefix, nibbles } from './trieWriter.js'

/**
 * Root of the trie a block commits its transactions and receipts to (key RLP(index), value the item's
 * encoding), built in one pass over the sorted keys instead of one @ethereumjs/mpt `put` per item, each of
 * which re-walks, re-encodes and re-hashes the path from the root. Same rules as the state trie (Yellow Paper
 * appendix D: hex-prefix paths, nodes of 32 bytes or more referenced by keccak256, shorter ones inlined, the
 * root always hashed). An empty value is left out, as `put` with an empty value deletes.
 */
type Node = Uint8Array | Node[]

const EMPTY = new Uint8Array(0)

function compareNibbles(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

export function orderedTrieRoot(values: Uint8Array[], keccak256: (b: Uint8Array) => Uint8Array): Uint8Array {
  const items: { key: number[]; value: Uint8Array }[] = []
  for (let i = 0; i < values.length; i++) if (values[i].length > 0) items.push({ key: nibbles(RLP.encode(i)), value: values[i] })
  if (items.length === 0) return keccak256(RLP.encode(EMPTY))
  items.sort((a, b) => compareNibbles(a.key, b.key))

  const ref = (node: Node): Node => {
    const encoded = RLP.encode(node)
    return encoded.length < 32 ? node : keccak256(encoded)
  }
  // Items [lo, hi) share their first `depth` nibbles; keys are distinct.
  const build = (lo: number, hi: number, depth: number): Node => {
    const first = items[lo].key
    if (hi - lo === 1) return [hexPrefix(first, true, depth), items[lo].value]
    const last = items[hi - 1].key // sorted: the common prefix of the range is that of its ends
    let p = depth
    while (p < first.length && p < last.length && first[p] === last[p]) p++
    if (p > depth) return [hexPrefix(first, false, depth, p), ref(build(lo, hi, p))]
    const branch: Node[] = new Array<Node>(17).fill(EMPTY)
    let i = lo
    if (first.length === depth) branch[16] = items[i++].value
    while (i < hi) {
      const nibble = items[i].key[depth]
      let j = i + 1
      while (j < hi && items[j].key[depth] === nibble) j++
      branch[nibble] = ref(build(i, j, depth + 1))
      i = j
    }
    return branch
  }
  return keccak256(RLP.encode(build(0, items.length, 0)))
}
