/**
 * `tessera node`: a local L1 dev node (Hardhat 2 / EDR from the package's own dependencies) on 127.0.0.1,
 * started in a temp dir of its own so it works from any folder. Default hardfork shanghai: Hardhat's EDR skips
 * the EIP-4788/2935 system calls on cancun and later, so its cancun state roots differ from the spec and
 * cannot be replayed; the L2 devnet's contracts need cancun (BLOBHASH), hence --hardfork cancun for them.
 */
import { parseArgs } from '../args.js'
import { HARDHAT_DEV_KEY } from '../../l1/client.js'
import { hardhatVersion, startLocalL1 } from '../../l1/localNode.js'
import { TesseraError } from '../../../guest/errors.js'

const HELP = `usage: tessera node [--port N] [--hardfork shanghai|cancun|prague|…] [--chain-id N]

Start a local Ethereum dev node (Hardhat 2, automining) on http://127.0.0.1:<port>; Ctrl-C stops it.

  --port N          TCP port on 127.0.0.1 (default 8545)
  --hardfork NAME   default shanghai: the last fork whose blocks this node executes as the spec says, so
                    'tessera replay block|blocks|transaction' can check them. Use cancun for
                    'tessera l2 devnet' (its L1 contracts use BLOBHASH); cancun blocks are not replayable.
  --chain-id N      default 31337

The node's accounts are Hardhat's well-known dev accounts (account 0 key ${HARDHAT_DEV_KEY.slice(0, 10)}…): never
use them on a public network.`

const HARDFORKS = ['london', 'arrowGlacier', 'grayGlacier', 'merge', 'shanghai', 'cancun', 'prague']

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8545' },
      hardfork: { type: 'string', default: 'shanghai' },
      'chain-id': { type: 'string', default: '31337' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TesseraError(`--port must be a TCP port (1-65535), got ${values.port}`)
  const chainId = Number(values['chain-id'])
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new TesseraError(`--chain-id must be a positive integer, got ${values['chain-id']}`)
  if (!HARDFORKS.includes(values.hardfork)) throw new TesseraError(`--hardfork ${values.hardfork} is not one this node runs`, `one of: ${HARDFORKS.join(', ')}`)
  const node = await startLocalL1({ hardfork: values.hardfork, chainId, port, timeoutMs: 60_000 }).catch((e: Error) => {
    // Hardhat's stderr ends with a stack trace: its first line says what happened.
    const why = e.message.split('\n')[0].trim()
    throw new TesseraError(`the dev node did not start on 127.0.0.1:${port}: ${why}`, /EADDRINUSE/.test(why) ? `port ${port} is taken: try --port with another number` : undefined)
  })
  console.log(`tessera node: ${node.url} (chain id ${chainId}, hardfork ${values.hardfork}, Hardhat ${hardhatVersion()}); Ctrl-C stops it`)
  if (values.hardfork !== 'shanghai' && HARDFORKS.indexOf(values.hardfork) > HARDFORKS.indexOf('shanghai')) {
    console.log(`note: on ${values.hardfork} this node's state roots do not follow the spec (no EIP-4788/2935 system calls): replay its blocks from a shanghai node`)
  }
  const stop = () => void node.stop()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const code = await node.exited
  return code === 0 || code === null ? 0 : 1
}
