import { parseArgs } from '../args.js'
import { getAddress, isAddress, isHex, type Hex } from 'viem'
import { connectL1 } from '../../l1/client.js'
import { coordinatorProofSource } from '../../l1/proofSource.js'
import { ProofSender } from '../../l1/proofSender.js'
import { SenderStore } from '../../l1/senderStore.js'
import { serveMetrics } from '../../coordinator/metrics.js'
import { parseProverType } from '../../protocol/messages.js'
import { parseAddress } from '../../protocol/transport.js'
import { cliLogger, positiveInt } from './coordinator.js'

const HELP = `usage: tessera proof-sender --coordinator-db FILE --l1-rpc-url URL --on-chain-proposer ADDR [options]

Send proven batches from the coordinator's store to the OnChainProposer (verifyBatches), in order.
Restart-safe: every transaction is recorded before it is broadcast and resolved from the chain afterwards.

  --coordinator-db FILE     the coordinator's SQLite store (read only)
  --db FILE                 this sender's state (default tessera-proof-sender.db)
  --l1-rpc-url URL          L1 JSON-RPC endpoint
  --private-key HEX         key of the OnChainProposer owner (or env TESSERA_L1_PRIVATE_KEY)
  --on-chain-proposer ADDR  OnChainProposer address
  --prover-type TYPE        Exec (dev mode: verifyBatchesExec with the public values) or RISC0 (default Exec)
  --send-unverified         also send proofs the coordinator stored unchecked (--trust-unverified there);
                            by default the run stops at such a batch until a checked proof replaces it
  --max-batches N           batches per transaction (default 8)
  --interval MS             poll interval (default 1000)
  --once                    one step, print what happened, exit
  --metrics HOST:PORT       serve Prometheus metrics at http://HOST:PORT/metrics
  --log-level LEVEL         pino level (default info)
`

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'coordinator-db': { type: 'string' },
      db: { type: 'string', default: 'tessera-proof-sender.db' },
      'l1-rpc-url': { type: 'string' },
      'private-key': { type: 'string' },
      'on-chain-proposer': { type: 'string' },
      'prover-type': { type: 'string', default: 'Exec' },
      'max-batches': { type: 'string' },
      interval: { type: 'string' },
      once: { type: 'boolean', default: false },
      'send-unverified': { type: 'boolean', default: false },
      metrics: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const key = values['private-key'] ?? process.env.TESSERA_L1_PRIVATE_KEY
  const proposer = values['on-chain-proposer']
  if (!values['coordinator-db'] || !values['l1-rpc-url'] || !proposer || !key) {
    console.error(`tessera proof-sender: --coordinator-db, --l1-rpc-url, --on-chain-proposer and a private key are required\n\n${HELP}`)
    return 2
  }
  if (!isAddress(proposer)) throw new Error(`--on-chain-proposer: not an address: "${proposer}"`)
  if (!isHex(key) || key.length !== 66) throw new Error('--private-key: expected 0x and 64 hex digits')
  const proverType = parseProverType(values['prover-type'], '--prover-type')
  const log = cliLogger('proof-sender', values['log-level'])
  const clients = await connectL1(values['l1-rpc-url'], key as Hex)
  const warned = new Set<number>()
  const proofs = coordinatorProofSource(values['coordinator-db'], proverType, {
    sendUnverified: values['send-unverified'],
    onUnverified: ({ batchNumber, checked }) => {
      if (warned.has(batchNumber)) return
      warned.add(batchNumber)
      log.warn({ batch: batchNumber, checked }, 'the stored proof of this batch was not checked by the coordinator; waiting for a checked one (or pass --send-unverified)')
    },
  })
  const store = new SenderStore(values.db)
  const sender = new ProofSender({
    clients,
    proposer: getAddress(proposer),
    proofs: proofs.source,
    proverType,
    store,
    maxBatchesPerTx: positiveInt(values['max-batches'], '--max-batches', 8),
    log,
  })
  const metricsServer = values.metrics ? await serveMetrics(sender.metrics.registry, parseAddress(values.metrics)) : undefined
  try {
    if (values.once) {
      const r = await sender.tick()
      console.log(JSON.stringify(r))
      return r.kind === 'rejected' || r.kind === 'reverted' ? 1 : 0
    }
    const abort = new AbortController()
    const stop = () => abort.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    log.info({ proposer, proverType }, 'proof sender running')
    await sender.run(abort.signal, positiveInt(values.interval, '--interval', 1000))
    return 0
  } finally {
    metricsServer?.close()
    proofs.close()
    store.close()
  }
}
