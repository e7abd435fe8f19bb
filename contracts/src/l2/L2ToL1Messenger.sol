// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IL2ToL1Messenger} from "./interfaces/IL2ToL1Messenger.sol";

/// @title Numbers messages to L1 and logs them; the id makes each withdrawal claimable once.
/// @dev Placed in the L2 genesis as runtime code at 0x…fffe; `lastMessageId` lives in slot 0.
contract L2ToL1Messenger is IL2ToL1Messenger {
    uint256 public lastMessageId;

    function sendMessageToL1(bytes32 data) external {
        lastMessageId += 1;
        emit L1Message(msg.sender, data, lastMessageId);
    }
}
