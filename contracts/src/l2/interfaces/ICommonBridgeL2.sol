// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The L2 bridge at 0x…ffff, ABI-compatible with ethrex's ICommonBridgeL2 for deposits and withdrawals
/// (lambdaclass/ethrex commit 018a63dc789bf7313499643bb56fb0aa3e8fe427 crates/l2/contracts/src/l2/CommonBridgeL2.sol).
interface ICommonBridgeL2 {
    event DepositProcessed(address indexed receiver, uint256 amount);
    event ERC20DepositProcessed(address indexed tokenL1, address indexed tokenL2, address indexed receiver, uint256 amount);
    event WithdrawalInitiated(address indexed senderOnL2, address indexed receiverOnL1, uint256 indexed amount);
    event ERC20WithdrawalInitiated(address indexed tokenL1, address indexed tokenL2, address indexed receiverOnL1, uint256 amount);

    function withdraw(address _receiverOnL1) external payable;
    function mintETH(address to) external payable;
    function mintERC20(address tokenL1, address tokenL2, address destination, uint256 amount) external;
    function withdrawERC20(address tokenL1, address tokenL2, address destination, uint256 amount) external;
}
