// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BN254} from "./BN254.sol";
import {SP1Verifier} from "./SP1Verifier.sol";

/// @title gnark's PLONK over BN254 with one BSB22 commitment, as SP1's PlonkVerifier.sol checks it.
/// @notice Same Fiat–Shamir transcript (sha256; each challenge hashed unreduced into the next), linearisation
/// and batched KZG opening as the gnark-generated verifier SP1 ships (succinctlabs/sp1-contracts
/// contracts/src/v*/PlonkVerifier.sol), written out in plain Solidity over the precompiles. Tessera's
/// off-chain twin is src/verify/sp1Plonk.ts. Body (0x360 bytes, 32-byte words):
///   [L] [R] [O] [H0] [H1] [H2]  l(ζ) r(ζ) o(ζ) s1(ζ) s2(ζ)  [Z] z(ωζ)  [W_ζ] [W_ωζ]  qcp0(ζ)  [BSB0]
abstract contract SP1PlonkVerifier is SP1Verifier {
    uint256 private constant R = BN254.R;

    /// @dev G2 points as [x imaginary, x real, y imaginary, y real] (EIP-197 order).
    struct PlonkKey {
        uint256 nbPublicInputs;
        uint256 domainSize;
        uint256 invDomainSize;
        uint256 omega;
        uint256 cosetShift;
        uint256[2] ql;
        uint256[2] qr;
        uint256[2] qm;
        uint256[2] qo;
        uint256[2] qk;
        uint256[2] s1;
        uint256[2] s2;
        uint256[2] s3;
        uint256[2] qcp0;
        uint256 indexCommitApi0;
        uint256[2] g1Srs;
        uint256[4] g2Srs0;
        uint256[4] g2Srs1;
    }

    /// @dev Challenges and the values derived from them.
    struct State {
        bytes32 gammaRaw;
        bytes32 betaRaw;
        bytes32 alphaRaw;
        uint256 gamma;
        uint256 beta;
        uint256 alpha;
        uint256 zeta;
        uint256 zetaNMinusOne;
        uint256 pi;
        uint256 alphaSquareL0;
        uint256 linOpening;
        uint256 gammaKzg;
        uint256 evals;
        uint256 rho;
    }

    function _key() internal pure virtual returns (PlonkKey memory);

    function _bodyLength() internal pure override returns (uint256) {
        return 0x360;
    }

    function _w(bytes calldata p, uint256 offset) private pure returns (uint256) {
        return uint256(bytes32(p[offset:offset + 32]));
    }

    function _pt(bytes calldata p, uint256 offset) private pure returns (uint256[2] memory) {
        return [_w(p, offset), _w(p, offset + 32)];
    }

    function _holds(bytes calldata p, uint256[] memory inputs) internal view override returns (bool) {
        PlonkKey memory k = _key();
        require(inputs.length == k.nbPublicInputs, "SP1PlonkVerifier: wrong number of public inputs");
        uint16[7] memory openings = [0x180, 0x1a0, 0x1c0, 0x1e0, 0x200, 0x260, 0x300];
        for (uint256 i = 0; i < openings.length; i++) {
            require(_w(p, openings[i]) < R, "SP1PlonkVerifier: opening not below the scalar modulus");
        }
        State memory s;
        _challenges(k, p, inputs, s);
        s.zetaNMinusOne = addmod(BN254.pow(s.zeta, k.domainSize), R - 1, R);
        _publicInputs(k, p, inputs, s);
        s.alphaSquareL0 = mulmod(mulmod(mulmod(s.zetaNMinusOne, BN254.inv(addmod(s.zeta, R - 1, R)), R), k.invDomainSize, R), mulmod(s.alpha, s.alpha, R), R);
        _linearisedOpening(p, s);
        uint256[2] memory lin = _linearisedCommitment(k, p, s);
        _gammaKzg(k, p, s, lin);
        return _batchOpening(k, p, s, lin);
    }

    function _challenges(PlonkKey memory k, bytes calldata p, uint256[] memory inputs, State memory s) private pure {
        bytes memory vk = abi.encodePacked(k.s1, k.s2, k.s3, k.ql, k.qr, k.qm, k.qo, k.qk, k.qcp0);
        s.gammaRaw = sha256(abi.encodePacked("gamma", vk, inputs, p[0:0xc0]));
        s.betaRaw = sha256(abi.encodePacked("beta", s.gammaRaw));
        s.alphaRaw = sha256(abi.encodePacked("alpha", s.betaRaw, p[0x320:0x360], p[0x220:0x260]));
        bytes32 zetaRaw = sha256(abi.encodePacked("zeta", s.alphaRaw, p[0xc0:0x180]));
        s.gamma = uint256(s.gammaRaw) % R;
        s.beta = uint256(s.betaRaw) % R;
        s.alpha = uint256(s.alphaRaw) % R;
        s.zeta = uint256(zetaRaw) % R;
    }

    /// @dev L_i(ζ) = ωⁱ/n · (ζⁿ−1)/(ζ−ωⁱ).
    function _lagrange(PlonkKey memory k, State memory s, uint256 i) private view returns (uint256) {
        uint256 wi = BN254.pow(k.omega, i);
        uint256 den = BN254.inv(addmod(s.zeta, R - wi, R));
        return mulmod(mulmod(mulmod(wi, k.invDomainSize, R), den, R), s.zetaNMinusOne, R);
    }

    function _publicInputs(PlonkKey memory k, bytes calldata p, uint256[] memory inputs, State memory s) private view {
        uint256 pi = 0;
        for (uint256 i = 0; i < inputs.length; i++) pi = addmod(pi, mulmod(_lagrange(k, s, i), inputs[i], R), R);
        uint256 h = _hashToField(_w(p, 0x320), _w(p, 0x340));
        s.pi = addmod(pi, mulmod(h, _lagrange(k, s, inputs.length + k.indexCommitApi0), R), R);
    }

    /// @dev expand_message_xmd(sha256, "BSB22-Plonk", 48 bytes) of x ‖ y, read big-endian mod r (gnark's hash_fr).
    function _hashToField(uint256 x, uint256 y) private pure returns (uint256) {
        bytes memory dst = abi.encodePacked("BSB22-Plonk", uint8(11));
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), x, y, uint8(0), uint8(48), uint8(0), dst));
        bytes32 b1 = sha256(abi.encodePacked(b0, uint8(1), dst));
        bytes32 b2 = sha256(abi.encodePacked(b0 ^ b1, uint8(2), dst));
        return addmod(mulmod(uint256(b1), 1 << 128, R), uint256(b2) >> 128, R);
    }

    /// @dev −[PI(ζ) − α²L₁(ζ) + α(l+βs1+γ)(r+βs2+γ)(o+γ)z(ωζ)]
    function _linearisedOpening(bytes calldata p, State memory s) private pure {
        uint256 a = addmod(addmod(mulmod(_w(p, 0x1e0), s.beta, R), s.gamma, R), _w(p, 0x180), R);
        uint256 b = addmod(addmod(mulmod(_w(p, 0x200), s.beta, R), s.gamma, R), _w(p, 0x1a0), R);
        uint256 c = addmod(_w(p, 0x1c0), s.gamma, R);
        uint256 perm = mulmod(mulmod(mulmod(mulmod(a, b, R), c, R), s.alpha, R), _w(p, 0x260), R);
        uint256 sum = addmod(addmod(perm, s.pi, R), R - s.alphaSquareL0, R);
        s.linOpening = (R - sum) % R;
    }

    /// @dev l[QL] + r[QR] + lr[QM] + o[QO] + [QK] + qcp0(ζ)[BSB] + c1[S3] + c2[Z] − (ζⁿ−1)([H0] + ζⁿ⁺²[H1] + ζ²⁽ⁿ⁺²⁾[H2])
    function _linearisedCommitment(PlonkKey memory k, bytes calldata p, State memory s) private view returns (uint256[2] memory lin) {
        uint256 l = _w(p, 0x180);
        uint256 r = _w(p, 0x1a0);
        lin = BN254.add(BN254.mul(k.ql, l), BN254.mul(k.qr, r));
        lin = BN254.add(lin, BN254.mul(k.qm, mulmod(l, r, R)));
        lin = BN254.add(lin, BN254.mul(k.qo, _w(p, 0x1c0)));
        lin = BN254.add(lin, k.qk);
        lin = BN254.add(lin, BN254.mul(_pt(p, 0x320), _w(p, 0x300)));
        lin = BN254.add(lin, BN254.mul(k.s3, _permutationS3(p, s)));
        lin = BN254.add(lin, BN254.mul(_pt(p, 0x220), _permutationZ(k, p, s)));
        lin = BN254.add(lin, _foldedH(k, p, s));
    }

    /// @dev α·β·z(ωζ)·(l + βs1 + γ)(r + βs2 + γ)
    function _permutationS3(bytes calldata p, State memory s) private pure returns (uint256) {
        uint256 a = addmod(addmod(mulmod(s.beta, _w(p, 0x1e0), R), _w(p, 0x180), R), s.gamma, R);
        uint256 b = addmod(addmod(mulmod(s.beta, _w(p, 0x200), R), _w(p, 0x1a0), R), s.gamma, R);
        return mulmod(mulmod(mulmod(mulmod(_w(p, 0x260), s.beta, R), a, R), b, R), s.alpha, R);
    }

    /// @dev −α(l + βζ + γ)(r + βuζ + γ)(o + βu²ζ + γ) + α²L₁(ζ), u the coset shift
    function _permutationZ(PlonkKey memory k, bytes calldata p, State memory s) private pure returns (uint256) {
        uint256 betaZeta = mulmod(s.beta, s.zeta, R);
        uint256 u = addmod(addmod(betaZeta, _w(p, 0x180), R), s.gamma, R);
        uint256 v = addmod(addmod(mulmod(betaZeta, k.cosetShift, R), _w(p, 0x1a0), R), s.gamma, R);
        uint256 w = addmod(addmod(mulmod(betaZeta, mulmod(k.cosetShift, k.cosetShift, R), R), _w(p, 0x1c0), R), s.gamma, R);
        return addmod(mulmod(R - mulmod(mulmod(u, v, R), w, R), s.alpha, R), s.alphaSquareL0, R);
    }

    function _foldedH(PlonkKey memory k, bytes calldata p, State memory s) private view returns (uint256[2] memory h) {
        uint256 zetaNPlusTwo = BN254.pow(s.zeta, k.domainSize + 2);
        h = BN254.add(BN254.mul(_pt(p, 0x140), zetaNPlusTwo), _pt(p, 0x100));
        h = BN254.add(BN254.mul(h, zetaNPlusTwo), _pt(p, 0xc0));
        h = BN254.neg(BN254.mul(h, s.zetaNMinusOne));
    }

    function _gammaKzg(PlonkKey memory k, bytes calldata p, State memory s, uint256[2] memory lin) private pure {
        bytes memory evals = abi.encodePacked(s.linOpening, p[0x180:0x220], p[0x300:0x320], p[0x260:0x280]);
        s.gammaKzg = uint256(sha256(abi.encodePacked("gamma", s.zeta, lin, p[0:0xc0], k.s1, k.s2, k.qcp0, evals))) % R;
    }

    /// @dev Folds the openings at ζ with powers of γ_kzg into one digest D and one value E (kept in s.evals).
    function _fold(PlonkKey memory k, bytes calldata p, State memory s, uint256[2] memory lin) private view returns (uint256[2] memory digests) {
        uint256[2][6] memory points = [_pt(p, 0), _pt(p, 0x40), _pt(p, 0x80), k.s1, k.s2, k.qcp0];
        uint16[6] memory evalAt = [0x180, 0x1a0, 0x1c0, 0x1e0, 0x200, 0x300];
        digests = lin;
        uint256 evals = s.linOpening;
        uint256 acc = s.gammaKzg;
        for (uint256 i = 0; i < 6; i++) {
            digests = BN254.add(digests, BN254.mul(points[i], acc));
            evals = addmod(evals, mulmod(_w(p, evalAt[i]), acc, R), R);
            acc = mulmod(acc, s.gammaKzg, R);
        }
        s.evals = evals;
    }

    /// @dev D + ρ[Z] − (E + ρz(ωζ))[1] + ζ[W_ζ] + ρζω[W_ωζ]
    function _openingDigest(PlonkKey memory k, bytes calldata p, State memory s, uint256[2] memory d) private view returns (uint256[2] memory) {
        uint256 value = addmod(s.evals, mulmod(s.rho, _w(p, 0x260), R), R);
        d = BN254.add(d, BN254.mul(_pt(p, 0x220), s.rho));
        d = BN254.add(d, BN254.neg(BN254.mul(k.g1Srs, value)));
        d = BN254.add(d, BN254.mul(_pt(p, 0x280), s.zeta));
        return BN254.add(d, BN254.mul(_pt(p, 0x2c0), mulmod(s.rho, mulmod(s.zeta, k.omega, R), R)));
    }

    /// @dev Checks the openings at ζ and the opening of Z at ωζ together (ρ from the transcript):
    /// e(D + ρ[Z] − (E + ρz(ωζ))[1] + ζ[W_ζ] + ρζω[W_ωζ], [1]₂) · e(−([W_ζ] + ρ[W_ωζ]), [x]₂) = 1.
    function _batchOpening(PlonkKey memory k, bytes calldata p, State memory s, uint256[2] memory lin) private view returns (bool) {
        uint256[2] memory digests = _fold(k, p, s, lin);
        bytes memory transcript = abi.encodePacked(digests, p[0x280:0x2c0], p[0x220:0x260]);
        s.rho = uint256(sha256(abi.encodePacked(transcript, p[0x2c0:0x300], s.zeta, s.gammaKzg))) % R;
        uint256[2] memory quotients = BN254.neg(BN254.add(_pt(p, 0x280), BN254.mul(_pt(p, 0x2c0), s.rho)));
        digests = _openingDigest(k, p, s, digests);
        uint256[] memory pairs = new uint256[](12);
        pairs[0] = digests[0];
        pairs[1] = digests[1];
        pairs[6] = quotients[0];
        pairs[7] = quotients[1];
        for (uint256 i = 0; i < 4; i++) {
            pairs[2 + i] = k.g2Srs0[i];
            pairs[8 + i] = k.g2Srs1[i];
        }
        return BN254.pairingIsOne(pairs);
    }
}
