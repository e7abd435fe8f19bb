// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISP1Verifier, ISP1VerifierWithHash} from "../interfaces/ISP1Verifier.sol";

/// @title Routes an SP1 proof to the verifier of the release its 4-byte selector names.
/// @notice As succinctlabs/sp1-contracts' SP1VerifierGateway (contracts/src/SP1VerifierGateway.sol) routes: the
/// route of a verifier is the first 4 bytes of its VERIFIER_HASH(), added by the owner, never replaced.
contract SP1VerifierGateway is ISP1Verifier {
    address public immutable owner;
    mapping(bytes4 selector => address verifier) public routes;

    event RouteAdded(bytes4 selector, address verifier);

    error RouteNotFound(bytes4 selector);
    error RouteInUse(bytes4 selector);

    constructor(address owner_) {
        owner = owner_;
    }

    function addRoute(address verifier) external {
        require(msg.sender == owner, "SP1VerifierGateway: caller is not the owner");
        bytes4 selector = bytes4(ISP1VerifierWithHash(verifier).VERIFIER_HASH());
        if (routes[selector] != address(0)) revert RouteInUse(selector);
        routes[selector] = verifier;
        emit RouteAdded(selector, verifier);
    }

    function verifyProof(bytes32 programVKey, bytes calldata publicValues, bytes calldata proofBytes) external view {
        require(proofBytes.length >= 4, "SP1VerifierGateway: proof shorter than its selector");
        address verifier = routes[bytes4(proofBytes[:4])];
        if (verifier == address(0)) revert RouteNotFound(bytes4(proofBytes[:4]));
        ISP1Verifier(verifier).verifyProof(programVKey, publicValues, proofBytes);
    }
}
