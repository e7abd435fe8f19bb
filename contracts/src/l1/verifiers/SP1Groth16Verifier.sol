// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BN254} from "./BN254.sol";
import {SP1Verifier} from "./SP1Verifier.sol";

/// @title gnark's BN254 Groth16, as SP1's Groth16Verifier.sol checks it, for one release's key.
/// @notice body = uint256[8]: A (x, y), B (x imaginary, x real, y imaginary, y real), C (x, y);
/// holds when e(A, B) · e(C, −δ) · e(α, −β) · e(L, −γ) = 1 with L = K0 + Σ input_i · K_{i+1}.
abstract contract SP1Groth16Verifier is SP1Verifier {
    /// @dev G2 points as [x imaginary, x real, y imaginary, y real] (EIP-197 order).
    struct Groth16Key {
        uint256[2] alpha;
        uint256[4] betaNeg;
        uint256[4] gammaNeg;
        uint256[4] deltaNeg;
        uint256[2][] ic;
    }

    function _key() internal pure virtual returns (Groth16Key memory);

    function _bodyLength() internal pure override returns (uint256) {
        return 256;
    }

    function _holds(bytes calldata body, uint256[] memory inputs) internal view override returns (bool) {
        Groth16Key memory k = _key();
        require(inputs.length + 1 == k.ic.length, "SP1Groth16Verifier: wrong number of public inputs");
        uint256[8] memory p = abi.decode(body, (uint256[8]));
        uint256[2] memory l = k.ic[0];
        for (uint256 i = 0; i < inputs.length; i++) {
            if (inputs[i] != 0) l = BN254.add(l, BN254.mul(k.ic[i + 1], inputs[i]));
        }
        uint256[] memory pairs = new uint256[](24);
        _put(pairs, 0, [p[0], p[1]], [p[2], p[3], p[4], p[5]]);
        _put(pairs, 6, [p[6], p[7]], k.deltaNeg);
        _put(pairs, 12, k.alpha, k.betaNeg);
        _put(pairs, 18, l, k.gammaNeg);
        return BN254.pairingIsOne(pairs);
    }

    function _put(uint256[] memory pairs, uint256 offset, uint256[2] memory g1, uint256[4] memory g2) private pure {
        pairs[offset] = g1[0];
        pairs[offset + 1] = g1[1];
        for (uint256 i = 0; i < 4; i++) pairs[offset + 2 + i] = g2[i];
    }
}
