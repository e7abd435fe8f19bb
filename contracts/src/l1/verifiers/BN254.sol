// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title BN254 arithmetic through the EVM precompiles (EIP-196, EIP-197, EIP-198).
/// @notice Each call reverts when the precompile refuses its input (a coordinate not below the field
/// modulus, a point off the curve, a G2 point outside the subgroup).
library BN254 {
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    function add(uint256[2] memory a, uint256[2] memory b) internal view returns (uint256[2] memory) {
        (bool ok, bytes memory out) = address(0x06).staticcall(abi.encode(a[0], a[1], b[0], b[1]));
        require(ok && out.length == 64, "BN254: ecAdd refused a point");
        return abi.decode(out, (uint256[2]));
    }

    function mul(uint256[2] memory a, uint256 s) internal view returns (uint256[2] memory) {
        (bool ok, bytes memory out) = address(0x07).staticcall(abi.encode(a[0], a[1], s));
        require(ok && out.length == 64, "BN254: ecMul refused a point");
        return abi.decode(out, (uint256[2]));
    }

    function neg(uint256[2] memory a) internal pure returns (uint256[2] memory) {
        if (a[0] == 0 && a[1] == 0) return a;
        return [a[0], P - (a[1] % P)];
    }

    /// @dev `pairs` is a list of (G1 x, G1 y, G2 x imaginary, G2 x real, G2 y imaginary, G2 y real).
    function pairingIsOne(uint256[] memory pairs) internal view returns (bool) {
        (bool ok, bytes memory out) = address(0x08).staticcall(abi.encodePacked(pairs));
        require(ok && out.length == 32, "BN254: pairing refused a point");
        return abi.decode(out, (uint256)) == 1;
    }

    function pow(uint256 b, uint256 e) internal view returns (uint256) {
        (bool ok, bytes memory out) = address(0x05).staticcall(abi.encode(32, 32, 32, b, e, R));
        require(ok && out.length == 32, "BN254: modexp failed");
        return abi.decode(out, (uint256));
    }

    /// @dev 0 for 0, as modexp(x, r-2) gives it.
    function inv(uint256 x) internal view returns (uint256) {
        return pow(x, R - 2);
    }
}
