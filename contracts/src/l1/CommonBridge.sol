// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICommonBridge} from "./interfaces/ICommonBridge.sol";
import {IOnChainProposer} from "./interfaces/IOnChainProposer.sol";
import {ICommonBridgeL2} from "../l2/interfaces/ICommonBridgeL2.sol";
import {IERC20} from "../lib/IERC20.sol";
import {SafeTransfer} from "../lib/SafeTransfer.sol";
import {MerkleProofLib} from "../lib/MerkleProofLib.sol";

/// @title The L1 side of the bridge: deposits in, withdrawals out.
/// @notice Behaviour after ethrex's CommonBridge
/// (lambdaclass/ethrex commit 00542be0ec72577628768b2829bc0a15f5ad3dde crates/l2/contracts/src/l1/CommonBridge.sol):
/// every deposit becomes a privileged transaction whose hash is queued here; the OnChainProposer consumes the
/// queue in order when a batch claims to have processed it; a withdrawal is paid once, against the
/// L1-messages Merkle root of a batch that was committed and verified. ETH is the native token.
contract CommonBridge is ICommonBridge {
    using SafeTransfer for IERC20;

    /// @notice The L2 bridge (ethrex's fixed system address); sender and recipient of deposit transactions.
    address public constant L2_BRIDGE_ADDRESS = address(0xffff);
    /// @notice Stands for the L2's native token (ETH) in `deposits` and withdrawal messages.
    address public constant NATIVE_TOKEN_L2 = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    /// @dev ethrex's constant for aliasing L1 contracts that send to L2 (not Optimism's on purpose).
    uint256 internal constant ADDRESS_ALIASING = uint256(uint160(0xEe110000000000000000000000000000000011Ff));
    /// @dev Gas the L2 gets for a deposit's mint call, paid on L1 by burning it (as ethrex: 21000 * 5).
    uint256 internal constant DEPOSIT_GAS_LIMIT = 21000 * 5;

    address public owner;
    address public ON_CHAIN_PROPOSER;
    /// @notice L1 block where the bridge started; the L2 watcher reads logs from here.
    uint256 public lastFetchedL1Block;
    /// @notice Id of the next privileged transaction (the L2 transaction's nonce).
    uint256 public transactionId;
    /// @notice Hashes of every privileged transaction sent; those from `pendingPrivilegedTxIndex` on are pending.
    bytes32[] public pendingTxHashes;
    uint256 internal pendingPrivilegedTxIndex;
    /// @notice L1-messages Merkle root of each committed batch that sent messages.
    mapping(uint256 => bytes32) public batchWithdrawalLogsMerkleRoots;
    /// @notice Withdrawal message ids already paid.
    mapping(uint256 => bool) public claimedWithdrawalIDs;
    /// @notice Amount bridged per (L1 token, L2 token); a withdrawal can never take out more than went in.
    mapping(address => mapping(address => uint256)) public deposits;

    modifier onlyOnChainProposer() {
        require(msg.sender == ON_CHAIN_PROPOSER, "CommonBridge: caller is not the OnChainProposer");
        _;
    }

    constructor(address owner_) {
        require(owner_ != address(0), "CommonBridge: owner is the zero address");
        owner = owner_;
        lastFetchedL1Block = block.number;
    }

    /// @notice Set once, by the owner: the two contracts need each other's address.
    function initializeOnChainProposer(address onChainProposer) external {
        require(msg.sender == owner, "CommonBridge: caller is not the owner");
        require(ON_CHAIN_PROPOSER == address(0), "CommonBridge: OnChainProposer already set");
        require(onChainProposer != address(0), "CommonBridge: onChainProposer is the zero address");
        ON_CHAIN_PROPOSER = onChainProposer;
    }

    function getPendingTransactionHashes() external view returns (bytes32[] memory hashes) {
        hashes = new bytes32[](_pendingCount());
        for (uint256 i = 0; i < hashes.length; i++) hashes[i] = pendingTxHashes[pendingPrivilegedTxIndex + i];
    }

    function sendToL2(SendValues calldata sendValues) external {
        _sendToL2(_senderAlias(), sendValues);
    }

    function deposit(uint256 _amount, address l2Recipient) public payable {
        require(msg.value > 0, "CommonBridge: the native token is ETH, msg.value must be greater than zero");
        require(_amount == 0, "CommonBridge: the native token is ETH, _amount must be zero");
        deposits[NATIVE_TOKEN_L2][NATIVE_TOKEN_L2] += msg.value;
        _sendToL2(
            L2_BRIDGE_ADDRESS,
            SendValues({
                to: L2_BRIDGE_ADDRESS,
                gasLimit: DEPOSIT_GAS_LIMIT,
                value: msg.value,
                data: abi.encodeCall(ICommonBridgeL2.mintETH, (l2Recipient))
            })
        );
    }

    receive() external payable {
        deposit(0, msg.sender);
    }

    function depositERC20(address tokenL1, address tokenL2, address destination, uint256 amount) external {
        require(amount > 0, "CommonBridge: amount to deposit is zero");
        require(tokenL1 != NATIVE_TOKEN_L2, "CommonBridge: tokenL1 is the native token address, use deposit() instead");
        deposits[tokenL1][tokenL2] += amount;
        IERC20(tokenL1).safeTransferFrom(msg.sender, address(this), amount);
        _sendToL2(
            L2_BRIDGE_ADDRESS,
            SendValues({
                to: L2_BRIDGE_ADDRESS,
                gasLimit: DEPOSIT_GAS_LIMIT,
                value: 0,
                data: abi.encodeCall(ICommonBridgeL2.mintERC20, (tokenL1, tokenL2, destination, amount))
            })
        );
    }

    /// @notice ethrex's "versioned hash" of the first `number` pending privileged transactions: the count in
    /// the top two bytes, then the low 30 bytes of keccak256 of their hashes concatenated. The L2 guest
    /// computes the same value from the transactions it executed.
    function getPendingTransactionsVersionedHash(uint16 number) public view returns (bytes32) {
        require(number > 0, "CommonBridge: number is zero (get)");
        require(uint256(number) <= _pendingCount(), "CommonBridge: number is greater than the length of pendingTxHashes (get)");
        bytes memory hashes;
        for (uint256 i = 0; i < number; i++) {
            hashes = bytes.concat(hashes, pendingTxHashes[pendingPrivilegedTxIndex + i]);
        }
        return bytes32(bytes2(number)) | bytes32(uint256(uint240(uint256(keccak256(hashes)))));
    }

    function removePendingTransactionHashes(uint16 number) external onlyOnChainProposer {
        require(uint256(number) <= _pendingCount(), "CommonBridge: number is greater than the length of pendingTxHashes (remove)");
        pendingPrivilegedTxIndex += number;
    }

    function getWithdrawalLogsMerkleRoot(uint256 batchNumber) external view returns (bytes32) {
        return batchWithdrawalLogsMerkleRoots[batchNumber];
    }

    function publishWithdrawals(uint256 withdrawalLogsBatchNumber, bytes32 withdrawalsLogsMerkleRoot) external onlyOnChainProposer {
        require(
            batchWithdrawalLogsMerkleRoots[withdrawalLogsBatchNumber] == bytes32(0),
            "CommonBridge: withdrawal logs already published"
        );
        batchWithdrawalLogsMerkleRoots[withdrawalLogsBatchNumber] = withdrawalsLogsMerkleRoot;
        emit WithdrawalsPublished(withdrawalLogsBatchNumber, withdrawalsLogsMerkleRoot);
    }

    function claimWithdrawal(
        uint256 claimedAmount,
        uint256 withdrawalBatchNumber,
        uint256 withdrawalMessageId,
        bytes32[] calldata withdrawalProof
    ) external {
        _claim(NATIVE_TOKEN_L2, NATIVE_TOKEN_L2, claimedAmount, withdrawalBatchNumber, withdrawalMessageId, withdrawalProof);
        (bool ok, ) = payable(msg.sender).call{value: claimedAmount}("");
        require(ok, "CommonBridge: failed to send the claimed amount");
    }

    function claimWithdrawalERC20(
        address tokenL1,
        address tokenL2,
        uint256 claimedAmount,
        uint256 withdrawalBatchNumber,
        uint256 withdrawalMessageId,
        bytes32[] calldata withdrawalProof
    ) external {
        require(tokenL1 != NATIVE_TOKEN_L2, "CommonBridge: attempted to withdraw ETH as if it were ERC20, use claimWithdrawal()");
        _claim(tokenL1, tokenL2, claimedAmount, withdrawalBatchNumber, withdrawalMessageId, withdrawalProof);
        IERC20(tokenL1).safeTransfer(msg.sender, claimedAmount);
    }

    /// @dev All checks and state changes before any transfer, so a re-entering recipient finds the id claimed.
    function _claim(
        address tokenL1,
        address tokenL2,
        uint256 claimedAmount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) private {
        bytes32 root = batchWithdrawalLogsMerkleRoots[batchNumber];
        require(root != bytes32(0), "CommonBridge: the batch that emitted the withdrawal logs was not committed");
        require(
            batchNumber <= IOnChainProposer(ON_CHAIN_PROPOSER).lastVerifiedBatch(),
            "CommonBridge: the batch that emitted the withdrawal logs was not verified"
        );
        require(!claimedWithdrawalIDs[messageId], "CommonBridge: the withdrawal was already claimed");
        // The message the L2 bridge sent to L1 (CommonBridgeL2), then the leaf ethrex's L1Message encodes:
        // sender (the L2 bridge) ‖ message ‖ message id.
        bytes32 message = keccak256(abi.encodePacked(tokenL1, tokenL2, msg.sender, claimedAmount));
        bytes32 leaf = keccak256(abi.encodePacked(L2_BRIDGE_ADDRESS, message, messageId));
        require(MerkleProofLib.verify(proof, root, leaf), "CommonBridge: Invalid proof");
        require(
            deposits[tokenL1][tokenL2] >= claimedAmount,
            "CommonBridge: trying to withdraw more tokens/ETH than were deposited"
        );
        deposits[tokenL1][tokenL2] -= claimedAmount;
        claimedWithdrawalIDs[messageId] = true;
        emit WithdrawalClaimed(messageId);
    }

    function _sendToL2(address from, SendValues memory v) private {
        _burnGas(v.gasLimit);
        // ethrex's privileged-transaction hash: from ‖ to ‖ id ‖ value ‖ gas limit ‖ keccak(data).
        bytes32 txHash = keccak256(
            bytes.concat(
                bytes20(from),
                bytes20(v.to),
                bytes32(transactionId),
                bytes32(v.value),
                bytes32(v.gasLimit),
                keccak256(v.data)
            )
        );
        pendingTxHashes.push(txHash);
        emit PrivilegedTxSent(msg.sender, from, v.to, transactionId, v.value, v.gasLimit, v.data);
        transactionId += 1;
    }

    /// @dev The L1 pays for the L2 gas it asks for by burning at least as much here.
    function _burnGas(uint256 amount) private view {
        uint256 start = gasleft();
        while (start - gasleft() < amount) {}
    }

    /// @dev EOAs keep their address on L2; contracts are aliased so they cannot impersonate an L2 contract.
    function _senderAlias() private view returns (address) {
        if (msg.sender == tx.origin) return msg.sender;
        return address(uint160(uint256(uint160(msg.sender)) + ADDRESS_ALIASING));
    }

    function _pendingCount() private view returns (uint256) {
        return pendingTxHashes.length - pendingPrivilegedTxIndex;
    }
}
