// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The L2-to-L1 messenger at 0x…fffe, ABI-compatible with ethrex's
/// (lambdaclass/ethrex commit 018a63dc789bf7313499643bb56fb0aa3e8fe427 crates/l2/contracts/src/l2/L2ToL1Messenger.sol).
/// Its `L1Message` logs are what the L2 guest collects into the L1-out messages Merkle root.
interface IL2ToL1Messenger {
    event L1Message(address indexed senderOnL2, bytes32 indexed data, uint256 indexed messageId);

    function sendMessageToL1(bytes32 data) external;
}
