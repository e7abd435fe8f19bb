import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createEVM } from '@ethereumjs/evm'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { executeStateless } from '../guest/execute.js'
import { buildDevnetChain, devnetAccounts } from '../src/devnet/chain.js'
import { recordWitness } from '../src/witness/record.js'

/**
 * The `lazyPushes` tuning (patches/@ethereumjs+evm+10.1.3.patch, `evm.lazyPushes`): a PUSH's value is read from the
 * code when it first runs and kept in the cached jump analysis. These tests compare it with the eager analysis and
 * with values read independently of both: PUSH1..PUSH32 (also truncated at the end of the code, read with zeros on
 * the right), PUSHes run again from the kept values, JUMPs into push data, and PUSH0.
 */

const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join('')
/** `n` immediate bytes for PUSHn, distinct per n, with the high bit set in some and a 0x5b (JUMPDEST) byte in most. */
const immediate = (n: number) => Array.from({ length: n }, (_, k) => (k === 1 ? 0x5b : (n * 29 + k * 71 + 0x80) & 0xff))
/** The value a PUSHn of `data` (maybe fewer than n bytes: code ended) puts on the stack, read as the Yellow Paper says. */
const expectedPush = (n: number, data: number[]) => BigInt('0x' + hex(data).padEnd(2 * n, '0'))
const pushOp = (n: number) => 0x5f + n
/** How many immediate bytes a truncated PUSHn at the end of a test code keeps: none for PUSH1, else 1..n-1. */
const keptBytes = (n: number) => (n % 2 ? n - 1 : n >> 1)

const root = join(import.meta.dirname, '..')
const evmUtil = pathToFileURL(join(root, 'node_modules/@ethereumjs/evm/dist/esm/opcodes/util.js')).href

