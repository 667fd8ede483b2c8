/**
 * The exact distribution of one numeric column read row by row: its distinct values in ascending
 * order and how many rows hold each. The drift descriptors are ratios of small whole numbers (a
 * share of a text's 40-80 characters, of its ~8 tokens) or lengths capped at the reference's 99th
 * percentile, so a window of a million rows holds a few thousand distinct values: memory follows
 * the distinct values, not the rows, and a Wasserstein distance or a quantile read from the counts
 * is the one of the full sorted column (wasserstein.ts). Values arrive in a buffer that is sorted
 * and merged into the counts when full; the buffer grows with the distinct values so a column of
 * mostly distinct values (raw scores) costs amortised O(n log n), not a merge per small buffer.
 */
const MIN_PENDING = 8192;

export class ValueCounts {
  private values = new Float64Array(0);
  private counts = new Float64Array(0);
  private distinct = 0;
  private pending = new Float64Array(MIN_PENDING);
  private waiting = 0;
  /** Rows added. */
  total = 0;

  add(value: number): void {
    if (this.waiting === this.pending.length) this.flush();
    this.pending[this.waiting++] = value;
    this.total++;
  }

  /** Distinct values ascending and their counts (views valid until the next add). */
  sorted(): { readonly values: Float64Array; readonly counts: Float64Array } {
    this.flush();
    return { values: this.values.subarray(0, this.distinct), counts: this.counts.subarray(0, this.distinct) };
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

  private flush(): void {
    if (this.waiting === 0) return;
    const fresh = this.pending.subarray(0, this.waiting).sort();
    const size = this.distinct + this.waiting;
    const values = new Float64Array(size);
    const counts = new Float64Array(size);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.distinct || j < fresh.length) {
      const take = j >= fresh.length || (i < this.distinct && this.values[i]! <= fresh[j]!) ? this.values[i]! : fresh[j]!;
      let c = 0;
      while (i < this.distinct && this.values[i]! === take) c += this.counts[i++]!;
      while (j < fresh.length && fresh[j]! === take) { c++; j++; }
      values[k] = take;
      counts[k++] = c;
    }
    this.values = values;
    this.counts = counts;
    this.distinct = k;
    this.waiting = 0;
    if (this.pending.length < k) this.pending = new Float64Array(k);
  }
}
