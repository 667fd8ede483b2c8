import { createRandom, type Random } from '../../core/random.js';

/**
 * A uniform sample of at most `capacity` rows of a stream whose length is not known in advance
 * (Vitter's algorithm R, with the project's seeded generator): row i replaces a random slot with
 * probability capacity / (i + 1). A window read page by page and the same window held in memory
 * draw the same rows, so the streamed report and runDriftReport sample one and the same texts.
 * While fewer than `capacity` rows have been seen nothing is drawn at all: every row is kept.
 */
export class ReservoirSampler {
  private seen = 0;
  private readonly random: Random;

  constructor(readonly capacity: number, seed: number) {
    this.random = createRandom(seed);
  }

  /** The slot the next row goes into (replacing what it held), or -1 when the sample skips the row. */
  offer(): number {
    const i = this.seen++;
    if (i < this.capacity) return i;
    const j = this.random.int(i + 1);
    return j < this.capacity ? j : -1;
  }
}

/** The rows of 0..n-1 the sampler keeps, ascending. */
export function reservoirRows(n: number, capacity: number, seed: number): Int32Array {
  const cap = Math.max(0, Math.min(n, Math.floor(capacity)));
  const kept = new Int32Array(cap);
  const sampler = new ReservoirSampler(cap, seed);
  for (let i = 0; i < n; i++) {
    const slot = sampler.offer();
    if (slot >= 0) kept[slot] = i;
  }
  return kept.sort();
}
