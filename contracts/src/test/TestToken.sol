// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "../lib/ERC20.sol";

/// @notice The L1 side of the devnet's bridged ERC-20: a fixed supply minted to the deployer.
contract TestToken is ERC20 {
    constructor(uint256 supply) ERC20("Tessera Test Token", "TTT") {
        _mint(msg.sender, supply);
    }
}
