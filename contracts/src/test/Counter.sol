// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A contract the L2 devnet calls (storage writes, a log, and a call that reverts on purpose).
contract Counter {
    uint256 public count;
    event Incremented(address indexed by, uint256 count);

    function increment() external {
        count += 1;
        emit Incremented(msg.sender, count);
    }

    function failIfOdd() external view {
        require(count % 2 == 0, "Counter: odd");
    }
}
