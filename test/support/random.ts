/**
 * A seeded generator for randomised tests (mulberry32): the same numbers every run, and unlike a plain LCG its
 * low bits do not cycle fast, so `% n` with small n is fine. Returns rand(n): an integer in [0, n).
 */
export function seededRandom(seed: number): (n: number) => number {
  return (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) % n
  }
}
