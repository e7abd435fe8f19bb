// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What OnChainProposer calls (the interface of succinctlabs/sp1-contracts' ISP1Verifier): reverts unless
/// `proofBytes` proves that the program with verifying-key hash `programVKey` committed `publicValues`.
interface ISP1Verifier {
    function verifyProof(bytes32 programVKey, bytes calldata publicValues, bytes calldata proofBytes) external view;
}

/// @notice A verifier for one SP1 release: the first 4 bytes of VERIFIER_HASH() prefix every proof it accepts.
interface ISP1VerifierWithHash is ISP1Verifier {
    function VERIFIER_HASH() external pure returns (bytes32);
}
