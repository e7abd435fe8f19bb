// The part of snarkjs 0.7 (no bundled types) that Tessera uses.
declare module 'snarkjs' {
  export interface Groth16Proof {
    pi_a: string[]
    pi_b: string[][]
    pi_c: string[]
    protocol: 'groth16'
    curve: string
  }
  export const groth16: {
    verify(vk: object, publicSignals: string[], proof: Groth16Proof, logger?: unknown): Promise<boolean>
  }
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<{ terminate(): Promise<void> }>
  }
}
