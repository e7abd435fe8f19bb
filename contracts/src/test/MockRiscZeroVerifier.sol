// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRiscZeroVerifier} from "../l1/interfaces/IRiscZeroVerifier.sol";

/// @notice Test double for the OnChainProposer's RISC0 wiring: accepts exactly the seal
/// abi.encode(imageId, journalDigest), so a test can check which image id and journal digest the proposer asks
/// about without a real Groth16 proof. Never deployed outside tests.
contract MockRiscZeroVerifier is IRiscZeroVerifier {
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external pure {
        require(keccak256(seal) == keccak256(abi.encode(imageId, journalDigest)), "MockRiscZeroVerifier: rejected");
    }
}
