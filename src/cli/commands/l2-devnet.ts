import { mkdirSync } from 'node:fs'
import { parseArgs } from '../args.js'
import { bytesToHex, getAddress, isAddress, isHex, type Hex } from 'viem'
import { connectL1, HARDHAT_DEV_KEY } from '../../l1/client.js'
import { deployL1, DEVNET_COMMIT_HASH } from '../../l1/deploy.js'
import { L2ChainBuilder } from '../../l2/devnet/builder.js'
import { l2DevnetGenesis } from '../../l2/devnet/genesis.js'
import { serveL2Rpc } from '../../l2/devnet/rpcServer.js'
import { DEVNET_KEYS, L2_DEVNET_CHAIN_ID, L2_DEVNET_FEE_CONFIG, L2_GENESIS_TIMESTAMP } from '../../l2/devnet/scenario.js'
import { L2DevnetSequencer } from '../../l2/devnet/sequencer.js'
import { L2DevnetStore } from '../../l2/devnet/store.js'
import { addressOfKey, signed1559 } from '../../l2/devnet/transactions.js'
import { TesseraError } from '../../../guest/errors.js'
import { withdrawalProofJson, withdrawalProofs } from '../../l2/devnet/withdrawalProof.js'
import { parseAddress } from '../../protocol/transport.js'
import { cliLogger, positiveInt } from './coordinator.js'

const DEVNET_HELP = `usage: tessera l2 devnet --l1-rpc-url URL [options]

The L2 devnet sequencer: watches the L1 CommonBridge for deposits, builds one-block batches with them and the
L2 transactions it was sent, writes each batch as cache_batch_<n>.json (serve them with
'tessera coordinator --source DIR'), keeps blocks/transactions/withdrawals in SQLite and commits every batch
to the OnChainProposer. State lives in memory: each run starts a new chain and needs a new --db file (an old
one keeps serving 'tessera l2 withdrawal-proof' for its chain).

  --l1-rpc-url URL           L1 JSON-RPC endpoint
  --private-key HEX          OnChainProposer owner (or env TESSERA_L1_PRIVATE_KEY; default Hardhat's account 0)
  --bridge ADDR --on-chain-proposer ADDR   existing contracts (else deployed now, dev Exec mode, validium)
  --db FILE                  SQLite record (default tessera-l2.db)
  --out DIR                  batch cache files (default l2-batches)
  --http HOST:PORT           JSON-RPC of an ethrex L2 node: batches, blocks, witnesses, fee configs (what
                             'tessera replay l2' and 'tessera cache l2' read), eth_sendRawTransaction,
                             ethrex_getWithdrawalProof
  --seed                     start with one L2 transfer (funded account to a second devnet account), so
                             batch 1 exists for 'replay l2 batch 1' without sending anything
  --interval MS              how often to look for deposits (default 2000)
  --log-level LEVEL          pino level (default info)
`

const PROOF_HELP = `usage: tessera l2 withdrawal-proof <L2 tx hash> [--db FILE]

Print the Merkle proof(s) of the L1 message(s) an L2 transaction sent (a withdrawal), from the devnet's SQLite
record: batch number, message id, message hash and the sibling path CommonBridge.claimWithdrawal takes.`

export async function runWithdrawalProof(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string', default: 'tessera-l2.db' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help || positionals.length !== 1) {
    console.log(PROOF_HELP)
    return values.help ? 0 : 2
  }
  const tx = positionals[0]
  if (!isHex(tx) || tx.length !== 66) throw new Error(`not a transaction hash: "${tx}"`)
  const store = new L2DevnetStore(values.db, { readonly: true })
  try {
    console.log(JSON.stringify(withdrawalProofs(store, tx).map(withdrawalProofJson), null, 1))
    return 0
  } finally {
    store.close()
  }
}

