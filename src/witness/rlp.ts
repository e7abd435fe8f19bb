export { rlpEncode, type RlpItem } from '../../guest/rlp.js'
