// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "../lib/ERC20.sol";
import {IERC20L2} from "./interfaces/IERC20L2.sol";

/// @title An ERC-20 on L2 backed by a token locked in the L1 bridge; only the L2 bridge mints and burns it.
contract L2Token is ERC20, IERC20L2 {
    address public constant BRIDGE = 0x000000000000000000000000000000000000FFff;
    address public immutable l1Address;

    constructor(address l1Address_) ERC20("Tessera Test Token (L2)", "TTT") {
        l1Address = l1Address_;
    }

    modifier onlyBridge() {
        require(msg.sender == BRIDGE, "L2Token: caller is not the bridge");
        _;
    }

    function crosschainMint(address to, uint256 amount) external onlyBridge {
        _mint(to, amount);
    }

    function crosschainBurn(address from, uint256 amount) external onlyBridge {
        _burn(from, amount);
    }
}
