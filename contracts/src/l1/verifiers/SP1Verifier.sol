// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISP1VerifierWithHash} from "../interfaces/ISP1Verifier.sol";
import {BN254} from "./BN254.sol";

/// @title What every SP1 release's verifier checks around its proof system.
/// @notice As succinctlabs/sp1-contracts' SP1Verifier{Groth16,Plonk}.verifyProof (contracts/src/v*/):
///   before v6: proofBytes = selector ‖ body,                          inputs [vkey, pvDigest]
///   v6 on:     proofBytes = selector ‖ exitCode ‖ vkRoot ‖ nonce ‖ body, inputs [vkey, pvDigest, exitCode, vkRoot, nonce]
/// with pvDigest = sha256(publicValues) with its top 3 bits cleared. Unlike sp1-contracts, trailing bytes after
/// the body are refused (Tessera's off-chain verifier refuses them too). Release contracts are generated from
/// the verifying keys by scripts/build-contracts.mjs (contracts/generated/sp1/).
abstract contract SP1Verifier is ISP1VerifierWithHash {
    error WrongVerifierSelector(bytes4 received, bytes4 expected);
    error WrongProofLength(uint256 received, uint256 expected);
    error InvalidExitCode();
    error InvalidVkRoot();
    error PublicInputNotInField();
    error InvalidProof();

    function VERSION() external pure virtual returns (string memory);
    function VERIFIER_HASH() public pure virtual returns (bytes32);
    /// @notice The recursion vk root a v6+ proof must carry; zero for earlier releases (no header).
    function VK_ROOT() public pure virtual returns (bytes32);

    function _bodyLength() internal pure virtual returns (uint256);
    function _holds(bytes calldata body, uint256[] memory inputs) internal view virtual returns (bool);

    function hashPublicValues(bytes calldata publicValues) public pure returns (bytes32) {
        return sha256(publicValues) & bytes32(uint256((1 << 253) - 1));
    }

    function verifyProof(bytes32 programVKey, bytes calldata publicValues, bytes calldata proofBytes) external view {
        bytes4 expected = bytes4(VERIFIER_HASH());
        if (proofBytes.length < 4 || bytes4(proofBytes[:4]) != expected) {
            revert WrongVerifierSelector(proofBytes.length < 4 ? bytes4(0) : bytes4(proofBytes[:4]), expected);
        }
        bool hasHeader = VK_ROOT() != bytes32(0);
        uint256 bodyStart = hasHeader ? 100 : 4;
        if (proofBytes.length != bodyStart + _bodyLength()) revert WrongProofLength(proofBytes.length, bodyStart + _bodyLength());
        uint256[] memory inputs = new uint256[](hasHeader ? 5 : 2);
        inputs[0] = uint256(programVKey);
        inputs[1] = uint256(hashPublicValues(publicValues));
        if (hasHeader) {
            inputs[2] = uint256(bytes32(proofBytes[4:36]));
            inputs[3] = uint256(bytes32(proofBytes[36:68]));
            inputs[4] = uint256(bytes32(proofBytes[68:100]));
            if (inputs[2] != 0) revert InvalidExitCode();
            if (inputs[3] != uint256(VK_ROOT())) revert InvalidVkRoot();
        }
        for (uint256 i = 0; i < inputs.length; i++) {
            if (inputs[i] >= BN254.R) revert PublicInputNotInField();
        }
        if (!_holds(proofBytes[bodyStart:], inputs)) revert InvalidProof();
    }
}
