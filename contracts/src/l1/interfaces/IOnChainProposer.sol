// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICommonBridge} from "./ICommonBridge.sol";

/// @notice The L1 contract that commits L2 batches and verifies their proofs. `commitBatch` and
/// `verifyBatches` keep ethrex's selectors (commitBatch as in
/// lambdaclass/ethrex commit 00362bf16e0e4ed7ffadeb92aa4cabdd78ecc9b6 crates/l2/contracts/src/l1/OnChainProposer.sol,
/// verifyBatches as forwarded by lambdaclass/ethrex commit 05f1b766253e03d34b34e37b4cecc09489f38f26 -era Timelock and the
/// based OnChainProposer). `verifyBatchesExec` is Tessera's dev-mode path for the Exec backend.
interface IOnChainProposer {
    event BatchCommitted(bytes32 indexed newStateRoot);
    event BatchVerified(uint256 indexed lastVerifiedBatch);
    event VerificationKeyUpgraded(string verifier, bytes32 commitHash, bytes32 newVerificationKey);

    function lastCommittedBatch() external view returns (uint256);
    function lastVerifiedBatch() external view returns (uint256);
    function CHAIN_ID() external view returns (uint256);

    function commitBatch(
        uint256 batchNumber,
        bytes32 newStateRoot,
        bytes32 withdrawalsLogsMerkleRoot,
        bytes32 processedPrivilegedTransactionsRollingHash,
        bytes32 lastBlockHash,
        uint256 nonPrivilegedTransactions,
        bytes32 commitHash,
        ICommonBridge.BalanceDiff[] calldata balanceDiffs,
        ICommonBridge.L2MessageRollingHash[] calldata l2MessageRollingHashes
    ) external;

    function verifyBatches(
        uint256 firstBatchNumber,
        bytes[] calldata risc0BlockProofs,
        bytes[] calldata sp1ProofsBytes,
        bytes[] calldata tdxSignatures
    ) external;

    function verifyBatchesExec(uint256 firstBatchNumber, bytes[] calldata publicValues) external;
}
