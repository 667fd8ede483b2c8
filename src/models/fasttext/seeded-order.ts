/**
 * The example order of one epoch: a Fisher-Yates shuffle driven by mulberry32 seeded from
 * (seed, epoch). Every SGD worker computes it for itself and gets the same order, so no order
 * has to be shipped between threads and none depends on the thread count.
 */
export function epochOrder(seed: number, epoch: number, out: Int32Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = i;
  const next = mulberry32(mix32(Math.imul(seed | 0, 0x85ebca6b) ^ mix32(epoch + 1)));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
}

/** A seeded stream of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = mix32((seed | 0) ^ 0x9e3779b9);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
