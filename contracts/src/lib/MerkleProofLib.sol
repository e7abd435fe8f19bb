// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Inclusion proofs for the L1-message tree ethrex builds: keccak256 over sorted pairs, an odd node
/// promoted unchanged (lambdaclass/ethrex commit 37aa4934a0ac8a514d94a0120c513eff61b3a010 crates/common/merkle_tree.rs),
/// which is what OpenZeppelin's MerkleProof.verify accepts. Written here so the contracts need no library.
library MerkleProofLib {
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) internal pure returns (bool) {
        bytes32 node = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 sibling = proof[i];
            node = node <= sibling
                ? keccak256(abi.encodePacked(node, sibling))
                : keccak256(abi.encodePacked(sibling, node));
        }
        return node == root;
    }
}
