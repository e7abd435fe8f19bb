// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICommonBridgeL2} from "./interfaces/ICommonBridgeL2.sol";
import {IL2ToL1Messenger} from "./interfaces/IL2ToL1Messenger.sol";
import {IERC20L2} from "./interfaces/IERC20L2.sol";

/// @title The L2 bridge: mints deposits (privileged transactions sent by itself) and starts withdrawals.
/// @notice Behaviour after ethrex's CommonBridgeL2
/// (lambdaclass/ethrex commit 018a63dc789bf7313499643bb56fb0aa3e8fe427 crates/l2/contracts/src/l2/CommonBridgeL2.sol):
/// a deposit that cannot be delivered is turned into a withdrawal back to L1 instead of being lost.
/// @dev Placed in the L2 genesis as runtime code at 0x…ffff (no proxy), so it has no constructor or storage.
contract CommonBridgeL2 is ICommonBridgeL2 {
    address public constant L1_MESSENGER = 0x000000000000000000000000000000000000FFFE;
    address public constant BURN_ADDRESS = 0x0000000000000000000000000000000000000000;
    address public constant NATIVE_TOKEN_L2 = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    /// @dev Deposits arrive as privileged transactions whose sender is the bridge itself.
    modifier onlySelf() {
        require(msg.sender == address(this), "CommonBridgeL2: caller is not the bridge");
        _;
    }

    function withdraw(address _receiverOnL1) external payable {
        require(msg.value > 0, "Withdrawal amount must be positive");
        (bool burned, ) = BURN_ADDRESS.call{value: msg.value}("");
        require(burned, "Failed to burn Ether");
        emit WithdrawalInitiated(msg.sender, _receiverOnL1, msg.value);
        _sendToL1(NATIVE_TOKEN_L2, NATIVE_TOKEN_L2, _receiverOnL1, msg.value);
    }

    function mintETH(address to) external payable {
        (bool delivered, ) = to.call{value: msg.value}("");
        if (!delivered) {
            this.withdraw{value: msg.value}(to);
        }
        emit DepositProcessed(to, msg.value);
    }

    function mintERC20(address tokenL1, address tokenL2, address destination, uint256 amount) external onlySelf {
        (bool minted, ) = address(this).call(abi.encodeCall(this.tryMintERC20, (tokenL1, tokenL2, destination, amount)));
        if (!minted) {
            _sendToL1(tokenL1, tokenL2, destination, amount);
        }
        emit ERC20DepositProcessed(tokenL1, tokenL2, destination, amount);
    }

    function tryMintERC20(address tokenL1, address tokenL2, address destination, uint256 amount) external onlySelf {
        IERC20L2 token = IERC20L2(tokenL2);
        require(token.l1Address() == tokenL1, "CommonBridgeL2: token L1 address mismatch");
        token.crosschainMint(destination, amount);
    }

    function withdrawERC20(address tokenL1, address tokenL2, address destination, uint256 amount) external {
        require(amount > 0, "Withdrawal amount must be positive");
        IERC20L2(tokenL2).crosschainBurn(msg.sender, amount);
        emit ERC20WithdrawalInitiated(tokenL1, tokenL2, destination, amount);
        _sendToL1(tokenL1, tokenL2, destination, amount);
    }

    /// @dev The message a claim on L1 must reproduce: token on L1 ‖ token on L2 ‖ receiver ‖ amount.
    function _sendToL1(address tokenL1, address tokenL2, address receiver, uint256 amount) private {
        IL2ToL1Messenger(L1_MESSENGER).sendMessageToL1(keccak256(abi.encodePacked(tokenL1, tokenL2, receiver, amount)));
    }
}
