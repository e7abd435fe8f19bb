// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The L1 bridge, ABI-compatible with ethrex's ICommonBridge for the functions Tessera implements
/// (lambdaclass/ethrex commit 00542be0ec72577628768b2829bc0a15f5ad3dde crates/l2/contracts/src/l1/interfaces/ICommonBridge.sol).
/// Cross-chain (L2 to L2) messaging and the shared-bridge router are not implemented.
interface ICommonBridge {
    /// @notice The event the L2 sequencer watches: one privileged transaction to include on L2.
    event PrivilegedTxSent(
        address indexed l1From,
        address from,
        address to,
        uint256 transactionId,
        uint256 value,
        uint256 gasLimit,
        bytes data
    );
    event WithdrawalsPublished(uint256 indexed withdrawalLogsBatchNumber, bytes32 indexed withdrawalsLogsMerkleRoot);
    event WithdrawalClaimed(uint256 indexed withdrawalId);

    struct SendValues {
        address to;
        uint256 gasLimit;
        uint256 value;
        bytes data;
    }

    /// @dev Shapes of ethrex's cross-chain accounting (lambdaclass/ethrex commit 00362bf16e0e4ed7ffadeb92aa4cabdd78ecc9b6 
    /// crates/l2/contracts/src/l1/OnChainProposer.sol uses them in commitBatch). Tessera requires them empty.
    struct AssetDiff {
        address tokenL1;
        address tokenL2;
        address destTokenL2;
        uint256 value;
    }

    struct BalanceDiff {
        uint256 chainId;
        uint256 value;
        AssetDiff[] assetDiffs;
        bytes32[] message_hashes;
    }

    struct L2MessageRollingHash {
        uint256 chainId;
        bytes32 rollingHash;
    }

    function getPendingTransactionHashes() external view returns (bytes32[] memory);
    function sendToL2(SendValues calldata sendValues) external;
    function deposit(uint256 _amount, address l2Recipient) external payable;
    function depositERC20(address tokenL1, address tokenL2, address destination, uint256 amount) external;
    function getPendingTransactionsVersionedHash(uint16 number) external view returns (bytes32);
    function removePendingTransactionHashes(uint16 number) external;
    function getWithdrawalLogsMerkleRoot(uint256 batchNumber) external view returns (bytes32);
    function publishWithdrawals(uint256 withdrawalLogsBatchNumber, bytes32 withdrawalsLogsMerkleRoot) external;
    function claimWithdrawal(
        uint256 claimedAmount,
        uint256 withdrawalBatchNumber,
        uint256 withdrawalMessageId,
        bytes32[] calldata withdrawalProof
    ) external;
    function claimWithdrawalERC20(
        address tokenL1,
        address tokenL2,
        uint256 claimedAmount,
        uint256 withdrawalBatchNumber,
        uint256 withdrawalMessageId,
        bytes32[] calldata withdrawalProof
    ) external;
}
