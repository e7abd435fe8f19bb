import { formatEth } from '../units/eth.js'
import type { AccountChange } from '../rpc/transaction.js'

/** `replay transaction`: what the transaction changed, one account per line, its storage slots under it. */
export function stateChangeLines(changes: AccountChange[]): string[] {
  if (changes.length === 0) return ['  state changes: none']
  const lines = [`  state changes: ${changes.length} account(s)`]
  for (const c of changes) {
    const parts: string[] = []
    const b = c.before
    const a = c.after
    if (b === undefined && a !== undefined) parts.push('created')
    if (b !== undefined && a === undefined) parts.push('deleted')
    const balance = [b?.balance ?? 0n, a?.balance ?? 0n]
    if (balance[0] !== balance[1]) parts.push(`balance ${formatEth(balance[0])} -> ${formatEth(balance[1])} (${balance[1] > balance[0] ? '+' : ''}${formatEth(balance[1] - balance[0])})`)
    if ((b?.nonce ?? 0n) !== (a?.nonce ?? 0n)) parts.push(`nonce ${b?.nonce ?? 0n} -> ${a?.nonce ?? 0n}`)
    if (b?.codeHash !== a?.codeHash && a !== undefined && b !== undefined) parts.push(`code hash ${b.codeHash} -> ${a.codeHash}`)
    lines.push(`    ${c.address}${parts.length ? `: ${parts.join(', ')}` : ''}`)
    for (const s of c.storage) lines.push(`      slot ${s.slot}: ${s.before} -> ${s.after}`)
  }
  return lines
}
