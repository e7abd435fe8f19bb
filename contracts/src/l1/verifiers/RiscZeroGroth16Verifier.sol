// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRiscZeroVerifier} from "../interfaces/IRiscZeroVerifier.sol";
// Generated at build time by scripts/build-contracts.mjs from src/verify/keys.json (risc0-ethereum's key) with
// snarkjs' verifier_groth16.sol.ejs template; not committed.
import {Groth16Verifier} from "../../../generated/Groth16Verifier.sol";

/// @title Verifies a RISC Zero Groth16 receipt for (image id, journal digest).
/// @notice Follows the receipt-claim hashing of risc0/risc0-ethereum
/// (contracts/src/IRiscZeroVerifier.sol commit 0c83b6106bf024dd34998efb5408cf97dcc54803  tagged SHA-256 structs;
/// contracts/src/groth16/RiscZeroGroth16Verifier.sol commit 030dcbd3daab0ad33cda11ade1a7c8d1557503a5  digests split
/// into byte-reversed 128-bit halves as circuit inputs). The claim is "halted with exit code 0, no input,
/// no assumptions", which is what a zkVM guest that finished normally proves.
contract RiscZeroGroth16Verifier is IRiscZeroVerifier, Groth16Verifier {
    /// @dev Digest of the all-zero system state a halted guest ends in (risc0's SYSTEM_STATE_ZERO_DIGEST).
    bytes32 internal constant SYSTEM_STATE_ZERO_DIGEST = 0xa3acc27117418996340b84e5a90f3ef4c49d22c79e44aad822ec9c313e1eb8e2;

    bytes16 public immutable CONTROL_ID_0;
    bytes16 public immutable CONTROL_ID_1;
    bytes32 public immutable BN254_CONTROL_ID;
    /// @notice First 4 bytes of the digest of this verifier's parameters (control root, BN254 control id,
    /// verifying key): what risc0-ethereum's encode_seal prefixes a seal with for this release, and the
    /// RiscZeroVerifierRouter's route (risc0-ethereum contracts/src/groth16/RiscZeroGroth16Verifier.sol).
    bytes4 public immutable SELECTOR;

    struct Seal {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    constructor(bytes32 controlRoot, bytes32 bn254ControlId) {
        (CONTROL_ID_0, CONTROL_ID_1) = _splitDigest(controlRoot);
        BN254_CONTROL_ID = bn254ControlId;
        // Groth16ReceiptVerifierParameters digest; the control id enters with its bytes reversed.
        SELECTOR = bytes4(_tagged("risc0.Groth16ReceiptVerifierParameters", abi.encodePacked(controlRoot, bytes32(_reverseBytes(uint256(bn254ControlId))), _verifyingKeyDigest()), 3));
    }

    /// @notice Reverts unless `seal` (this release's 4-byte selector, then the ABI-encoded Groth16 proof)
    /// proves the claim.
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        require(seal.length == 4 + 256, "RiscZeroGroth16Verifier: seal has the wrong length");
        require(bytes4(seal[:4]) == SELECTOR, "RiscZeroGroth16Verifier: seal selector is not this verifier's");
        (bytes16 claim0, bytes16 claim1) = _splitDigest(claimDigest(imageId, journalDigest));
        Seal memory s = abi.decode(seal[4:], (Seal));
        bool ok = this.verifyProof(
            s.a,
            s.b,
            s.c,
            [
                uint256(uint128(CONTROL_ID_0)),
                uint256(uint128(CONTROL_ID_1)),
                uint256(uint128(claim0)),
                uint256(uint128(claim1)),
                uint256(BN254_CONTROL_ID)
            ]
        );
        require(ok, "RiscZeroGroth16Verifier: invalid proof");
    }

    /// @notice The receipt-claim digest of a normal halt of `imageId` with journal digest `journalDigest`.
    function claimDigest(bytes32 imageId, bytes32 journalDigest) public pure returns (bytes32) {
        bytes32 output = sha256(abi.encodePacked(sha256("risc0.Output"), journalDigest, bytes32(0), uint16(2) << 8));
        return sha256(
            abi.encodePacked(
                sha256("risc0.ReceiptClaim"),
                bytes32(0), // input: unused, must be zero
                imageId, // pre-state digest
                SYSTEM_STATE_ZERO_DIGEST, // post-state digest
                output,
                uint32(0) << 24, // exit code, system part: Halted
                uint32(0) << 24, // exit code, user part: 0
                uint16(4) << 8
            )
        );
    }

    /// @dev risc0's tagged struct: sha256(sha256(tag) ‖ down digests ‖ u16 little-endian count of them).
    function _tagged(string memory tag, bytes memory down, uint16 count) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(sha256(bytes(tag)), down, uint16(count << 8 | count >> 8)));
    }

    /// @dev risc0_groth16.VerifyingKey digest of the key the generated Groth16Verifier holds.
    function _verifyingKeyDigest() internal pure returns (bytes32) {
        bytes32[6] memory ic = [
            sha256(abi.encodePacked(IC0x, IC0y)),
            sha256(abi.encodePacked(IC1x, IC1y)),
            sha256(abi.encodePacked(IC2x, IC2y)),
            sha256(abi.encodePacked(IC3x, IC3y)),
            sha256(abi.encodePacked(IC4x, IC4y)),
            sha256(abi.encodePacked(IC5x, IC5y))
        ];
        bytes32 list = bytes32(0);
        for (uint256 i = ic.length; i > 0; i--) list = _tagged("risc0_groth16.VerifyingKey.IC", abi.encodePacked(ic[i - 1], list), 2);
        return _tagged(
            "risc0_groth16.VerifyingKey",
            abi.encodePacked(
                sha256(abi.encodePacked(alphax, alphay)),
                sha256(abi.encodePacked(betax1, betax2, betay1, betay2)),
                sha256(abi.encodePacked(gammax1, gammax2, gammay1, gammay2)),
                sha256(abi.encodePacked(deltax1, deltax2, deltay1, deltay2)),
                list
            ),
            5
        );
    }

    /// @dev The circuit takes a digest as two 128-bit words: the digest's bytes reversed, low half first.
    function _splitDigest(bytes32 digest) internal pure returns (bytes16, bytes16) {
        uint256 r = _reverseBytes(uint256(digest));
        return (bytes16(uint128(r)), bytes16(uint128(r >> 128)));
    }

    function _reverseBytes(uint256 v) internal pure returns (uint256 r) {
        for (uint256 i = 0; i < 32; i++) {
            r = (r << 8) | (v & 0xff);
            v >>= 8;
        }
    }
}
