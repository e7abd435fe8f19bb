// L1 for the L2 contracts: cancun (BLOBHASH in OnChainProposer.commitBatch); nothing here is replayed statelessly.
module.exports = { networks: { hardhat: { hardfork: 'cancun', chainId: 31337 } } }
