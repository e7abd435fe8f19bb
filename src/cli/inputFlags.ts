import type { InputFlags } from '../witness/formats/index.js'

/** Options every command that reads witness inputs takes (replay file, convert, witness inspect). */
export const INPUT_OPTIONS = {
  witness: { type: 'string' },
  network: { type: 'string' },
  'chain-config': { type: 'string' },
  'parent-header': { type: 'string' },
  'rpc-url': { type: 'string' },
  'trust-pre-state-root': { type: 'boolean' },
} as const

interface InputValues {
  witness?: string
  network?: string
  'chain-config'?: string
  'parent-header'?: string
  'rpc-url'?: string
  'trust-pre-state-root'?: boolean
}

export function inputFlags(values: InputValues): InputFlags {
  return {
    witness: values.witness,
    network: values.network,
    chainConfig: values['chain-config'],
    parentHeader: values['parent-header'],
    rpcUrl: values['rpc-url'],
    trustPreStateRoot: values['trust-pre-state-root'],
  }
}
