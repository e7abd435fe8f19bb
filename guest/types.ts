/**
 * The guest's data types. Everything here is plain bytes and numbers: the guest never sees JSON or hex,
 * the host converts at its boundary (src/witness).
 */

/** debug_executionWitness list form, decoded to bytes. Nodes and codes are looked up by keccak256. */
export interface ExecutionWitness {
  /** RLP-encoded state and storage trie nodes, any order. */
  state: Uint8Array[]
  /** Contract bytecodes. */
  codes: Uint8Array[]
  /** Address / slot preimages; informational only, never trusted. */
  keys: Uint8Array[]
  /** RLP-encoded ancestor headers: at least the parent of the first block. */
  headers: Uint8Array[]
}

/**
 * Chain id and fork schedule, in geth/ethrex genesis-config field names. Fork fields absent = not scheduled.
 * Block-numbered forks up to Paris, timestamp-scheduled forks from Shanghai on.
 */
export interface ChainConfig {
  chainId: number
  homesteadBlock?: number
  daoForkBlock?: number
  eip150Block?: number
  eip155Block?: number
  eip158Block?: number
  byzantiumBlock?: number
  constantinopleBlock?: number
  petersburgBlock?: number
  istanbulBlock?: number
  muirGlacierBlock?: number
  berlinBlock?: number
  londonBlock?: number
  arrowGlacierBlock?: number
  grayGlacierBlock?: number
  /** Block at which Paris (the Merge) is active; Tessera needs the block, not the total difficulty. */
  mergeNetsplitBlock?: number
  terminalTotalDifficulty?: string | number
  shanghaiTime?: number
  cancunTime?: number
  pragueTime?: number
  osakaTime?: number
  bpo1Time?: number
  bpo2Time?: number
  bpo3Time?: number
  bpo4Time?: number
  bpo5Time?: number
  /** Amsterdam as the EIP-8025 zkEVM test vectors define it (guest/amsterdam.ts). */
  amsterdamTime?: number
  depositContractAddress?: string
  /**
   * EIP-7840 blob parameters per fork, as geth and ethrex genesis configs carry them: keys `cancun`, `prague`,
   * `osaka`, `bpo1`…`bpo5` (any case), values `{target, max, baseFeeUpdateFraction}`. Forks left out use the
   * EIP values (Cancun, Prague, mainnet BPO1/BPO2) or the previous fork's; a scheduled BPO3-BPO5 needs an entry.
   */
  blobSchedule?: Record<string, BlobScheduleEntry>
  /** Name of a public network whose built-in schedule to use instead (mainnet, sepolia, holesky, hoodi). */
  publicNetwork?: string
}

/** One fork's blob parameters; numbers or 0x-hex strings (EEST fixture configs write hex). */
export interface BlobScheduleEntry {
  target: number | string
  max: number | string
  baseFeeUpdateFraction: number | string
}

/** L1 program input: consecutive blocks (RLP-encoded, as on the wire) and the witness covering them. */
export interface ProgramInput {
  blocks: Uint8Array[]
  witness: ExecutionWitness
  chainConfig: ChainConfig
  /**
   * Set only when the user explicitly accepted an unanchored run (`--trust-pre-state-root`) for a witness
   * that carries no parent header: the pre-state root is then taken on trust, not hash-linked to a header.
   * Ignored when the witness has headers.
   */
  unanchored?: { preStateRoot: Uint8Array; blockHashes?: { number: bigint; hash: Uint8Array }[] }
  /**
   * The witness's headers follow the EIP-8025 stateless input rules (execution-specs amsterdam/stateless.py,
   * validate_headers): at most 256, given oldest first, each the parent of the next. Other producers list
   * headers in any order, so this is off unless the input comes from a stateless-input source.
   */
  orderedHeaders?: boolean
}

export interface ProgramOutput {
  initialStateRoot: Uint8Array
  finalStateRoot: Uint8Array
  lastBlockHash: Uint8Array
  chainId: bigint
  transactionCount: bigint
}
