const ETH = 10n ** 18n

/** Wei as exact ETH, up to 18 decimals, trailing zeros dropped ("1.5 ETH", "0.000021 ETH"). */
export function formatEth(wei: bigint): string {
  const sign = wei < 0n ? '-' : ''
  const abs = wei < 0n ? -wei : wei
  const frac = (abs % ETH).toString().padStart(18, '0').replace(/0+$/, '')
  return `${sign}${abs / ETH}${frac ? `.${frac}` : ''} ETH`
}