describe('lazyPushes: push values read on first execution', () => {
  it('pushValue reads 1..32 bytes at any offset, with zeros past the end of the code', async () => {
    const { pushValue } = (await import(evmUtil)) as { pushValue: (code: Uint8Array, start: number, n: number) => bigint }
    const code = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 0xc1) & 0xff)
    for (let n = 1; n <= 32; n++) {
      for (let start = 0; start <= code.length; start++) {
        const data = [...code.subarray(start, start + n)]
        expect(pushValue(code, start, n), `PUSH${n} at ${start}`).toBe(expectedPush(n, data))
      }
    }
  })

  it('the lean analysis finds the same jump destinations as the eager one, with and without EIP-8024 immediates', async () => {
    const { Interpreter } = (await import(pathToFileURL(join(root, 'node_modules/@ethereumjs/evm/dist/esm/interpreter.js')).href)) as {
      Interpreter: { prototype: Record<string, (this: unknown, code: Uint8Array) => { jumps: Uint8Array }> }
    }
    let seed = 11
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n)
    // bytes biased to JUMPDEST, PUSHn, DUPN/SWAPN/EXCHANGE (0xe6-0xe8) and their immediates around 0x5b-0x80.
    // (EIP-8024 allows no immediate that reads as JUMPDEST or PUSH, so skipping one cannot change the result;
    // the lean scan skips them as the eager one does, and both must agree here with the EIP on and off.)
    const pick = [0x5b, 0x5b, 0x60, 0x61, 0x62, 0x7f, 0x6f, 0xe6, 0xe7, 0xe8, 0x00, 0x80, 0x5f, 0x90, 0xff]
    for (const eip8024 of [false, true]) {
      const self = { common: { isActivatedEIP: (eip: number) => eip8024 && eip === 8024 }, lookupOpInfo: () => ({}) }
      for (let c = 0; c < 400; c++) {
        const code = Uint8Array.from({ length: 1 + rand(80) }, () => (rand(3) === 0 ? rand(256) : pick[rand(pick.length)]!))
        const eager = Interpreter.prototype._analyseJumpDestinations!.call(self, code).jumps
        const lean = Interpreter.prototype._analyseJumpDestinationsLean!.call(self, code).jumps
        expect(lean, `EIP-8024 ${eip8024}, code ${hex([...code])}`).toEqual(eager)
      }
    }
  })

  // JUMP to a JUMPDEST (so the jump analysis and its kept values are used), then `body`, STOP (or end of code).
  const afterJump = (body: number[]) => Uint8Array.from([0x60, 0x03, 0x56, 0x5b, ...body])
  const stackAfter = async (code: Uint8Array, lazyPushes: boolean, runs = 1) => {
    const evm = await createEVM()
    Object.assign(evm, { lazyPushes, jumpAnalysisCache: new Map() })
    const stacks: bigint[][] = []
    for (let r = 0; r < runs; r++) {
      const result = (await evm.runCode({ code, gasLimit: 1_000_000n })) as unknown as {
        exceptionError?: unknown
        runState: { stack: { length: number; peek(n: number): bigint[] } }
      }
      expect(result.exceptionError).toBeUndefined()
      const { stack } = result.runState
      stacks.push(stack.peek(stack.length).reverse())
    }
    return stacks
  }

  it('PUSH1..PUSH32 and PUSH0 put the same values on the stack with and without it, also when run again', async () => {
    const body: number[] = [0x5f]
    const expected: bigint[] = [0n]
    // up and down: a short value read after a long one must not keep the long one's bytes
    for (const n of [...Array.from({ length: 32 }, (_, i) => i + 1), ...Array.from({ length: 32 }, (_, i) => 32 - i)]) {
      body.push(pushOp(n), ...immediate(n))
      expected.push(expectedPush(n, immediate(n)))
    }
    const code = afterJump([...body, 0x00])
    // the second run reuses the cached analysis, whose values the first run kept
    const lazy = await stackAfter(code, true, 2)
    expect(lazy).toEqual([expected, expected])
    expect(await stackAfter(code, false)).toEqual([expected])
  })

  it('a PUSHn cut short by the end of the code pushes its bytes padded with zeros on the right', async () => {
    for (let n = 1; n <= 32; n++) {
      const data = immediate(n).slice(0, keptBytes(n))
      const code = afterJump([pushOp(n), ...data])
      const want = [[expectedPush(n, data)], [expectedPush(n, data)]]
      expect(await stackAfter(code, true, 2), `PUSH${n} with ${data.length} bytes`).toEqual(want)
      expect(await stackAfter(code, false, 2), `PUSH${n} with ${data.length} bytes`).toEqual(want)
      // before any JUMP (no analysis yet) the PUSH is read directly from the code
      const direct = Uint8Array.from([pushOp(n), ...data])
      expect(await stackAfter(direct, true), `PUSH${n}, no jump`).toEqual([[expectedPush(n, data)]])
    }
  })

  it('a JUMP into push data fails, one to a JUMPDEST right after push data holding 0x5b does not', async () => {
    for (const lazyPushes of [true, false]) {
      const evm = await createEVM()
      Object.assign(evm, { lazyPushes, jumpAnalysisCache: new Map() })
      // PUSH1 4, JUMP, PUSH32 <0x5b ...>: the target is the first push data byte
      const into = await evm.runCode({ code: hexToBytes(`0x600456${hex([0x7f, ...immediate(32).map((b, k) => (k === 0 ? 0x5b : b))])}00`), gasLimit: 100_000n })
      expect(into.exceptionError?.error, `lazyPushes ${lazyPushes}`).toMatch(/^invalid JUMP/)
      // PUSH2 0x5b5b, POP, PUSH1 7, JUMP, JUMPDEST, PUSH1 1, STOP
      const past = await evm.runCode({ code: hexToBytes('0x615b5b506007565b600100'), gasLimit: 100_000n })
      expect(past.exceptionError, `lazyPushes ${lazyPushes}`).toBeUndefined()
    }
  })
})

