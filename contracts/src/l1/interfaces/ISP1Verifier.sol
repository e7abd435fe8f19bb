// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Succinct's SP1 verifier interface (succinctlabs/sp1-contracts src/ISP1Verifier.sol):
/// reverts unless `proofBytes` proves the program `programVKey` with exactly `publicValues`.
interface ISP1Verifier {
    function verifyProof(bytes32 programVKey, bytes calldata publicValues, bytes calldata proofBytes) external view;
}
