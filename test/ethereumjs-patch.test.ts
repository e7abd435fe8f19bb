import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createEVM, type EVM } from '@ethereumjs/evm'
import { Address, bigIntToBytes, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'

/**
 * patches/ holds version-pinned patches applied by patch-package at install (package.json postinstall).
 * These tests fail when a patch stops applying: a different installed version, or the patched behaviour gone.
 */
const root = join(import.meta.dirname, '..')
/** A module of the installed @ethereumjs/evm's ESM build (not exported by the package): same instance as the package's. */
const evmDist = (file: string) => pathToFileURL(join(root, 'node_modules/@ethereumjs/evm/dist/esm', file)).href
const installedVersion = (pkg: string) => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version

describe('pinned @ethereumjs patches', () => {
  it('every patch names the installed version of its package', () => {
    const patches = readdirSync(join(root, 'patches')).filter((f) => f.endsWith('.patch'))
    expect(patches).toContain('@ethereumjs+evm+10.1.3.patch')
    expect(patches).toContain('@ethereumjs+util+10.1.3.patch')
    expect(patches).toContain('@ethereumjs+vm+10.1.3.patch')
    for (const file of patches) {
      const [, scope, name, version] = /^(@[^+]+)\+([^+]+)\+(.+)\.patch$/.exec(file)!
      expect(installedVersion(`${scope}/${name}`), file).toBe(version)
    }
  })

  it('evm/vm: EIP-8037\'s first form is selected only by the eip8037FirstForm parameter on a fork with EIP-8037', async () => {
    const { isEip8037FirstForm } = await import('@ethereumjs/evm')
    const { Common, Mainnet } = await import('@ethereumjs/common')
    expect(isEip8037FirstForm(new Common({ chain: Mainnet, hardfork: 'amsterdam' }))).toBe(false)
    expect(isEip8037FirstForm(new Common({ chain: Mainnet, hardfork: 'prague', params: { 1: { eip8037FirstForm: 1 } } }))).toBe(false)
    expect(isEip8037FirstForm(new Common({ chain: Mainnet, hardfork: 'amsterdam', params: { 8037: { eip8037FirstForm: 1 } } }))).toBe(true)
    expect(readFileSync(join(root, 'node_modules/@ethereumjs/vm/dist/esm/runTx.js'), 'utf8')).toContain('authStateRefund')
  })

  it('util: hex keys come from Node\'s native encoder, byte for byte as @noble/hashes writes them', async () => {
    const util = await import('@ethereumjs/util')
    const { bytesToHex: noble } = await import('@noble/hashes/utils.js')
    expect(util.bytesToUnprefixedHex).not.toBe(noble) // the patch is in place
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255)
    for (const [start, end] of [[0, 0], [0, 300], [5, 37], [17, 49], [299, 300]] as const) {
      const view = bytes.subarray(start, end)
      expect(util.bytesToUnprefixedHex(view), `${start}..${end}`).toBe(noble(view))
      expect(util.bytesToHex(view), `${start}..${end}`).toBe('0x' + noble(view))
    }
    expect(util.bytesToBigInt(bytes.subarray(0, 32))).toBe(BigInt('0x' + noble(bytes.subarray(0, 32))))
    expect(() => util.bytesToUnprefixedHex([1, 2] as unknown as Uint8Array)).toThrow(/Uint8Array/)
  })

  it('util: setLengthLeft/setLengthRight pad to the same bytes as the unpatched spread, and still refuse to truncate', async () => {
    const util = await import('@ethereumjs/util')
    for (let n = 0; n <= 40; n += 3) {
      const msg = Uint8Array.from({ length: n }, (_, i) => 200 - i)
      for (const length of [0, 20, 32, 40]) {
        if (n > length) {
          expect(() => util.setLengthLeft(msg, length)).toThrow(/exceeds target length/)
          expect(util.setLengthLeft(msg, length, { allowTruncate: true })).toEqual(msg.subarray(-length)) // upstream truncation, unpatched
          continue
        }
        const zeros = new Array(length - n).fill(0)
        expect(util.setLengthLeft(msg, length), `left ${n}->${length}`).toEqual(new Uint8Array([...zeros, ...msg]))
        expect(util.setLengthRight(msg, length), `right ${n}->${length}`).toEqual(new Uint8Array([...msg, ...zeros]))
      }
    }
  })

  it('evm: the opt-in jump-analysis cache is consulted and filled per code, and reused on the next call', async () => {
    const evm = await createEVM()
    const seen: { gets: number; sets: number } = { gets: 0, sets: 0 }
    const inner = new WeakMap<Uint8Array, object>()
    ;(evm as unknown as { jumpAnalysisCache: unknown }).jumpAnalysisCache = {
      get: (k: Uint8Array) => (seen.gets++, inner.get(k)),
      set: (k: Uint8Array, v: object) => (seen.sets++, inner.set(k, v)),
    }
    // PUSH1 4, JUMP, INVALID, JUMPDEST, PUSH1 1, STOP
    const code = hexToBytes('0x600456fe5b600100')
    const run = () => evm.runCode({ code, gasLimit: 100_000n, to: new Address(new Uint8Array(20)) } as never)
    const first = await run()
    expect(first.exceptionError).toBeUndefined()
    expect(seen).toEqual({ gets: 1, sets: 1 })
    const second = await run()
    expect(second.exceptionError).toBeUndefined()
    expect(seen).toEqual({ gets: 2, sets: 1 })
    expect(second.executionGasUsed).toBe(first.executionGasUsed)
  })

  it('evm: without the cache the interpreter behaves as unpatched (jumps still validated)', async () => {
    const evm = await createEVM()
    // PUSH1 3, JUMP into PUSH data -> invalid jump
    const bad = await evm.runCode({ code: hexToBytes('0x600356605b00'), gasLimit: 100_000n } as never)
    expect(bad.exceptionError?.error).toMatch(/^invalid JUMP/)
  })

  // A program touching every path the opt-in switches change: memory (MSTORE, dynamic gas), a STATICCALL to an
  // identity-like callee (call frame, result fields), RETURNDATACOPY, a REVERTing call, and a RETURN of memory.
  // callee 0x..cc: CALLDATACOPY(0,0,CALLDATASIZE) RETURN(0,CALLDATASIZE); callee 0x..dd: REVERT(0,0)
  const CALLEE = hexToBytes('0x366000600037366000f3')
  const REVERTER = hexToBytes('0x60006000fd')
  // MSTORE(0, 0x1122..) ; STATICCALL(gas, 0xcc, 0, 32, 0, 0) ; RETURNDATACOPY(32, 0, 32) ;
  // STATICCALL(gas, 0xdd, 0, 0, 0, 0) ; MSTORE(64, both call results) ; RETURN(0, 96)
  const CALLER = hexToBytes(
    '0x7f1122334455667788990011223344556677889900112233445566778899001122' + '600052' +
      '6000600060206000' + '60cc' + '5a' + 'fa' + // STATICCALL -> 1
      '6020600060203e' + // RETURNDATACOPY(32, 0, 32)
      '6000600060006000' + '60dd' + '5a' + 'fa' + // STATICCALL -> 0 (reverted)
      '01' + '604052' + '60606000f3',
  )
  const runWith = async (flags: Record<string, boolean>) => {
    const evm = await createEVM()
    Object.assign(evm, flags)
    await evm.stateManager.putCode(new Address(hexToBytes('0x' + '00'.repeat(19) + 'cc')), CALLEE)
    await evm.stateManager.putCode(new Address(hexToBytes('0x' + '00'.repeat(19) + 'dd')), REVERTER)
    await evm.stateManager.putCode(new Address(hexToBytes('0x' + '00'.repeat(19) + 'aa')), CALLER)
    return { evm, result: await evm.runCall({ to: new Address(hexToBytes('0x' + '00'.repeat(19) + 'aa')), gasLimit: 1_000_000n }) }
  }

  it('evm: syncSteps, lazyMemory, leanCallResults, leanCallMessage, fastWords, lazyPushes and numberGas each leave every result field the same', async () => {
    const { result: plain } = await runWith({})
    expect(plain.execResult.exceptionError).toBeUndefined()
    expect(Buffer.from(plain.execResult.returnValue).toString('hex')).toBe('1122334455667788990011223344556677889900112233445566778899001122'.repeat(2) + '00'.repeat(31) + '01')
    for (const flags of [{ syncSteps: true }, { lazyMemory: true }, { leanCallResults: true }, { leanCallMessage: true }, { fastWords: true }, { lazyPushes: true }, { numberGas: true }, { syncSteps: true, lazyMemory: true, leanCallResults: true, leanCallMessage: true, fastWords: true, lazyPushes: true, numberGas: true }]) {
      const { result } = await runWith(flags)
      expect(result.execResult.returnValue, JSON.stringify(flags)).toEqual(plain.execResult.returnValue)
      expect(result.execResult.executionGasUsed, JSON.stringify(flags)).toBe(plain.execResult.executionGasUsed)
      expect(result.execResult.gasRefund, JSON.stringify(flags)).toBe(plain.execResult.gasRefund)
      expect(result.execResult.logs, JSON.stringify(flags)).toEqual(plain.execResult.logs)
      expect(result.execResult.exceptionError, JSON.stringify(flags)).toBeUndefined()
    }
  })

  it('evm: numberGas gives the same gas left, GAS readings and out-of-gas points as BigInt gas, and stays off above 2^52', async () => {
    const { createAccount } = await import('@ethereumjs/util')
    const { Interpreter } = (await import(evmDist('interpreter.js'))) as { Interpreter: { prototype: Record<string, (...a: unknown[]) => unknown> } }
    const modes: boolean[] = [] // the gas representation of every frame run
    const run0 = Interpreter.prototype.run!
    Interpreter.prototype.run = function (this: { _numberGas?: boolean }, ...a: unknown[]) {
      modes.push(this._numberGas === true)
      return run0.apply(this, a)
    }
    const me = new Address(hexToBytes('0x' + '00'.repeat(19) + 'aa'))
    const callee = new Address(hexToBytes('0x' + '00'.repeat(19) + 'cc'))
    // GAS; MLOAD(0x20) (memory expansion); GAS; MSTORE(0x400, gas); CALL(0, 0xcc, 1 wei, 0, 32, 0, 32) (stipend); GAS
    const code = hexToBytes('0x5a6020515a61040052' + '6020600060206000600160cc6000f1' + '5a00')
    const outcome = async (flags: Record<string, boolean>, gasLimit: bigint) => {
      const evm = await createEVM()
      Object.assign(evm, flags)
      await evm.stateManager.putAccount(me, createAccount({ nonce: 0n, balance: 10n }))
      await evm.stateManager.putCode(callee, CALLEE)
      const r = (await evm.runCode({ code, gasLimit, to: me, caller: me } as never)) as unknown as { exceptionError?: { error: string }; executionGasUsed: bigint; gas?: bigint; runState: { stack: { length: number; peek(n: number): bigint[] } } }
      return [r.exceptionError?.error, r.executionGasUsed, r.gas, r.runState.stack.peek(r.runState.stack.length)]
    }
    try {
      const full = await outcome({}, 1_000_000n)
      expect(full[0]).toBeUndefined()
      const needed = full[1] as bigint
      // every gas limit around the one that just suffices: the same out-of-gas points
      for (let g = needed - 60n; g <= needed + 5n; g++) {
        modes.length = 0
        expect(await outcome({ numberGas: true }, g), `gas limit ${g}`).toEqual(await outcome({}, g))
        expect(modes[0], `gas limit ${g}`).toBe(true) // the top frame counted in a Number
      }
      for (const g of [0n, 1n, 2n, 30_000n, 2n ** 52n]) expect(await outcome({ numberGas: true }, g), `gas limit ${g}`).toEqual(await outcome({}, g))
      modes.length = 0
      const above = await outcome({ numberGas: true }, 2n ** 52n + 1n)
      expect(modes[0]).toBe(false) // the top frame keeps BigInt gas
      expect(above).toEqual(await outcome({}, 2n ** 52n + 1n))
      expect((above[3] as bigint[]).at(-1)).toBe(2n ** 52n + 1n - 2n) // the first GAS reading (bottom of the stack), exact
    } finally {
      Interpreter.prototype.run = run0
    }
  })

  it('evm: syncSteps runs synchronous opcodes without the async runStep, and falls back to it with step listeners', async () => {
    // How often the interpreter took the original async step and the synchronous one while `work` ran.
    const countSteps = async (work: () => Promise<unknown>) => {
      const interp = (await import(evmDist('interpreter.js'))) as { Interpreter: { prototype: Record<string, (...a: unknown[]) => unknown> } }
      const proto = interp.Interpreter.prototype
      const calls = { runStep: 0, runStepSync: 0 }
      const orig = { runStep: proto.runStep!, runStepSync: proto.runStepSync! }
      proto.runStep = function (this: unknown, ...a: unknown[]) { calls.runStep++; return orig.runStep.apply(this, a) }
      proto.runStepSync = function (this: unknown, ...a: unknown[]) { calls.runStepSync++; return orig.runStepSync.apply(this, a) }
      try {
        await work()
      } finally {
        Object.assign(proto, orig)
      }
      return calls
    }
    const count = async (flags: Record<string, boolean>, listen: boolean) => {
      const evm = await createEVM()
      Object.assign(evm, flags)
      if (listen) evm.events!.on('step', () => {})
      // PUSH1 2, PUSH1 3, ADD, PUSH1 0, MSTORE, STOP: 6 steps
      return countSteps(() => (evm as EVM).runCode({ code: hexToBytes('0x600260030160005200'), gasLimit: 100_000n } as never))
    }
    expect(await count({ syncSteps: true }, false)).toEqual({ runStep: 0, runStepSync: 6 })
    // Frames of calls into code read from state (env.chargeCodeAccesses is set for them) take it too.
    const slow = (await countSteps(() => runWith({ syncSteps: true }))).runStep
    expect(slow).toBe(0)
    expect(await count({ syncSteps: true }, true)).toEqual({ runStep: 6, runStepSync: 0 })
    expect(await count({}, false)).toEqual({ runStep: 6, runStepSync: 0 })
  })

  it('evm: leanCallResults drops only the runState debugging copy; lazyMemory starts frames with empty memory', async () => {
    const { result: plain } = await runWith({})
    const { result: lean } = await runWith({ leanCallResults: true })
    expect(plain.execResult.runState).toBeDefined()
    expect(lean.execResult.runState).toBeUndefined()
    const { Memory } = (await import(evmDist('memory.js'))) as { Memory: new (n?: number, doubling?: boolean) => { _store: Uint8Array } }
    expect(new Memory()._store.length).toBe(8192)
    expect(new Memory(0)._store.length).toBe(0)
    // Growth by doubling (lazyMemory's frames): what is needed, or twice the current size, contents kept.
    const grown = new Memory(0, true) as unknown as { _store: Uint8Array; extend(o: number, s: number): void; write(o: number, s: number, v: Uint8Array): void; read(o: number, s: number): Uint8Array }
    grown.extend(0, 1)
    expect(grown._store.length).toBe(32)
    grown.write(0, 2, new Uint8Array([7, 9]))
    grown.extend(40, 1)
    expect(grown._store.length).toBe(64)
    grown.extend(0, 200)
    expect(grown._store.length).toBe(224)
    grown.extend(224, 1)
    expect(grown._store.length).toBe(448)
    expect([...grown.read(0, 3)]).toEqual([7, 9, 0])
    expect(grown.read(200, 248).every((b) => b === 0)).toBe(true)
  })

  it('evm: leanCallMessage hands runInterpreter the same message (keys in order, values) for calls and creates', async () => {
    // The messages runInterpreter received while `work` ran.
    const frames = async (flags: Record<string, boolean>) => {
      const seen: Record<string, unknown>[] = []
      const evmModule = (await import(evmDist('evm.js'))) as { EVM: { prototype: Record<string, (...a: unknown[]) => unknown> } }
      const proto = evmModule.EVM.prototype
      const orig = proto.runInterpreter!
      proto.runInterpreter = function (this: unknown, message: unknown, ...rest: unknown[]) {
        seen.push(message as Record<string, unknown>)
        return orig.call(this, message, ...rest)
      }
      try {
        await runWith(flags)
        // A create at depth 0: init code PUSH1 0 PUSH1 0 RETURN deploys empty code.
        const evm = await createEVM()
        Object.assign(evm, flags)
        await evm.runCall({ data: hexToBytes('0x60006000f3'), gasLimit: 1_000_000n, caller: new Address(hexToBytes('0x' + '00'.repeat(19) + 'ee')) })
      } finally {
        proto.runInterpreter = orig
      }
      return seen
    }
    const plain = await frames({})
    const lean = await frames({ leanCallMessage: true })
    expect(plain.length).toBe(4) // the caller, two STATICCALL frames, the create
    expect(plain[3]!.isCreate).toBe(true)
    expect(lean.length).toBe(plain.length)
    for (let i = 0; i < plain.length; i++) {
      expect(Object.keys(lean[i]!), `frame ${i}`).toEqual(Object.keys(plain[i]!))
      for (const k of Object.keys(plain[i]!)) expect(lean[i]![k], `frame ${i} ${k}`).toStrictEqual(plain[i]![k])
    }
  })

  it('evm: leanDiffs leaves the journal in the same state as unpatched over random checkpoint/commit/revert/warm sequences', async () => {
    const { Journal } = (await import(evmDist('journal.js'))) as { Journal: new (sm: unknown, common: unknown) => JournalLike }
    interface JournalLike {
      leanDiffs?: boolean
      journal: Map<string, Set<string>>
      touched: Set<string>
      journalHeight: number
      cleanJournal(): void
      checkpoint(): Promise<void>
      commit(): Promise<void>
      revert(): Promise<void>
      addWarmedAddress(a: Uint8Array): void
      addWarmedStorage(a: Uint8Array, slot: Uint8Array): void
      touchAccount(hex: string): void
    }
    const stateManager = { checkpoint: async () => {}, commit: async () => {}, revert: async () => {} }
    const common = { isActivatedEIP: () => false, gteHardfork: () => true }
    const snapshot = (j: JournalLike) => JSON.stringify([j.journalHeight, [...j.journal].map(([a, slots]) => [a, [...slots].sort()]).sort(), [...j.touched].sort()])
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n)
    for (let run = 0; run < 30; run++) {
      const plain = new Journal(stateManager, common)
      const lean = new Journal(stateManager, common)
      lean.leanDiffs = true
      plain.cleanJournal()
      lean.cleanJournal()
      for (let step = 0; step < 300; step++) {
        const op = rand(6)
        const address = new Uint8Array(20).fill(rand(4) + 1)
        const slot = new Uint8Array(32).fill(rand(3))
        for (const j of [plain, lean]) {
          if (op === 0) await j.checkpoint()
          else if (op === 1 && j.journalHeight > 0) await j.commit()
          else if (op === 2 && j.journalHeight > 0) await j.revert()
          else if (op === 3) j.addWarmedAddress(address)
          else if (op === 4) j.addWarmedStorage(address, slot)
          else if (op === 5) j.touchAccount(Buffer.from(address).toString('hex'))
        }
        expect(snapshot(lean), `run ${run} step ${step}`).toBe(snapshot(plain))
      }
    }
    // The shared empty diff is never written to.
    const j = new Journal(stateManager, common)
    j.leanDiffs = true
    j.cleanJournal()
    await j.checkpoint()
    await j.checkpoint()
    j.addWarmedStorage(new Uint8Array(20).fill(9), new Uint8Array(32))
    await j.revert()
    await j.checkpoint()
    const shared = (j as unknown as { journalDiff: [number, [Set<string>, Map<string, Set<string>>, Set<string>]][] }).journalDiff.at(-1)![1]
    expect(shared[0].size + shared[1].size + shared[2].size).toBe(0)
  })

  it('evm: dynamic-gas handlers that never await return their gas synchronously (MLOAD), state readers a promise (SSTORE)', async () => {
    const evm = await createEVM()
    const map = (evm as unknown as { _opcodeMap: { gasHandler?: (...a: unknown[]) => unknown }[] })._opcodeMap
    expect(map[0x51]!.gasHandler!.constructor.name).toBe('Function')
    expect(map[0x55]!.gasHandler!.constructor.name).toBe('AsyncFunction')
  })

  it('evm: fastWords gives the same bytes as setLengthLeft(bigIntToBytes(v), 32) and bigIntToBytes(v) for every limb boundary', async () => {
    const { stackWordBytes, stackValueBytes, setLengthLeftStorage } = (await import(evmDist('opcodes/util.js'))) as {
      stackWordBytes: (rs: unknown, v: bigint) => Uint8Array
      stackValueBytes: (rs: unknown, v: bigint) => Uint8Array
      setLengthLeftStorage: (v: Uint8Array) => Uint8Array
    }
    const fast = { interpreter: { _evm: { fastWords: true } } }
    const slow = { interpreter: { _evm: {} } }
    const values = [0n, 1n, 0xffn, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 128n - 1n, 2n ** 128n, 2n ** 192n + 5n, 2n ** 256n - 1n]
    for (let i = 0; i < 200; i++) values.push(BigInt('0x' + [...crypto.getRandomValues(new Uint8Array(1 + (i % 32)))].map((b) => b.toString(16).padStart(2, '0')).join('')))
    for (const v of values) {
      const expected = stackWordBytes(slow, v)
      expect(expected.length).toBe(32)
      expect(stackWordBytes(fast, v), v.toString(16)).toEqual(expected)
      // Interleaved with stackWordBytes: they share one scratch buffer.
      expect(stackValueBytes(fast, v), v.toString(16)).toEqual(bigIntToBytes(v))
      expect(stackValueBytes(slow, v), v.toString(16)).toEqual(bigIntToBytes(v))
    }
    expect(setLengthLeftStorage(new Uint8Array(5))).toEqual(new Uint8Array(0))
    expect(setLengthLeftStorage(Uint8Array.of(0, 0, 7))).toEqual(setLengthLeft(Uint8Array.of(7), 32))
  })
})

