import { readFileSync } from 'node:fs'
import * as S from '@chainsafe/ssz'
const f = '/work/shared/fixtures/eest/blockchain_tests_zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/witness_state_reads/witness_state_sload_contains_storage_proof.json'
const d = JSON.parse(readFileSync(f, 'utf8'))
const b = Object.values(d)[0].blocks[0]
const x = Buffer.from(b.statelessInputBytes.slice(2), 'hex')
const npr = x.subarray(20, x.readUInt32LE(4))
const want = b.statelessOutputBytes.slice(2, 66)
const u64 = new S.UintBigintType(8), b32 = new S.ByteVectorType(32)
const W = new S.ContainerType({ index: u64, validatorIndex: u64, address: new S.ByteVectorType(20), amount: u64 })
function ep(kind, balLimit, wLimit) {
  const f = { parentHash: b32, feeRecipient: new S.ByteVectorType(20), stateRoot: b32, receiptsRoot: b32, logsBloom: new S.ByteVectorType(256), prevRandao: b32, blockNumber: u64, gasLimit: u64, gasUsed: u64, timestamp: u64, extraData: new S.ByteListType(32), baseFeePerGas: new S.UintBigintType(32), blockHash: b32 }
  if (kind === 'prog') return new S.ProgressiveContainerType({ ...f, transactions: new S.ProgressiveListCompositeType(new S.ProgressiveByteListType()), withdrawals: new S.ProgressiveListCompositeType(W), blobGasUsed: u64, excessBlobGas: u64, blockAccessList: new S.ProgressiveByteListType(), slotNumber: u64 }, Array(19).fill(true))
  return new S.ContainerType({ ...f, transactions: new S.ListCompositeType(new S.ByteListType(2 ** 30), 2 ** 20), withdrawals: new S.ListCompositeType(W, wLimit), blobGasUsed: u64, excessBlobGas: u64, blockAccessList: new S.ByteListType(balLimit), slotNumber: u64 })
}
const vhs = [['prog', new S.ProgressiveListCompositeType(b32)], ...[12, 13, 14, 16].map((k) => [`2^${k}`, new S.ListCompositeType(b32, 2 ** k)])]
const reqs = [['prog', new S.ProgressiveListCompositeType(new S.ProgressiveByteListType())], ...[0,1,2,3,4,5,6,7,8,10,12,13,16,20,24,30,32].map((k) => [`2^${k}`, new S.ListCompositeType(new S.ByteListType(2 ** 20), 2 ** k)])]
const eps = [['prog', ep('prog')], ...[16, 20, 24, 30, 32].flatMap((k) => [16, 2 ** 16].map((w) => [`c bal2^${k} w${w}`, ep('c', 2 ** k, w)]))]
for (const [en, E] of eps) for (const [vn, V] of vhs) for (const [rn, R] of reqs) {
  const T = new S.ContainerType({ executionPayload: E, versionedHashes: V, parentBeaconBlockRoot: b32, executionRequests: R })
  let v
  try { v = T.deserialize(npr) } catch (e) { console.log('deser fail', en, vn, rn, e.message); continue }
  const r = Buffer.from(T.hashTreeRoot(v)).toString('hex')
  if (r === want) console.log('MATCH', en, vn, rn)
}
console.log('done')
import { createHash } from 'node:crypto'
import { keccak_256 } from '@noble/hashes/sha3.js'
console.log('sha256 input', createHash('sha256').update(x).digest('hex') === want, 'keccak', Buffer.from(keccak_256(x)).toString('hex') === want, Buffer.from(keccak_256(npr)).toString('hex') === want, createHash('sha256').update(npr).digest('hex') === want)
for (const [en, E] of eps) { try { const v = E.deserialize(npr.subarray(44)); console.log(en, Buffer.from(E.hashTreeRoot(v)).toString('hex') === want) } catch (e) { console.log(en, e.message) } }
console.log(want)
