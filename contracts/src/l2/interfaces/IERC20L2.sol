// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../../lib/IERC20.sol";

/// @notice What the L2 bridge needs from a bridged token (ethrex's IERC20L2: l1Address, crosschainMint/Burn).
interface IERC20L2 is IERC20 {
    function l1Address() external view returns (address);
    function crosschainMint(address to, uint256 amount) external;
    function crosschainBurn(address from, uint256 amount) external;
}
