import type { AccountChange } from '../rpc/transaction.js'

const ETH = 10n ** 18n

/** Wei as ETH with up to 18 decimals, trailing zeros dropped ("1.5 ETH", "0.000021 ETH"). */
export function formatEth(wei: bigint): string {
  const sign = wei < 0n ? '-' : ''
  const abs = wei < 0n ? -wei : wei
  const frac = (abs % ETH).toString().padStart(18, '0').replace(/0+$/, '')
  return `${sign}${abs / ETH}${frac ? `.${frac}` : ''} ETH`
}

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
