import { Common, Mainnet } from '@ethereumjs/common'
import { getActivePrecompiles, paramsEVM, type ExecResult, type PrecompileInput } from '@ethereumjs/evm'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { describe, expect, it } from 'vitest'
import { blake2fPrecompile, BLAKE2F_ADDRESS, type Blake2fKernel } from '../guest/blake2f.js'
import { executeStateless } from '../guest/execute.js'
import { nativeBlake2f } from '../src/crypto/guestOptions.js'
import { createExecutePool } from '../src/pool/execute.js'
import { encodeProgramInput } from '../src/witness/programInput.js'
import { buildDevnetChain, devnetAccounts } from '../src/devnet/chain.js'
import { recordWitness } from '../src/witness/record.js'
import { toHex } from '../src/witness/hex.js'
import { NATIVE_EXPECTED } from './support/fixtures.js'

/**
 * BLAKE2F (0x09, EIP-152): the native kernel and the EVM's JS one agree on the EIP-152 vectors, and one legal
 * call of 2^32 - 1 rounds (EF `CALLBlake2f_MaxRounds`) runs through the guest to the right state root.
 */

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
// h, m ("abc"), t = 3, as in every EIP-152 vector; the vectors vary rounds (first 4 bytes) and f (last byte).
const BODY =
  '48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b' +
  '6162630000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000' +
  '03000000000000000000000000000000'
const input = (rounds: string, f: '00' | '01') => hex(`${rounds}${BODY}${f}`)

// EIP-152 (eips.ethereum.org/EIPS/eip-152, "Test Cases" 4-8); vector 8 there is 0xffffffff rounds, below as
// MAX_ROUNDS_OUTPUT. The 8,000,000-round case is go-ethereum@19476a97:core/vm/testdata/precompiles/blake2F.json "vector 8".
const VECTORS: [string, Uint8Array, string][] = [
  ['vector 4 (0 rounds)', input('00000000', '01'), '08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b'],
  ['vector 5 (12 rounds)', input('0000000c', '01'), 'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923'],
  ['vector 6 (12 rounds, f = 0)', input('0000000c', '00'), '75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735'],
  ['vector 7 (1 round)', input('00000001', '01'), 'b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421'],
]
const GETH_8M: [Uint8Array, string] = [input('007a1200', '01'), '6d2ce9e534d50e18ff866ae92d70cceba79bbcd14c63819fe48752c8aca87a4bb7dcc230d22a4047f0486cfcfb50a17b24b2899eb8fca370f22240adb5170189']
const MAX_ROUNDS_INPUT = input('ffffffff', '01')
const MAX_ROUNDS_OUTPUT = 'fc59093aafa9ab43daae0e914c57635c5402d8e3d2130eb9b3cc181de7f0ecf9b22bf99a7815ce16419e200e01846e6b5df8cc7703041bbceb571de6631d2615'

const common = new Common({ chain: Mainnet, hardfork: 'cancun', params: paramsEVM })
const evmPrecompile = getActivePrecompiles(common).get(BLAKE2F_ADDRESS) as (o: PrecompileInput) => ExecResult
const call = (p: (o: PrecompileInput) => ExecResult, data: Uint8Array, gasLimit = 10n ** 10n) => p({ data, gasLimit, common } as PrecompileInput)
/** The EVM's own JS F, as a kernel. */
const jsKernel: Blake2fKernel = (data) => call(evmPrecompile, data).returnValue
const native = nativeBlake2f()

describe('BLAKE2F kernels on the EIP-152 vectors', () => {
  it('the EVM\'s JS kernel (the fallback when the addon is absent)', () => {
    for (const [name, data, out] of VECTORS) expect(toHex(jsKernel(data)), name).toBe(`0x${out}`)
  })

  it.skipIf(!NATIVE_EXPECTED)('the native kernel, and 8,000,000 rounds (go-ethereum\'s vector 8)', () => {
    expect(native, 'addon has blake2f').toBeDefined()
    for (const [name, data, out] of VECTORS) expect(toHex(native!(data)), name).toBe(`0x${out}`)
    expect(toHex(native!(GETH_8M[0]))).toBe(`0x${GETH_8M[1]}`)
    // Schedules at every offset mod 10 (the native loop is unrolled by ten), against the JS kernel.
    for (let r = 13; r <= 31; r++) {
      const data = input(r.toString(16).padStart(8, '0'), (r % 2 ? '01' : '00') as '00' | '01')
      expect(toHex(native!(data)), `${r} rounds`).toBe(toHex(jsKernel(data)))
    }
  })

  it.skipIf(!NATIVE_EXPECTED)('the native kernel remembers its last long call without sharing its output', () => {
    const x = input('00100000', '01') // 2^20 rounds: remembered
    const y = input('00100000', '00')
    const first = native!(x)
    const expected = toHex(jsKernel(x))
    expect(toHex(first)).toBe(expected)
    first.fill(0) // a caller writing into its answer must not change the next one
    expect(toHex(native!(x))).toBe(expected)
    expect(toHex(native!(y))).toBe(toHex(jsKernel(y)))
  }, 60_000)

  it('the precompile over a kernel keeps the EVM\'s checks and gas: bad length, bad flag, out of gas', () => {
    const ours = blake2fPrecompile(jsKernel)
    const cases: [string, Uint8Array, bigint][] = [
      ['212 bytes', VECTORS[1][1].subarray(0, 212), 100n],
      ['214 bytes', Uint8Array.from([...VECTORS[1][1], 0]), 100n],
      ['final flag 2', Uint8Array.from([...VECTORS[1][1].subarray(0, 212), 2]), 100n],
      ['11 gas for 12 rounds', VECTORS[1][1], 11n],
      ['12 gas for 12 rounds', VECTORS[1][1], 12n],
    ]
    for (const [name, data, gas] of cases) {
      const a = call(ours, data, gas)
      const b = call(evmPrecompile, data, gas)
      expect(a.exceptionError?.error, name).toBe(b.exceptionError?.error)
      expect(a.executionGasUsed, name).toBe(b.executionGasUsed)
      expect(toHex(a.returnValue), name).toBe(toHex(b.returnValue))
    }
    expect(call(ours, VECTORS[1][1], 11n).exceptionError?.error).toBe('out of gas')
  })
})

