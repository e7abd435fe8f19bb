import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common, CustomCrypto } from '@ethereumjs/common'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Address, bigIntToBytes, bytesToBigInt, KECCAK256_RLP, KECCAK256_RLP_ARRAY, setLengthLeft } from '@ethereumjs/util'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { BlockRunner, BlockRunOutcome } from '../../../guest/execute.js'
import { guestCrypto, guestKzg } from '../../../guest/crypto.js'
import { BlockInvalid } from '../../../guest/errors.js'
import { blobFromPayload, commitBlob, encodeBatchPayload } from '../../../guest/l2/blob.js'
import { encodeL2Block, type L2Block, type L2Transaction } from '../../../guest/l2/block.js'
import { DEFAULT_ELASTICITY_MULTIPLIER } from '../../../guest/l2/constants.js'
import { createL2BlockRunner, type L2Receipt } from '../../../guest/l2/execution.js'
import type { FeeConfig } from '../../../guest/l2/feeConfig.js'
import { encodeL2PublicValues } from '../../../guest/l2/output.js'
import { PrivilegedTransaction } from '../../../guest/l2/privilegedTx.js'
import { batchCommitments, executeL2Batch, type L2BatchResult } from '../../../guest/l2/program.js'
import type { L2ProgramInput } from '../../../guest/l2/types.js'
import type { ChainConfig } from '../../../guest/types.js'
import { createStateManager, NodeStore } from '../../../guest/state.js'
import { recordWitness } from '../../witness/record.js'
import { buildL2Genesis, type GenesisFile } from '../genesis.js'

/** A block the builder could not produce (a transaction the L2 rules refuse, e.g. gas over the block limit). */
export class L2BlockBuildFailed extends Error {
  constructor(readonly blockNumber: bigint, readonly cause: unknown) {
    super(`L2 block ${blockNumber} could not be built: ${(cause as Error).message}`)
    this.name = 'L2BlockBuildFailed'
  }
}

export interface BuiltBlock {
  block: L2Block
  receipts: L2Receipt[]
}

/** A sealed batch: its guest input (minimal witness recorded by the guest's own code) and what it proves. */
export interface SealedL2Batch {
  number: number
  blocks: L2Block[]
  receipts: L2Receipt[][]
  input: L2ProgramInput
  output: L2BatchResult
  publicValues: Uint8Array
  /** Privileged hashes of the batch's privileged transactions, in order (what L1 consumes on commit). */
  privilegedHashes: Uint8Array[]
}

const ANCESTOR_WINDOW = 256

/**
 * Produces an ethrex L2 chain statefully: blocks are executed with the L2 guest's own block runner (so the
 * headers it writes are exactly what the guest will check), batches are sealed with a witness recorded from
 * the full state, then proven once by the guest from that witness alone before being handed out.
 */
export class L2ChainBuilder {
  private readonly pending: BuiltBlock[] = []
  private batchNumber = 0

  private constructor(
    readonly common: Common,
    readonly chainConfig: ChainConfig,
    private readonly state: Map<string, Uint8Array>,
    private ancestors: BlockHeader[],
    readonly feeConfig: FeeConfig,
    private readonly crypto: CustomCrypto,
    readonly genesisHeader: BlockHeader,
  ) {}

  static async create(genesis: GenesisFile, feeConfig: FeeConfig, crypto: CustomCrypto = guestCrypto()): Promise<L2ChainBuilder> {
    const g = await buildL2Genesis(genesis, crypto)
    return new L2ChainBuilder(g.common, g.chainConfig, g.state, [g.header], feeConfig, crypto, g.header)
  }

  get chainId(): bigint {
    return this.common.chainId()
  }

  /** The last block built (sealed or not). */
  tip(): BlockHeader {
    return this.pending.length > 0 ? this.pending[this.pending.length - 1].block.header : this.ancestors[this.ancestors.length - 1]
  }

  /** Base fee of the next block (privileged transactions must offer at least this, plus the operator fee). */
  nextBaseFee(): bigint {
    return this.tip().calcNextBaseFee()
  }