export async function runDevnet(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'l1-rpc-url': { type: 'string' },
      'private-key': { type: 'string' },
      bridge: { type: 'string' },
      'on-chain-proposer': { type: 'string' },
      db: { type: 'string', default: 'tessera-l2.db' },
      out: { type: 'string', default: 'l2-batches' },
      http: { type: 'string' },
      interval: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      seed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || !values['l1-rpc-url']) {
    console.log(DEVNET_HELP)
    return values.help ? 0 : 2
  }
  const key = (values['private-key'] ?? process.env.TESSERA_L1_PRIVATE_KEY ?? HARDHAT_DEV_KEY) as Hex
  const log = cliLogger('l2-devnet', values['log-level'])
  const store = new L2DevnetStore(values.db)
  // Each run is a new chain from genesis: batch 1 again. Mixing it into an earlier chain's record would serve
  // that chain's blocks and witnesses under the new chain's numbers.
  const earlier = store.lastBatchNumber()
  if (earlier > 0) {
    store.close()
    throw new TesseraError(`${values.db} holds ${earlier} batch(es) of an earlier devnet chain; each run starts a new chain`, `give a new file with --db (the old one still serves 'tessera l2 withdrawal-proof --db ${values.db}')`)
  }
  const l1 = await connectL1(values['l1-rpc-url'], key)
  // The OnChainProposer reads BLOBHASH: an L1 before cancun fails every commit with an opaque revert.
  const l1Head = await l1.publicClient.getBlock()
  if (l1Head.excessBlobGas === undefined || l1Head.excessBlobGas === null) {
    throw new TesseraError(`the L1 node at ${values['l1-rpc-url']} runs a fork before cancun; the L2 contracts need cancun (BLOBHASH)`, 'start it with: tessera node --hardfork cancun')
  }
  const deployer = addressOfKey(DEVNET_KEYS.deployer)
  const genesis = l2DevnetGenesis({ chainId: L2_DEVNET_CHAIN_ID, timestamp: L2_GENESIS_TIMESTAMP, balances: { [deployer.toString()]: 100n * 10n ** 18n } })
  const builder = await L2ChainBuilder.create(genesis, L2_DEVNET_FEE_CONFIG)
  let bridge = values.bridge
  let proposer = values['on-chain-proposer']
  let fromL1Block = 0n
  if (bridge === undefined || proposer === undefined) {
    const d = await deployL1(l1, { genesisStateRoot: bytesToHex(builder.genesisHeader.stateRoot), l2ChainId: BigInt(L2_DEVNET_CHAIN_ID), devExecMode: true, validium: true })
    ;({ bridge, proposer } = d)
    fromL1Block = d.deployBlock
    log.info({ bridge, proposer }, 'deployed the L1 contracts (dev Exec mode, validium)')
  }
  if (!isAddress(bridge) || !isAddress(proposer)) throw new Error('--bridge / --on-chain-proposer: expected addresses')
  mkdirSync(values.out, { recursive: true })
  const sequencer = new L2DevnetSequencer({
    l1,
    bridge: getAddress(bridge),
    proposer: getAddress(proposer),
    builder,
    store,
    outDir: values.out,
    validium: true,
    commitHash: DEVNET_COMMIT_HASH,
    fromL1Block,
    log,
  })
  if (values.seed) {
    const alice = addressOfKey(DEVNET_KEYS.alice)
    sequencer.submit(signed1559({ common: builder.common, key: DEVNET_KEYS.deployer, nonce: 0n, to: alice, value: 10n ** 18n, gasLimit: 21_000n, maxFeePerGas: builder.minFeePerGas() * 2n }))
  }
  const rpc = values.http ? await serveL2Rpc({ store, sequencer, common: builder.common, ...parseAddress(values.http) }) : undefined
  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())
  process.once('SIGTERM', () => abort.abort())
  const interval = positiveInt(values.interval, '--interval', 2000)
  // The funded L2 account's key is a public devnet key (keccak of a fixed string), like Hardhat's accounts.
  console.log(JSON.stringify({ bridge, proposer, l2ChainId: L2_DEVNET_CHAIN_ID, out: values.out, http: values.http ? `http://${values.http}` : null, funded: { address: deployer.toString(), privateKey: bytesToHex(DEVNET_KEYS.deployer) } }))
  try {
    while (!abort.signal.aborted) {
      try {
        await sequencer.step()
      } catch (e) {
        log.error({ err: (e as Error).message }, 'sequencer step failed; retrying')
      }
      await new Promise<void>((r) => {
        const wake = () => (clearTimeout(t), r())
        const t = setTimeout(() => (abort.signal.removeEventListener('abort', wake), r()), interval)
        abort.signal.addEventListener('abort', wake, { once: true })
      })
    }
    return 0
  } finally {
    rpc?.close()
    store.close()
  }
}
