import { setBounded } from '../../core/bounded-map.js';

/** Answers kept at most (one per model and route: a registry of a few dozen models keeps them all). */
const KEPT = 256;
const ENCODER = new TextEncoder();

/**
 * The dashboard's answers derived from the registry alone (a model's version list, its lineage),
 * kept as encoded JSON under the mark of what they were derived from (the registry's changeMark,
 * the deployment store's lastSeq): while the mark is the same, the answer is, so a request costs
 * one count query and the bytes sent. Reading and encoding 700 versions or 200 lineage entries
 * again was 20-40 ms of CPU a request (bench:ui), and over 100 ms at p95 beside the dashboard's
 * timeline thread on 2 cores. A change from another process moves the mark too (it is read from
 * the database on every request), so an answer is never older than the request.
 */
export class MarkedAnswers {
  private readonly kept = new Map<string, { mark: string; body: Uint8Array<ArrayBuffer> }>();
  private readonly computing = new Map<string, { mark: string; body: Promise<Uint8Array<ArrayBuffer>> }>();

  /** The answer for `key` under `mark`: kept, being computed for that mark (shared), or computed now. */
  async get(key: string, mark: string, compute: () => Promise<unknown>): Promise<Uint8Array<ArrayBuffer>> {
    const hit = this.kept.get(key);
    if (hit && hit.mark === mark) return hit.body;
    const running = this.computing.get(key);
    if (running && running.mark === mark) return running.body;
    const body = compute().then((v) => ENCODER.encode(JSON.stringify(v)));
    const entry = { mark, body };
    this.computing.set(key, entry);
    try {
      const bytes = await body;
      setBounded(this.kept, key, { mark, body: bytes }, KEPT);
      return bytes;
    } finally {
      if (this.computing.get(key) === entry) this.computing.delete(key);
    }
  }
}