  /** Lowest max fee per gas a transaction of the next block may offer. */
  minFeePerGas(): bigint {
    return this.nextBaseFee() + (this.feeConfig.operatorFee?.feePerGas ?? 0n)
  }

  pendingBlocks(): number {
    return this.pending.length
  }

  /** ETH balance of `address` at the last sealed batch (read from the builder's own state trie). */
  async sealedBalance(address: Address): Promise<bigint> {
    const account = await this.sealedState().getAccount(address)
    return account?.balance ?? 0n
  }

  /**
   * ERC-20 balance of `holder` in the token at `token`, at the last sealed batch. `balanceSlot` is the
   * storage slot of the `balanceOf` mapping (3 in contracts/src/lib/ERC20.sol: name, symbol, totalSupply first).
   */
  async sealedTokenBalance(token: Address, holder: Address, balanceSlot = 3n): Promise<bigint> {
    const key = keccak_256(new Uint8Array([...setLengthLeft(holder.bytes, 32), ...setLengthLeft(bigIntToBytes(balanceSlot), 32)]))
    const raw = await this.sealedState().getStorage(token, key)
    return raw.length === 0 ? 0n : bytesToBigInt(raw)
  }

  private sealedState() {
    // A copy of the node map: reads only, but the builder's own state must never see a write from here.
    return createStateManager(this.common, new NodeStore(new Map(this.state)), this.ancestors[this.ancestors.length - 1].stateRoot)
  }

  private keccak(b: Uint8Array): Uint8Array {
    return (this.crypto.keccak256 ?? keccak_256)(b)
  }

  private header(parent: BlockHeader, txRoot: Uint8Array, o: Partial<BlockRunOutcome> & { timestamp: bigint; coinbase: Address }): BlockHeader {
    // The excess blob gas rule needs the child's fork params: build once to get a common at the child's fork.
    const probe = this.headerWith(parent, txRoot, o, 0n)
    const excess = probe.common.isActivatedEIP(4844) ? parent.calcNextExcessBlobGas(probe.common) : 0n
    return excess === 0n ? probe : this.headerWith(parent, txRoot, o, excess)
  }

  private headerWith(parent: BlockHeader, txRoot: Uint8Array, o: Partial<BlockRunOutcome> & { timestamp: bigint; coinbase: Address }, excessBlobGas: bigint): BlockHeader {
    return createBlockHeader(
      {
        parentHash: parent.hash(),
        uncleHash: KECCAK256_RLP_ARRAY,
        coinbase: o.coinbase,
        stateRoot: o.stateRoot ?? new Uint8Array(32),
        transactionsTrie: txRoot,
        receiptTrie: o.receiptsRoot ?? new Uint8Array(32),
        logsBloom: o.logsBloom ?? new Uint8Array(256),
        difficulty: 0n,
        number: parent.number + 1n,
        gasLimit: parent.gasLimit,
        gasUsed: o.gasUsed ?? 0n,
        timestamp: o.timestamp,
        extraData: new Uint8Array(),
        mixHash: new Uint8Array(32),
        nonce: new Uint8Array(8),
        baseFeePerGas: parent.calcNextBaseFee(),
        withdrawalsRoot: KECCAK256_RLP,
        blobGasUsed: 0n,
        excessBlobGas,
        parentBeaconBlockRoot: new Uint8Array(32),
        requestsHash: this.common.isActivatedEIP(7685) ? sha256(new Uint8Array()) : undefined,
      },
      { common: this.common, setHardfork: true, skipConsensusFormatValidation: true },
    )
  }

