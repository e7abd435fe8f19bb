import { bigIntToBytes, setLengthLeft } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { availableCrypto, createHostCrypto, nativeAllowed, type EcrecoverPath } from '../../src/crypto/index.js'
import { measureGroup, ratiosAgainst, type TaskSpec } from '../measure.js'
import type { BenchSuite } from '../types.js'

/**
 * ecrecover through the @ethereumjs `customCrypto.ecrecover` signature (v/chainId handling included), as
 * transaction sender recovery and the 0x01 precompile call it: noble vs the npm `secp256k1` prebuilt binding
 * vs Debian's libsecp256k1 through the addon.
 */
const SIGNATURES = 16

function signatures() {
  return Array.from({ length: SIGNATURES }, (_, i) => {
    const sk = secp256k1.utils.randomSecretKey()
    const msgHash = keccak_256(Uint8Array.of(i, 1, 2, 3))
    const sig = secp256k1.Signature.fromBytes(secp256k1.sign(msgHash, sk, { prehash: false, format: 'recovered' }), 'recovered')
    return {
      msgHash,
      v: 27n + BigInt(sig.recovery!),
      r: setLengthLeft(bigIntToBytes(sig.r), 32),
      s: setLengthLeft(bigIntToBytes(sig.s), 32),
    }
  })
}

export const ecrecoverSuite: BenchSuite = {
  name: 'ecrecover',
  description: 'secp256k1 public-key recovery: noble vs npm secp256k1 (prebuilt) vs libsecp256k1 addon',
  async run(opts) {
    const sigs = signatures()
    const paths = availableCrypto().ecrecover
    const notes: string[] = []
    for (const p of ['libsecp256k1', 'secp256k1-npm'] as EcrecoverPath[]) {
      if (!paths.includes(p)) notes.push(`${p} ${nativeAllowed() ? 'unavailable here' : 'disabled by TESSERA_NATIVE=0'}: skipped`)
    }
    // All engines must agree before any is timed.
    const reference = sigs.map((t) => createHostCrypto({ keccak: 'noble', ecrecover: 'noble' }).ecrecover(t.msgHash, t.v, t.r, t.s))
    const order: EcrecoverPath[] = ['noble', 'secp256k1-npm', 'libsecp256k1']
    const tasks: TaskSpec[] = order
      .filter((p) => paths.includes(p))
      .map((path) => {
        const { ecrecover } = createHostCrypto({ keccak: 'noble', ecrecover: path })
        sigs.forEach((t, i) => {
          if (Buffer.compare(ecrecover(t.msgHash, t.v, t.r, t.s), reference[i]!) !== 0) throw new Error(`${path} disagrees with noble`)
        })
        return { name: path, fn: () => sigs.forEach((t) => ecrecover(t.msgHash, t.v, t.r, t.s)), unitsPerIteration: sigs.length }
      })
    const measurements = await measureGroup('ecrecover', 'recoveries/s', tasks, { ...opts, timeMs: opts.timeMs * 2 })
    return { suite: 'ecrecover', measurements, ratios: ratiosAgainst(measurements, 'noble'), notes }
  },
}
