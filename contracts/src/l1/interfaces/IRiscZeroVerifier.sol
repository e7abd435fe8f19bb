// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice RISC Zero's receipt verifier interface (risc0/risc0-ethereum contracts/src/IRiscZeroVerifier.sol):
/// reverts unless `seal` proves that the guest `imageId` ran and committed a journal hashing to `journalDigest`.
interface IRiscZeroVerifier {
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view;
}