  /**
   * Build the next block from `txs`: run it once with placeholder roots to learn its outcome (the guest's
   * runner computes gas used, receipts root, bloom and state root), then write the real header.
   */
  async addBlock(txs: L2Transaction[], opts: { coinbase?: Address } = {}): Promise<BuiltBlock> {
    const parent = this.tip()
    const timestamp = parent.timestamp + 12n
    const coinbase = opts.coinbase ?? new Address(new Uint8Array(20))
    const trie = new MerklePatriciaTrie({ common: this.common })
    for (const [i, tx] of txs.entries()) await trie.put(RLP.encode(i), tx.serialize())
    const txRoot = trie.root()
    const draft = new Block(this.header(parent, txRoot, { timestamp, coinbase }), txs as TypedTransaction[], [], undefined, { common: this.common })
    let outcome: BlockRunOutcome | undefined
    let receipts: L2Receipt[] = []
    const inner = createL2BlockRunner({ feeConfigOf: () => this.feeConfig, onReceipts: (_, r) => (receipts = r) })
    const runner: BlockRunner = {
      validateBody: inner.validateBody,
      run: async (vm, block) => {
        const o = await inner.run(vm, block)
        if (block === draft) outcome = o
        return o
      },
    }
    const trial = await recordWitness({
      common: this.common,
      blocks: [...this.pending.map((p) => p.block), draft],
      ancestors: this.ancestors,
      preState: this.state,
      keccak256: (b) => this.keccak(b),
      runner,
    })
    if (outcome === undefined) throw new L2BlockBuildFailed(draft.header.number, trial.error ?? new Error('the block did not run'))
    const block = new Block(this.header(parent, txRoot, { ...outcome, timestamp, coinbase }), txs as TypedTransaction[], [], undefined, { common: this.common })
    const built = { block, receipts }
    this.pending.push(built)
    return built
  }

  /**
   * Seal the pending blocks into the next batch: record its witness, add the blob commitment (zero in
   * validium mode, as ethrex's validium sends no blob), prove it with the guest from the witness alone and
   * check the stateless result against the stateful one.
   */
  async sealBatch(opts: { validium: boolean }): Promise<SealedL2Batch> {
    if (this.pending.length === 0) throw new Error('sealBatch: no blocks since the last batch')
    const built = this.pending.splice(0)
    const blocks = built.map((b) => b.block)
    const feeConfigs = blocks.map(() => this.feeConfig)
    const runner = createL2BlockRunner({ feeConfigOf: () => this.feeConfig })
    const recorded = await recordWitness({ common: this.common, blocks, ancestors: this.ancestors, preState: this.state, keccak256: (b) => this.keccak(b), runner })
    if (recorded.error !== undefined) throw recorded.error
    for (const [k, v] of recorded.written) this.state.set(k, v)
    const blob = opts.validium ? { commitment: new Uint8Array(48), proof: new Uint8Array(48) } : commitBlob(guestKzg(), blobFromPayload(encodeBatchPayload(blocks, feeConfigs)))
    const input: L2ProgramInput = {
      blocks: blocks.map(encodeL2Block),
      witness: recorded.witness,
      chainConfig: this.chainConfig,
      elasticityMultiplier: DEFAULT_ELASTICITY_MULTIPLIER,
      feeConfigs,
      blobCommitment: blob.commitment,
      blobProof: blob.proof,
    }
    const output = await executeL2Batch(input, { crypto: this.crypto })
    const stateful = batchCommitments(blocks, built.flatMap((b) => b.receipts), input, (b) => this.keccak(b))
    if (!equal(encodeL2PublicValues(output), encodeL2PublicValues({ ...output, ...stateful }))) {
      throw new BlockInvalid(blocks[blocks.length - 1].header.number, 'stateless and stateful runs disagree', { reason: 'public values differ' })
    }
    this.ancestors = [...this.ancestors, ...blocks.map((b) => b.header)].slice(-ANCESTOR_WINDOW)
    this.batchNumber += 1
    const privilegedHashes = blocks
      .flatMap((b) => b.transactions as unknown[])
      .filter((t): t is PrivilegedTransaction => t instanceof PrivilegedTransaction)
      .map((t) => t.privilegedHash((b) => this.keccak(b))!)
    return {
      number: this.batchNumber,
      blocks,
      receipts: built.map((b) => b.receipts),
      input,
      output,
      publicValues: encodeL2PublicValues(output),
      privilegedHashes,
    }
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
