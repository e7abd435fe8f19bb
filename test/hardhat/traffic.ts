import { createWalletClient, createPublicClient, http, keccak256, type Hex, pad, toHex, parseEther } from 'viem'

/**
 * Traffic for replay tests: transfers (to new and existing accounts), contract deploys from hand-assembled
 * bytecode, storage writes and deletions (SSTORE to 0, including emptying a whole storage trie), logs,
 * BLOCKHASH, several transactions per block (automine off + evm_mine), a deletion collapsing a branch into
 * a branch sibling, a slot deleted and set again within one block, a SELFDESTRUCT.
 */

/** Runtime: SSTORE(calldata[0:32], calldata[32:64]); LOG1(value, topic = slot). */
const STORE_RUNTIME = '6020356000355560203560005260003560206000a100'
/** Init: SSTORE(1,1); SSTORE(2,2); return STORE_RUNTIME (22 bytes at offset 22). */
export const STORE_INIT = `0x600160015560026002556016601660003960166000f3${STORE_RUNTIME}` as Hex
/** Runtime: SSTORE(0, BLOCKHASH(NUMBER - 2)). Init returns it (9 bytes at offset 12). */
export const BLOCKHASH_INIT = '0x6009600c60003960096000f3600243034060005500' as Hex

/** Init: SSTORE(1,1); return runtime CALLER SELFDESTRUCT (2 bytes at offset 17). */
const SELFDESTRUCT_INIT = '0x6001600155600260116000396002600 0f333ff'.replace(' ', '') as Hex

/** Init returning STORE_RUNTIME without writing any slot (22 bytes at offset 12). */
const STORE_ONLY_INIT = `0x6016600c60003960166000f3${STORE_RUNTIME}` as Hex

/** Slots [lone, a, b]: keccak(lone) starts with a nibble no other has; keccak(a), keccak(b) share theirs. */
export function branchSiblingSlots(): [bigint, bigint, bigint] {
  const nib = (s: bigint, i: number) => parseInt(keccak256(pad(toHex(s))).slice(2 + i, 3 + i), 16)
  for (let a = 1n; a < 200n; a++) {
    for (let b = a + 1n; b < 200n; b++) {
      if (nib(a, 0) !== nib(b, 0) || nib(a, 1) === nib(b, 1)) continue
      for (let lone = 1n; lone < 200n; lone++) if (nib(lone, 0) !== nib(a, 0)) return [lone, a, b]
    }
  }
  throw new Error('no slot triple found')
}

export interface TrafficSummary {
  head: bigint
  transactions: number
}

export async function generateTraffic(url: string, opts: { rounds?: number } = {}): Promise<TrafficSummary> {
  const pub = createPublicClient({ transport: http(url) })
  const accounts = (await pub.request({ method: 'eth_accounts' } as never)) as Hex[]
  const wallet = (i: number) => createWalletClient({ account: accounts[i], transport: http(url), chain: null })
  const raw = (method: string, params: unknown[] = []) => pub.request({ method, params } as never)
  let sent = 0
  const send = async (i: number, tx: { to?: Hex; data?: Hex; value?: bigint; gas?: bigint }) => {
    sent++
    return wallet(i).sendTransaction({ ...tx, gas: tx.gas ?? 500_000n, account: accounts[i], chain: null } as never)
  }
  const mine = async () => {
    await raw('evm_mine')
  }

  // Block 1: plain transfers, automine on.
  await send(0, { to: accounts[1], value: parseEther('1') })

  await raw('evm_setAutomine', [false])
  // Block 2: two deploys + transfers to fresh addresses, in one block.
  const deployA = await send(0, { data: STORE_INIT })
  const deployB = await send(1, { data: STORE_INIT })
  const deployH = await send(2, { data: BLOCKHASH_INIT })
  await send(3, { to: '0x00000000000000000000000000000000000000aa', value: 12345n })
  await send(4, { to: '0x1111111111111111111111111111111111111111', value: parseEther('0.5') })
  await mine()
  const addr = async (h: Hex) => (await pub.getTransactionReceipt({ hash: h })).contractAddress as Hex
  const [a, b, h] = [await addr(deployA), await addr(deployB), await addr(deployH)]
  const store = (slot: number | bigint, value: bigint) => (pad(toHex(slot)) + pad(toHex(value)).slice(2)) as Hex

  const rounds = opts.rounds ?? 3
  for (let r = 0; r < rounds; r++) {
    // Many slots in A (so deletions hit branches), writes in B, a BLOCKHASH read.
    for (let s = 0; s < 6; s++) await send(5 + (s % 3), { to: a, data: store(10 + r * 6 + s, BigInt(r * 100 + s + 1)) })
    await send(8, { to: b, data: store(3 + r, 7n) })
    await send(9, { to: h, data: '0x' })
    await send(0, { to: accounts[10 + r], value: 1000n + BigInt(r) })
    await mine()
    // Deletions: SSTORE 0 to slots written earlier (and the constructor's slots).
    await send(5, { to: a, data: store(10 + r * 6, 0n) })
    await send(6, { to: a, data: store(11 + r * 6, 0n) })
    if (r === 0) {
      await send(7, { to: b, data: store(1, 0n) })
      await send(8, { to: b, data: store(2, 0n) })
    }
    await send(9, { to: b, data: store(3 + r, 0n) })
    await mine()
  }
  // Delete a constructor slot, re-create it in the next block, then an empty block.
  await send(1, { to: a, data: store(1, 0n) })
  await mine()
  await send(2, { to: a, data: store(1, 99n) })
  await mine()
  await mine()
  // A deletion that collapses a branch whose remaining sibling is itself a branch: a fresh contract gets
  // three slots, one alone under its first nibble and two sharing another first nibble; deleting the lone
  // one turns the storage root into an extension over the other branch (no touched key's proof has it).
  const deployC = await send(3, { data: STORE_ONLY_INIT })
  await mine()
  const c = await addr(deployC)
  const [lone, pairA, pairB] = branchSiblingSlots()
  for (const [i, slot] of [lone, pairA, pairB].entries()) await send(4 + i, { to: c, data: store(slot, 5n + BigInt(i)) })
  await mine()
  await send(4, { to: c, data: store(lone, 0n) })
  await mine()
  // A slot deleted by one transaction and set again by the next one, in the same block.
  await send(5, { to: c, data: store(pairA, 0n) })
  await send(6, { to: c, data: store(pairA, 42n) })
  await mine()
  // SELFDESTRUCT (pre-Cancun semantics on shanghai: the account and its storage go away).
  const deployD = await send(7, { data: SELFDESTRUCT_INIT, value: 777n })
  await mine()
  const d = await addr(deployD)
  await send(8, { to: d, data: '0x' })
  await send(9, { to: accounts[11], value: 5n })
  await mine()
  await raw('evm_setAutomine', [true])
  const head = await pub.getBlockNumber()
  return { head, transactions: sent }
}