/**
 * A contract that CALLs 0x09 with its calldata and stores (success, output[0:32], output[32:64]) in slots 0-2:
 * CALLDATACOPY(0, 0, size); CALL(gas, 9, 0, 0, size, 0x100, 64); SSTORE(0, ok); SSTORE(1, m[0x100]); SSTORE(2, m[0x120]).
 */
const CALLER_CODE = '0x365f5f37' + '6040' + '610100' + '36' + '5f5f' + '6009' + '5a' + 'f1' + '5f55' + '61010051600155' + '61012051600255' + '00'
const CALLER = '0x00000000000000000000000000000000000b1a2e'

async function maxRoundsBlock(blake2f: Blake2fKernel) {
  const accounts = devnetAccounts(1)
  const chain = await buildDevnetChain({
    fork: 'cancun',
    gasLimit: 4_500_000_000n,
    alloc: { [accounts.addresses[0].toString()]: { balance: `0x${(10n ** 20n).toString(16)}` }, [CALLER]: { code: CALLER_CODE } },
    blockCount: 1,
    blake2f,
    traffic: ({ common: c, baseFee }) => [
      createFeeMarket1559Tx({ nonce: accounts.next(0), maxFeePerGas: baseFee * 2n, maxPriorityFeePerGas: 1n, gasLimit: 4_400_000_000n, to: CALLER, data: MAX_ROUNDS_INPUT }, { common: c }).sign(accounts.keys[0]),
    ],
  })
  return chain
}

describe.skipIf(!NATIVE_EXPECTED)('CALLBlake2f_MaxRounds through the guest', () => {
  it('one call of 2^32 - 1 rounds runs with the native kernel and reaches the header\'s state root', async () => {
    // The block is built and its witness recorded with a kernel that answers this one input with EIP-152's
    // vector 8 (gas is charged by the precompile, not the kernel), so only the guest run below does the
    // 2^32 - 1 rounds: the header then commits to EIP-152's output, stored by the contract.
    const known: Blake2fKernel = (data) => {
      if (toHex(data) !== toHex(MAX_ROUNDS_INPUT)) throw new Error('unexpected BLAKE2F input')
      return hex(MAX_ROUNDS_OUTPUT)
    }
    const chain = await maxRoundsBlock(known)
    const block = chain.blocks[0]
    expect(block.header.gasUsed).toBeGreaterThan(4_294_967_295n)
    const recorded = await recordWitness({ common: chain.common, blocks: [block], ancestors: chain.headers.slice(0, 1), preState: chain.genesisNodes, blake2f: known })
    expect(recorded.error).toBeUndefined()
    const input = { blocks: [block.serialize()], witness: recorded.witness, chainConfig: chain.chainConfig }

    // A kernel with a wrong answer is caught by the state root: the test checks the output, not just the gas.
    const wrong = hex(MAX_ROUNDS_OUTPUT)
    wrong[0] ^= 1
    await expect(executeStateless(input, { blake2f: () => wrong })).rejects.toThrow(/state root/i)

    // The real path: a pool worker, whose guest gets the native kernel from hostGuestOptions (and keeps this
    // thread free: one native call of 2^32 - 1 rounds blocks its thread for a minute or more).
    const pool = createExecutePool({ workers: 1 })
    try {
      const t0 = performance.now()
      const r = await pool.run(encodeProgramInput(input))
      expect(toHex(r.output.finalStateRoot)).toBe(toHex(block.header.stateRoot))
      console.log(`2^32 - 1 BLAKE2F rounds in a pool worker with the native kernel: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    } finally {
      await pool.destroy()
    }
  }, 600_000)
})
