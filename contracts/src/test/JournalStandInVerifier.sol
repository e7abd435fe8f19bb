// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRiscZeroVerifier} from "../l1/interfaces/IRiscZeroVerifier.sol";
import {ISP1Verifier} from "../l1/interfaces/ISP1Verifier.sol";

/// @notice Test double that lets a real third-party proof stand in for an L2 batch's proof. OnChainProposer's
/// batch public values can never equal a real proof's journal, so the test registers one translation: "the
/// public values of batch n" -> "the real proof's journal". Everything else OnChainProposer passes (seal or
/// proof bytes, image id or program vkey) goes to the real verifier (router / gateway) unchanged, and any other
/// public values are refused: the call succeeds only if the proposer handed over exactly the registered public
/// values and a program id the real proof was made for. Never deployed outside tests.
contract JournalStandInVerifier is IRiscZeroVerifier, ISP1Verifier {
    IRiscZeroVerifier public immutable risc0;
    ISP1Verifier public immutable sp1;
    mapping(bytes32 batchDigest => bytes32 realJournalDigest) public risc0StandIn;
    mapping(bytes32 batchValuesHash => bytes realPublicValues) public sp1StandIn;

    constructor(IRiscZeroVerifier risc0_, ISP1Verifier sp1_) {
        risc0 = risc0_;
        sp1 = sp1_;
    }

    function standInRisc0(bytes32 batchJournalDigest, bytes32 realJournalDigest) external {
        risc0StandIn[batchJournalDigest] = realJournalDigest;
    }

    function standInSp1(bytes calldata batchPublicValues, bytes calldata realPublicValues) external {
        sp1StandIn[keccak256(batchPublicValues)] = realPublicValues;
    }

    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        bytes32 real = risc0StandIn[journalDigest];
        require(real != bytes32(0), "JournalStandInVerifier: not the registered journal digest");
        risc0.verify(seal, imageId, real);
    }

    function verifyProof(bytes32 programVKey, bytes calldata publicValues, bytes calldata proofBytes) external view {
        bytes memory real = sp1StandIn[keccak256(publicValues)];
        require(real.length != 0, "JournalStandInVerifier: not the registered public values");
        sp1.verifyProof(programVKey, real, proofBytes);
    }
}
