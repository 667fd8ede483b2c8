/**
 * The exact distribution of one numeric column read row by row: its distinct values and how many
 * rows hold each, sorted when read. The drift descriptors are ratios of small whole numbers (a
 * share of a text's 40-80 characters, of its ~8 tokens) or lengths capped at the reference's 99th
 * percentile, so a window of a million rows holds a few thousand distinct values: memory follows
 * the distinct values, not the rows, and a Wasserstein distance or a quantile read from the counts
 * is the one of the full sorted column (wasserstein.ts). The values are counted in an open-addressing
 * table keyed by their 64 bits: one probe per row in a table that stays in cache, where sorting
 * buffers of rows cost a comparison sort of every row.
 */
const INITIAL_SLOTS = 1024;

// One scratch word to read a double's bits through.
const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** A double's two bit halves mixed (small whole numbers differ only in the high half) and cut to the table. */
function slotOf(lo: number, hi: number, mask: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return h & mask;
}

export class ValueCounts {
  private keys = new Float64Array(INITIAL_SLOTS);
  private keyBits = new Uint32Array(this.keys.buffer);
  private counts = new Float64Array(INITIAL_SLOTS);
  private filled = new Uint8Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private distinct = 0;
  /** Rows added. */
  total = 0;

  add(value: number): void {
    // -0 counts as 0 (they sort and compare as equal values; one entry keeps the table honest).
    const v = value === 0 ? 0 : value;
    scratch[0] = v;
    const lo = scratchBits[0]!;
    const hi = scratchBits[1]!;
    let slot = slotOf(lo, hi, this.mask);
    for (;;) {
      if (this.filled[slot] === 0) {
        this.filled[slot] = 1;
        this.keys[slot] = v;
        this.counts[slot] = 1;
        this.total++;
        // Kept at most half full, so a probe ends after a step or two.
        if (++this.distinct * 2 > this.keys.length) this.grow();
        return;
      }
      if (this.keyBits[2 * slot] === lo && this.keyBits[2 * slot + 1] === hi) {
        this.counts[slot]!++;
        this.total++;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Distinct values ascending and their counts. */
  sorted(): { readonly values: Float64Array; readonly counts: Float64Array } {
    const order = new Int32Array(this.distinct);
    let k = 0;
    for (let s = 0; s < this.filled.length; s++) if (this.filled[s] === 1) order[k++] = s;
    order.sort((a, b) => this.keys[a]! - this.keys[b]!);
    return { values: Float64Array.from(order, (s) => this.keys[s]!), counts: Float64Array.from(order, (s) => this.counts[s]!) };
  }

  /** The value at rank floor(q x total) of the sorted column (what sorting every value and indexing gives); 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const { values, counts } = this.sorted();
    const rank = Math.min(this.total - 1, Math.floor(q * this.total));
    let seen = 0;
    for (let i = 0; i < values.length; i++) {
      seen += counts[i]!;
      if (seen > rank) return values[i]!;
    }
    return values[values.length - 1]!;
  }

  private grow(): void {
    const { keys, counts, filled } = this;
    const size = keys.length * 2;
    this.keys = new Float64Array(size);
    this.keyBits = new Uint32Array(this.keys.buffer);
    this.counts = new Float64Array(size);
    this.filled = new Uint8Array(size);
    this.mask = size - 1;
    const bits = new Uint32Array(keys.buffer);
    for (let s = 0; s < keys.length; s++) {
      if (filled[s] === 0) continue;
      const lo = bits[2 * s]!;
      const hi = bits[2 * s + 1]!;
      let slot = slotOf(lo, hi, this.mask);
      while (this.filled[slot] === 1) slot = (slot + 1) & this.mask;
      this.filled[slot] = 1;
      this.keys[slot] = keys[s]!;
      this.counts[slot] = counts[s]!;
    }
  }
}
