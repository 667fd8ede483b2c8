/**
 * Seeded pseudo-random numbers (mulberry32) so that splits, sampling and shuffles are the same for
 * the same seed on every machine and Node version; Math.random cannot be seeded.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/** mulberry32: 32-bit state, passes the usual smoke tests, more than enough for shuffling and sampling. */
export function createRandom(seed: number): Random {
  // Mix the seed once so nearby seeds (1, 2, 3) do not start nearby streams.
  let state = mix32((seed | 0) ^ 0x9e3779b9);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** Derives an independent seed from a seed and a stream number (e.g. one stream per class). */
export function deriveSeed(seed: number, stream: number): number {
  return mix32(Math.imul(seed | 0, 0x85ebca6b) ^ mix32(stream | 0));
}

function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Fisher-Yates shuffle in place over the whole array or its first `length` items. */
export function shuffleInPlace(items: Int32Array | number[], random: Random, length = items.length): void {
  for (let i = length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}
