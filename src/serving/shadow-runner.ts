import type { ModelRuntime } from './model-runtime.js';
import { argmaxRows } from './rows.js';

/** One shadow answer, kept for comparison with what the primary said. */
export interface ShadowRecord {
  readonly at: string;
  readonly endpoint: string;
  readonly variant: string;
  readonly model: string;
  readonly version: string;
  readonly primaryVariant: string;
  readonly texts: number;
  /** Top-1 labels of the shadow and of the primary, per text. */
  readonly shadowLabels: readonly string[];
  readonly primaryLabels: readonly string[];
  readonly agreement: number;
  readonly ms: number;
}

export interface ShadowRunnerOptions {
  /** Shadow copies in flight at most; more are dropped (counted), never queued behind the primary. */
  readonly maxInFlight: number;
  /** Records kept in the in-memory ring. */
  readonly ringSize: number;
  readonly onRecord?: ((r: ShadowRecord) => void) | undefined;
  readonly onOutcome?: ((endpoint: string, variant: string, outcome: 'answered' | 'dropped' | 'failed', record?: ShadowRecord) => void) | undefined;
}

/**
 * Runs shadow copies after the primary has answered: fire-and-forget with a bound on copies in
 * flight, so a slow or failing shadow can neither delay nor fail a primary answer, and a burst
 * cannot pile up memory (copies over the bound are dropped and counted).
 */
export class ShadowRunner {
  private inFlight = 0;
  private readonly ring: ShadowRecord[] = [];
  private ringNext = 0;

  constructor(private readonly options: ShadowRunnerOptions) {}

  submit(endpoint: string, variant: string, runtime: ModelRuntime, texts: readonly string[], primaryVariant: string, primaryLabels: readonly string[]): void {
    if (this.inFlight >= this.options.maxInFlight || runtime.isClosed) {
      this.options.onOutcome?.(endpoint, variant, 'dropped');
      return;
    }
    this.inFlight++;
    const started = performance.now();
    runtime.predict(texts).then((r) => {
      const labels = runtime.identity.labels;
      const { ids } = argmaxRows(r.proba, labels.length);
      const shadowLabels = Array.from(ids, (c) => labels[c]!);
      let agree = 0;
      for (let i = 0; i < shadowLabels.length; i++) if (shadowLabels[i] === primaryLabels[i]) agree++;
      const record: ShadowRecord = {
        at: new Date().toISOString(), endpoint, variant, model: runtime.identity.name, version: runtime.identity.version, primaryVariant,
        texts: texts.length, shadowLabels, primaryLabels, agreement: texts.length === 0 ? 1 : agree / texts.length, ms: performance.now() - started,
      };
      this.remember(record);
      this.options.onOutcome?.(endpoint, variant, 'answered', record);
      this.options.onRecord?.(record);
    }, () => {
      this.options.onOutcome?.(endpoint, variant, 'failed');
    }).finally(() => { this.inFlight--; });
  }

  /** The latest records, oldest first. */
  recent(): ShadowRecord[] {
    return this.ring.length < this.options.ringSize ? [...this.ring] : [...this.ring.slice(this.ringNext), ...this.ring.slice(0, this.ringNext)];
  }

  get pending(): number { return this.inFlight; }

  private remember(r: ShadowRecord): void {
    if (this.options.ringSize <= 0) return;
    if (this.ring.length < this.options.ringSize) this.ring.push(r);
    else { this.ring[this.ringNext] = r; this.ringNext = (this.ringNext + 1) % this.options.ringSize; }
  }
}
