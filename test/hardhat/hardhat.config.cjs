// Test peer for Tessera: Hardhat 2 (EDR) on shanghai, since EDR skips the EIP-4788/2935 system calls on cancun+.
module.exports = { networks: { hardhat: { hardfork: 'shanghai', chainId: 31337 } } }
