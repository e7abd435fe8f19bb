/**
 * RLP encoding for inputs of any size: two iterative passes (lengths, then bytes into one buffer), no
 * recursion and no argument spreading. @ethereumjs/rlp's encode builds each list with
 * `concatBytes(...items)`, one call argument per item, which overflows the stack near ~120k items — a
 * multi-block witness reaches that. Same bytes as @ethereumjs/rlp for the same input (tested).
 */

export type RlpItem = Uint8Array | readonly RlpItem[]


function byteLengthOfLength(n: number): number {
  let bytes = 0
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes++
  return bytes
}

/** Size of the header of an item whose payload is `length` bytes (0x80 strings and lists alike). */
export function headerSize(length: number): number {
  return length < 56 ? 1 : 1 + byteLengthOfLength(length)
}

/** Encoded size of a byte string. */
export function stringSize(b: Uint8Array): number {
  if (b.length === 1 && b[0] < 0x80) return 1
  return headerSize(b.length) + b.length
}

/** Write the header of an item of `length` payload bytes (offset 0x80: string, 0xc0: list); returns the next position. */
export function writeHeader(out: Uint8Array, at: number, length: number, offset: number): number {
  if (length < 56) {
    out[at] = offset + length
    return at + 1
  }
  const n = byteLengthOfLength(length)
  out[at] = offset + 55 + n
  for (let i = n, v = length; i > 0; i--, v = Math.floor(v / 256)) out[at + i] = v % 256
  return at + 1 + n
}

/** RLP of nested lists of byte strings. */
export function rlpEncode(root: RlpItem): Uint8Array {
  // Pass 1 (post-order, explicit stack): payload length of every list.
  const payload = new Map<readonly RlpItem[], number>()
  const stack: { list: readonly RlpItem[]; i: number; sum: number }[] = []
  const sizeOf = (item: RlpItem): number | undefined => {
    if (item instanceof Uint8Array) return stringSize(item)
    const p = payload.get(item)
    return p === undefined ? undefined : headerSize(p) + p
  }
  if (!(root instanceof Uint8Array)) stack.push({ list: root, i: 0, sum: 0 })
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    if (top.i === top.list.length) {
      payload.set(top.list, top.sum)
      stack.pop()
      if (stack.length > 0) {
        const parent = stack[stack.length - 1]
        parent.sum += sizeOf(top.list)!
        parent.i++
      }
      continue
    }
    const child = top.list[top.i]
    if (child instanceof Uint8Array) {
      top.sum += stringSize(child)
      top.i++
    } else if (payload.has(child)) {
      top.sum += sizeOf(child)!
      top.i++
    } else {
      if (!Array.isArray(child)) throw new TypeError('rlpEncode: items must be Uint8Array or arrays')
      stack.push({ list: child, i: 0, sum: 0 })
    }
  }
  const out = new Uint8Array(sizeOf(root)!)
  // Pass 2 (pre-order, explicit stack): headers and bytes.
  let at = 0
  const todo: RlpItem[] = [root]
  while (todo.length > 0) {
    const item = todo.pop()!
    if (item instanceof Uint8Array) {
      if (item.length === 1 && item[0] < 0x80) out[at++] = item[0]
      else {
        at = writeHeader(out, at, item.length, 0x80)
        out.set(item, at)
        at += item.length
      }
      continue
    }
    at = writeHeader(out, at, payload.get(item)!, 0xc0)
    for (let i = item.length - 1; i >= 0; i--) todo.push(item[i])
  }
  if (at !== out.length) throw new Error(`rlpEncode: wrote ${at} of ${out.length} bytes`)
  return out
}

