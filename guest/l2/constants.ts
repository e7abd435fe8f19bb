/**
 * ethrex L2 constants. Source pinned: lambdaclass/ethrex @ 6fbd93b55270314f769c4506de542b35d78bf389
 * ("feat(l2): commit blocks instead of state diffs", Nov 2025) — the revision that wrote the real chain in
 * fixtures/real/ethrex-l2. Paths below are relative to that commit.
 */
export const ETHREX_COMMIT = '6fbd93b55270314f769c4506de542b35d78bf389'

/** CommonBridgeL2: privileged transactions it sends mint their value (crates/vm/levm/src/hooks/l2_hook.rs). */
export const COMMON_BRIDGE_L2_ADDRESS = '0x000000000000000000000000000000000000ffff'
/** L2-to-L1 messenger; its `L1Message(address,bytes32,uint256)` logs are the batch's L1 messages (crates/l2/common/src/l1_messages.rs). */
export const L1_MESSENGER_ADDRESS = '0x000000000000000000000000000000000000fffe'

/** EIP-2718 type of ethrex's PrivilegedL2Transaction (crates/common/types/transaction.rs). */
export const PRIVILEGED_TX_TYPE = 0x7e

/** Blob geometry (crates/common/types/constants.rs): 4096 field elements, 31 usable bytes each. */
export const FIELD_ELEMENTS_PER_BLOB = 4096
export const BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * 32
export const SAFE_BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * 31
/** EIP-4844 blob gas per blob, used by the L1 fee (l2_hook.rs calculate_l1_fee). */
export const GAS_PER_BLOB = 131072n
/** ethrex L2 default base-fee elasticity (the L2 ProgramInput carries it). */
export const DEFAULT_ELASTICITY_MULTIPLIER = 2n