/**
 * A contract looping twice over PUSH1..PUSH32 and PUSH0 (the second pass runs from the kept values), adding each
 * value to a storage slot; one whose JUMP lands on a 0x5b in push data (the transaction fails); one jumping past
 * such data; and one contract per PUSHn cut short at the end of its code. The block is built by a plain ethereumjs
 * VM; the guest must reach its header's state and receipts roots with the switch on and off.
 */
function pusherCode(): string {
  const ops: number[] = [0x60, 0x02, 0x5b] // counter = 2; loop: JUMPDEST (pc 2)
  for (let n = 1; n <= 32; n++) ops.push(pushOp(n), ...immediate(n), 0x60, n, 0x54, 0x01, 0x60, n, 0x55) // slot n += value
  ops.push(0x5f, 0x60, 0x01, 0x01, 0x60, 0x21, 0x54, 0x01, 0x60, 0x21, 0x55) // slot 33 += PUSH0 + 1
  ops.push(0x60, 0x01, 0x90, 0x03, 0x80, 0x60, 0x02, 0x57, 0x00) // counter -= 1; JUMPI loop if counter != 0
  return '0x' + hex(ops)
}
const JUMP_INTO_DATA = '0x6004567f' + hex([0x5b, 0x60, 0x01, 0x60, 0x00, 0x55, 0x00, ...immediate(25)]) + '00'
const JUMP_PAST_DATA = '0x615b5b506007565b6001600055' + '00'
const truncatedCode = (n: number) => '0x' + hex([0x60, 0x03, 0x56, 0x5b, 0x60, 0x01, 0x60, 0x00, 0x55, pushOp(n), ...immediate(n).slice(0, keptBytes(n))])
const address = (i: number) => `0x${(0x1a2e00 + i).toString(16).padStart(40, '0')}`

describe('lazyPushes in the guest', () => {
  it('a block of such contracts reaches the header\'s roots with the switch on and off (gas as a Number or a BigInt)', async () => {
    const accounts = devnetAccounts(1)
    const alloc: Record<string, { balance?: string; code?: string }> = {
      [accounts.addresses[0].toString()]: { balance: `0x${(10n ** 20n).toString(16)}` },
      [address(0)]: { code: pusherCode() },
      [address(1)]: { code: JUMP_INTO_DATA },
      [address(2)]: { code: JUMP_PAST_DATA },
    }
    for (let n = 1; n <= 32; n++) alloc[address(2 + n)] = { code: truncatedCode(n) }
    const targets = [0, 0, 1, 2, ...Array.from({ length: 32 }, (_, i) => 3 + i)] // the pusher twice: its analysis reused
    const chain = await buildDevnetChain({
      fork: 'cancun',
      alloc,
      blockCount: 1,
      traffic: ({ common, baseFee }) =>
        targets.map((i) =>
          createFeeMarket1559Tx({ nonce: accounts.next(0), maxFeePerGas: baseFee * 2n, maxPriorityFeePerGas: 1n, gasLimit: 2_000_000n, to: address(i) }, { common }).sign(accounts.keys[0]),
        ),
    })
    const block = chain.blocks[0]!
    expect(block.transactions.length).toBe(targets.length)
    const recorded = await recordWitness({ common: chain.common, blocks: [block], ancestors: chain.headers.slice(0, 1), preState: chain.genesisNodes })
    expect(recorded.error).toBeUndefined()
    const input = { blocks: [block.serialize()], witness: recorded.witness, chainConfig: chain.chainConfig }
    const on = await executeStateless(input, { tuning: { lazyPushes: true } })
    const off = await executeStateless(input, { tuning: { lazyPushes: false } })
    expect(on).toEqual(off)
    expect(await executeStateless(input, { tuning: { lazyPushes: true, numberGas: false } })).toEqual(off) // gas counted in a BigInt
    expect(block.header.gasUsed).toBeGreaterThan(1_000_000n) // the pusher's stores ran
  }, 60_000)
})