describe('pinned @ethereumjs/vm patch: vm.resultsOnly', () => {
  /** One Cancun block with two value transfers, run on a fresh VM with `generate: true`. */
  async function runOne(resultsOnly: boolean | undefined) {
    const { Common, Mainnet, Hardfork } = await import('@ethereumjs/common')
    const { createBlock } = await import('@ethereumjs/block')
    const { createLegacyTx } = await import('@ethereumjs/tx')
    const { createVM, runBlock } = await import('@ethereumjs/vm')
    const { createAccount, privateToAddress } = await import('@ethereumjs/util')
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
    const vm = await createVM({ common })
    if (resultsOnly !== undefined) (vm as unknown as { resultsOnly: boolean }).resultsOnly = resultsOnly
    const key = hexToBytes(`0x${'11'.repeat(32)}`)
    const sender = new Address(privateToAddress(key))
    await vm.stateManager.putAccount(sender, createAccount({ nonce: 0n, balance: 10n ** 18n }))
    const txs = [0n, 1n].map((nonce) => createLegacyTx({ nonce, gasPrice: 10n, gasLimit: 21_000n, to: new Address(hexToBytes(`0x${'22'.repeat(20)}`)), value: 5n + nonce }, { common }).sign(key))
    const block = createBlock({ header: { number: 1n, gasLimit: 30_000_000n, baseFeePerGas: 7n, timestamp: 1_800_000_000n }, transactions: txs }, { common })
    let eventBlock: unknown
    vm.events.on('afterBlock', (e: { block: unknown }) => { eventBlock = e.block })
    const r = await runBlock(vm, { block, generate: true, skipBlockValidation: true, skipHeaderValidation: true })
    return { block, eventBlock, results: { stateRoot: r.stateRoot, gasUsed: r.gasUsed, receiptsRoot: r.receiptsRoot, logsBloom: r.logsBloom, requestsHash: r.requestsHash, receipts: r.receipts } }
  }

  it('returns the same results as plain generate, without rebuilding the block', async () => {
    const plain = await runOne(undefined)
    const off = await runOne(false)
    const lean = await runOne(true)
    expect(plain.results.gasUsed).toBe(42_000n)
    expect(lean.results).toEqual(plain.results)
    expect(off.results).toEqual(plain.results)
    expect(plain.eventBlock).not.toBe(plain.block) // unpatched: the block rebuilt with the generated fields
    expect(off.eventBlock).not.toBe(off.block)
    expect(lean.eventBlock).toBe(lean.block) // the switch took effect: the block as given
  })
})
