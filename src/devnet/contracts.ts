/**
 * Contracts for `tessera replay custom` traffic: an ERC-20 token, a key-value store and a contract that
 * calls precompiles. Written here in Solidity and compiled with solc-js (0.8.37, pinned in package.json)
 * the first time custom traffic needs them, so the bytecode is the compiler's, not hand-maintained hex.
 */
import { createRequire } from 'node:module'
import type { Abi } from 'viem'
import { TesseraError } from '../../guest/errors.js'

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Minimal ERC-20 transfer path: balances, Transfer events, supply minted to the given holders.
contract DevToken {
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;
    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(address[] memory holders, uint256 each) {
        for (uint256 i = 0; i < holders.length; i++) {
            balanceOf[holders[i]] = each;
            emit Transfer(address(0), holders[i], each);
        }
        totalSupply = each * holders.length;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        uint256 have = balanceOf[msg.sender];
        require(have >= value, "insufficient balance");
        unchecked { balanceOf[msg.sender] = have - value; }
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}

/// Storage traffic: writes and clears of arbitrary slots.
contract DevStore {
    mapping(uint256 => uint256) public slots;

    function set(uint256 key, uint256 value) external {
        slots[key] = value;
    }
}

/// Precompile traffic: ecrecover (0x01), sha256 (0x02) and identity (0x04) in one call.
contract DevWork {
    bytes32 public last;

    function work(bytes32 digest, uint8 v, bytes32 r, bytes32 s, bytes calldata data) external returns (bytes32) {
        address signer = ecrecover(digest, v, r, s);
        (bool ok, bytes memory copy) = address(4).staticcall(data);
        require(ok, "identity");
        bytes32 h = sha256(abi.encodePacked(signer, copy));
        last = h;
        return h;
    }
}
`

export interface CompiledContract {
  abi: Abi
  bytecode: `0x${string}`
}

export interface DevnetContracts {
  token: CompiledContract
  store: CompiledContract
  work: CompiledContract
}

export class ContractCompileError extends TesseraError {}

let compiled: DevnetContracts | undefined

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[]
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
}

/** Compile the custom-traffic contracts (once per process). */
export function devnetContracts(): DevnetContracts {
  if (compiled !== undefined) return compiled
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'Devnet.sol': { content: SOURCE } },
        // cancun: runs on the cancun and prague devnets alike.
        settings: { evmVersion: 'cancun', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
      }),
    ),
  ) as SolcOutput
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new ContractCompileError(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`)
  const get = (name: string): CompiledContract => {
    const c = output.contracts?.['Devnet.sol']?.[name]
    if (c === undefined) throw new ContractCompileError(`solc produced no ${name}`)
    return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
  }
  compiled = { token: get('DevToken'), store: get('DevStore'), work: get('DevWork') }
  return compiled
}
