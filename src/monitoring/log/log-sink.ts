import type { PredictionLogStore, RetentionPolicy } from '../store/monitoring-store.js';
import { rowsOfBatch, type LogBatch } from './log-batch.js';

/**
 * Where the log writer hands its batches: a writer thread with its own store connection in a
 * serving process (worker-log-sink.ts), or a store in this thread (tools, tests, `lading log prune`).
 * Batches are written in the order they were given, each in one transaction.
 */
export interface LogSink {
  /** Writes the batch's rows (all or none); resolves with how many. */
  append(batch: LogBatch): Promise<number>;
  /** Retention, run where the writes happen so it never competes with them for the store. */
  prune(policy: RetentionPolicy): Promise<number>;
  /** Stops after the batches already given; closes what the sink opened. */
  close(): Promise<void>;
}

/** Turns batches into rows and appends them on `store` in this thread; labels are remembered per model. */
export class StoreLogSink implements LogSink {
  private readonly labels = new Map<string, readonly string[]>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: PredictionLogStore, private readonly closeStore: () => Promise<void> = async () => undefined) {}

  append(batch: LogBatch): Promise<number> {
    return this.inOrder(async () => {
      for (const [sha, labels] of Object.entries(batch.labels)) this.labels.set(sha, labels);
      const rows = rowsOfBatch(batch, (sha) => this.labels.get(sha));
      await this.store.appendPredictions(rows);
      return rows.length;
    });
  }

  prune(policy: RetentionPolicy): Promise<number> {
    return this.inOrder(() => this.store.prunePredictions(policy));
  }

  close(): Promise<void> {
    return this.inOrder(() => this.closeStore());
  }

  private inOrder<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
