// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRiscZeroVerifier} from "../interfaces/IRiscZeroVerifier.sol";

/// @title Routes a RISC Zero seal to the verifier of the release its 4-byte selector names.
/// @notice As risc0-ethereum deploys its RiscZeroVerifierRouter (contracts/src/RiscZeroVerifierRouter.sol): one
/// verifier per selector, added by the owner, never replaced; an unknown selector is refused.
contract RiscZeroVerifierRouter is IRiscZeroVerifier {
    address public immutable owner;
    mapping(bytes4 selector => IRiscZeroVerifier verifier) public verifiers;

    event VerifierAdded(bytes4 selector, address verifier);

    error SelectorUnknown(bytes4 selector);
    error SelectorInUse(bytes4 selector);

    constructor(address owner_) {
        owner = owner_;
    }

    function addVerifier(bytes4 selector, IRiscZeroVerifier verifier) external {
        require(msg.sender == owner, "RiscZeroVerifierRouter: caller is not the owner");
        require(address(verifier) != address(0), "RiscZeroVerifierRouter: verifier is the zero address");
        if (address(verifiers[selector]) != address(0)) revert SelectorInUse(selector);
        verifiers[selector] = verifier;
        emit VerifierAdded(selector, address(verifier));
    }

    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        require(seal.length >= 4, "RiscZeroVerifierRouter: seal shorter than its selector");
        IRiscZeroVerifier verifier = verifiers[bytes4(seal[:4])];
        if (address(verifier) == address(0)) revert SelectorUnknown(bytes4(seal[:4]));
        verifier.verify(seal, imageId, journalDigest);
    }
}
