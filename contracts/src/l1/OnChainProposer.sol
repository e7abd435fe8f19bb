// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOnChainProposer} from "./interfaces/IOnChainProposer.sol";
import {ICommonBridge} from "./interfaces/ICommonBridge.sol";
import {IRiscZeroVerifier} from "./interfaces/IRiscZeroVerifier.sol";
import {ISP1Verifier} from "./interfaces/ISP1Verifier.sol";

/// @title Commits L2 batches and verifies their proofs, in order.
/// @notice Behaviour after ethrex's OnChainProposer
/// (lambdaclass/ethrex commit 00362bf16e0e4ed7ffadeb92aa4cabdd78ecc9b6 crates/l2/contracts/src/l1/OnChainProposer.sol):
/// a commitment stores what the batch claims; verification rebuilds the batch's 256-byte public values from the
/// commitment and the previous verified state root, and asks each required verifier whether the proof attests
/// exactly those bytes. Differences (documented in the README): no proxy/timelock, privileged transactions are
/// consumed on commit, cross-chain messages and Aligned/TDX/ZisK are not supported, and an Exec dev mode.
contract OnChainProposer is IOnChainProposer {
    struct BatchCommitmentInfo {
        bytes32 newStateRoot;
        bytes32 blobVersionedHash;
        bytes32 processedPrivilegedTransactionsRollingHash;
        bytes32 withdrawalsLogsMerkleRoot;
        bytes32 lastBlockHash;
        uint256 nonPrivilegedTransactions;
        bytes32 commitHash;
    }

    uint8 internal constant SP1_VERIFIER_ID = 1;
    uint8 internal constant RISC0_VERIFIER_ID = 2;

    mapping(uint256 => BatchCommitmentInfo) public batchCommitments;
    uint256 public lastVerifiedBatch;
    uint256 public lastCommittedBatch;
    address public owner;
    address public BRIDGE;
    address public RISC0_VERIFIER_ADDRESS;
    address public SP1_VERIFIER_ADDRESS;
    bool public VALIDIUM;
    bool public REQUIRE_RISC0_PROOF;
    bool public REQUIRE_SP1_PROOF;
    /// @notice Accept the Exec backend's bare public values as a "proof". Proves nothing cryptographically:
    /// for devnets and tests only; off unless the deployer turns it on and then no zk verifier is used.
    bool public DEV_EXEC_MODE;
    uint256 public CHAIN_ID;
    mapping(bytes32 commitHash => mapping(uint8 verifierId => bytes32 vk)) public verificationKeys;

    struct Config {
        bool validium;
        bool requireRisc0Proof;
        bool requireSp1Proof;
        bool devExecMode;
        address risc0Verifier;
        address sp1Verifier;
        bytes32 risc0Vk;
        bytes32 sp1Vk;
        bytes32 commitHash;
        bytes32 genesisStateRoot;
        uint256 chainId;
        address bridge;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "OnChainProposer: caller is not the owner");
        _;
    }

    constructor(address owner_, Config memory c) {
        require(owner_ != address(0), "OnChainProposer: owner is the zero address");
        require(c.bridge != address(0), "OnChainProposer: bridge is the zero address");
        require(c.commitHash != bytes32(0), "OnChainProposer: commit hash is zero");
        require(c.genesisStateRoot != bytes32(0), "OnChainProposer: genesis state root is zero");
        require(
            c.requireRisc0Proof || c.requireSp1Proof || c.devExecMode,
            "OnChainProposer: no verifier required and dev mode off"
        );
        require(
            !c.devExecMode || !(c.requireRisc0Proof || c.requireSp1Proof),
            "OnChainProposer: dev mode excludes zk verifiers"
        );
        require(!c.requireRisc0Proof || c.risc0Verifier != address(0), "OnChainProposer: missing RISC0 verifier address");
        require(!c.requireSp1Proof || c.sp1Verifier != address(0), "OnChainProposer: missing SP1 verifier address");
        require(!c.requireRisc0Proof || c.risc0Vk != bytes32(0), "OnChainProposer: missing RISC0 verification key");
        require(!c.requireSp1Proof || c.sp1Vk != bytes32(0), "OnChainProposer: missing SP1 verification key");
        owner = owner_;
        VALIDIUM = c.validium;
        REQUIRE_RISC0_PROOF = c.requireRisc0Proof;
        REQUIRE_SP1_PROOF = c.requireSp1Proof;
        DEV_EXEC_MODE = c.devExecMode;
        RISC0_VERIFIER_ADDRESS = c.risc0Verifier;
        SP1_VERIFIER_ADDRESS = c.sp1Verifier;
        CHAIN_ID = c.chainId;
        BRIDGE = c.bridge;
        verificationKeys[c.commitHash][RISC0_VERIFIER_ID] = c.risc0Vk;
        verificationKeys[c.commitHash][SP1_VERIFIER_ID] = c.sp1Vk;
        batchCommitments[0].newStateRoot = c.genesisStateRoot;
        batchCommitments[0].commitHash = c.commitHash;
        emit VerificationKeyUpgraded("RISC0", c.commitHash, c.risc0Vk);
        emit VerificationKeyUpgraded("SP1", c.commitHash, c.sp1Vk);
    }

    function upgradeRISC0VerificationKey(bytes32 commitHash, bytes32 newVk) external onlyOwner {
        require(commitHash != bytes32(0), "OnChainProposer: commit hash is zero");
        verificationKeys[commitHash][RISC0_VERIFIER_ID] = newVk;
        emit VerificationKeyUpgraded("RISC0", commitHash, newVk);
    }

    function upgradeSP1VerificationKey(bytes32 commitHash, bytes32 newVk) external onlyOwner {
        require(commitHash != bytes32(0), "OnChainProposer: commit hash is zero");
        verificationKeys[commitHash][SP1_VERIFIER_ID] = newVk;
        emit VerificationKeyUpgraded("SP1", commitHash, newVk);
    }

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
    ) external onlyOwner {
        require(
            batchNumber == lastCommittedBatch + 1,
            "OnChainProposer: batchNumber is not the immediate successor of lastCommittedBatch"
        );
        require(newStateRoot != bytes32(0), "OnChainProposer: newStateRoot cannot be zero");
        require(lastBlockHash != bytes32(0), "OnChainProposer: lastBlockHash cannot be zero");
        require(
            balanceDiffs.length == 0 && l2MessageRollingHashes.length == 0,
            "OnChainProposer: cross-chain messages are not supported"
        );
        require(commitHash != bytes32(0), "OnChainProposer: commit hash is zero");
        require(
            (!REQUIRE_RISC0_PROOF || verificationKeys[commitHash][RISC0_VERIFIER_ID] != bytes32(0)) &&
                (!REQUIRE_SP1_PROOF || verificationKeys[commitHash][SP1_VERIFIER_ID] != bytes32(0)),
            "OnChainProposer: missing verification key for commit hash"
        );

        // The batch claims to have included the oldest pending privileged transactions; the bridge knows
        // which those are. Consumed here so the next batch is checked against the ones after them.
        if (processedPrivilegedTransactionsRollingHash != bytes32(0)) {
            uint16 count = uint16(bytes2(processedPrivilegedTransactionsRollingHash));
            require(
                ICommonBridge(BRIDGE).getPendingTransactionsVersionedHash(count) ==
                    processedPrivilegedTransactionsRollingHash,
                "OnChainProposer: invalid privileged transactions log"
            );
            ICommonBridge(BRIDGE).removePendingTransactionHashes(count);
        }
        if (withdrawalsLogsMerkleRoot != bytes32(0)) {
            ICommonBridge(BRIDGE).publishWithdrawals(batchNumber, withdrawalsLogsMerkleRoot);
        }

        // Rollup mode: the blob carrying the batch travels in this (EIP-4844) transaction.
        bytes32 blobVersionedHash = blobhash(0);
        if (VALIDIUM) {
            require(blobVersionedHash == 0, "OnChainProposer: L2 running as validium but blob was published");
        } else {
            require(blobVersionedHash != 0, "OnChainProposer: L2 running as rollup but blob was not published");
        }

        batchCommitments[batchNumber] = BatchCommitmentInfo(
            newStateRoot,
            blobVersionedHash,
            processedPrivilegedTransactionsRollingHash,
            withdrawalsLogsMerkleRoot,
            lastBlockHash,
            nonPrivilegedTransactions,
            commitHash
        );
        lastCommittedBatch = batchNumber;
        emit BatchCommitted(newStateRoot);
    }

    /// @notice Verify `risc0BlockProofs.length` batches starting at `firstBatchNumber` with the zk verifiers.
    function verifyBatches(
        uint256 firstBatchNumber,
        bytes[] calldata risc0BlockProofs,
        bytes[] calldata sp1ProofsBytes,
        bytes[] calldata tdxSignatures
    ) external onlyOwner {
        require(!DEV_EXEC_MODE, "OnChainProposer: dev mode, use verifyBatchesExec");
        uint256 count = risc0BlockProofs.length;
        require(count > 0, "OnChainProposer: empty batch array");
        require(
            sp1ProofsBytes.length == count && tdxSignatures.length == count,
            "OnChainProposer: array length mismatch"
        );
        for (uint256 i = 0; i < count; i++) {
            uint256 batchNumber = firstBatchNumber + i;
            bytes memory publicInputs = _startVerification(batchNumber);
            bytes32 commitHash = batchCommitments[batchNumber].commitHash;
            if (REQUIRE_RISC0_PROOF) {
                bytes32 imageId = verificationKeys[commitHash][RISC0_VERIFIER_ID];
                try IRiscZeroVerifier(RISC0_VERIFIER_ADDRESS).verify(risc0BlockProofs[i], imageId, sha256(publicInputs)) {} catch {
                    revert("OnChainProposer: Invalid RISC0 proof failed proof verification");
                }
            }
            if (REQUIRE_SP1_PROOF) {
                bytes32 vk = verificationKeys[commitHash][SP1_VERIFIER_ID];
                try ISP1Verifier(SP1_VERIFIER_ADDRESS).verifyProof(vk, publicInputs, sp1ProofsBytes[i]) {} catch {
                    revert("OnChainProposer: Invalid SP1 proof failed proof verification");
                }
            }
            _finishVerification(batchNumber);
        }
    }

    /// @notice Dev mode only: the Exec backend's "proof" is the public values it computed; they must equal,
    /// byte for byte, the public values rebuilt from the commitment.
    function verifyBatchesExec(uint256 firstBatchNumber, bytes[] calldata publicValues) external onlyOwner {
        require(DEV_EXEC_MODE, "OnChainProposer: Exec proofs are accepted in dev mode only");
        require(publicValues.length > 0, "OnChainProposer: empty batch array");
        for (uint256 i = 0; i < publicValues.length; i++) {
            uint256 batchNumber = firstBatchNumber + i;
            bytes memory expected = _startVerification(batchNumber);
            require(
                keccak256(publicValues[i]) == keccak256(expected),
                "OnChainProposer: public values do not match the batch commitment"
            );
            _finishVerification(batchNumber);
        }
    }

    /// @notice The public values a proof of `batchNumber` must attest, given the last verified batch.
    function publicInputsOf(uint256 batchNumber) external view returns (bytes memory) {
        require(batchNumber == lastVerifiedBatch + 1, "OnChainProposer: batch is not the next to verify");
        return _publicInputs(batchNumber);
    }

    function _startVerification(uint256 batchNumber) private view returns (bytes memory) {
        require(batchNumber == lastVerifiedBatch + 1, "OnChainProposer: batch is not the next to verify");
        require(batchNumber <= lastCommittedBatch, "OnChainProposer: cannot verify an uncommitted batch");
        return _publicInputs(batchNumber);
    }

    function _finishVerification(uint256 batchNumber) private {
        lastVerifiedBatch = batchNumber;
        // The previous commitment is no longer the starting point of any proof.
        delete batchCommitments[batchNumber - 1];
        emit BatchVerified(batchNumber);
    }

    /// @dev ethrex's 256-byte L2 public values: initial state root (last verified batch), final state root,
    /// L1-out messages root, L1-in privileged rolling hash, blob versioned hash, last block hash, chain id,
    /// non-privileged transaction count. Balance diffs and L2-in rolling hashes would follow; none here.
    function _publicInputs(uint256 batchNumber) private view returns (bytes memory) {
        BatchCommitmentInfo storage b = batchCommitments[batchNumber];
        return abi.encodePacked(
            batchCommitments[lastVerifiedBatch].newStateRoot,
            b.newStateRoot,
            b.withdrawalsLogsMerkleRoot,
            b.processedPrivilegedTransactionsRollingHash,
            b.blobVersionedHash,
            b.lastBlockHash,
            bytes32(CHAIN_ID),
            bytes32(b.nonPrivilegedTransactions)
        );
    }
}
