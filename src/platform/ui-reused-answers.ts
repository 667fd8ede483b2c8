/**
 * Answers the dashboard computes off the request path (a timeline, a version's production figures),
 * each reused for a while: a dashboard left open on several screens costs one computation per key,
 * not one per screen per refresh. While a key's first computation runs, callers share it; once it
 * is older than `reuseMs`, the next caller still gets it at once and a newer one is computed behind
 * it, so only the first visitor of a key ever waits for a computation.
 */
export class ReusedAnswers<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly reuseMs: number, private readonly now: () => number = Date.now) {}

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    // In flight (shared, however long it takes), fresh, or already being refreshed: as it is.
    if (hit && (!hit.ready || hit.refreshing || this.now() - hit.at < this.reuseMs)) return hit.answer;
    if (hit) {
      hit.refreshing = true;
      const started = this.now();
      compute().then((v) => { this.entries.set(key, { at: started, answer: Promise.resolve(v), ready: true, refreshing: false }); },
        () => { hit.refreshing = false; hit.at = this.now(); }); // keep the old answer; try again after reuseMs
      return hit.answer;
    }
    const entry: Entry<V> = { at: this.now(), answer: compute(), ready: false, refreshing: false };
    this.entries.set(key, entry);
    entry.answer.then(() => { entry.ready = true; }, () => { if (this.entries.get(key) === entry) this.entries.delete(key); });
    return entry.answer;
  }

  /** Drops a key's answer once it is in (an answer not worth reusing): the next caller computes again. */
  forget(key: string): void {
    if (this.entries.get(key)?.ready) this.entries.delete(key);
  }
}

interface Entry<V> {
  /** When its computation started. */
  at: number;
  readonly answer: Promise<V>;
  ready: boolean;
  /** A newer one is being computed behind it. */
  refreshing: boolean;
}
