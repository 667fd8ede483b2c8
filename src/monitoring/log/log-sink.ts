import { columnsOfBatch, type LoggedColumns } from './batch-columns.js';
import type { LogBatch } from './log-batch.js';

/**
 * Retention as the sink passes it on: the store's LogRetention, restated here because the store
 * contract (store/) imports this folder's row types and must not be imported back.
 */
export interface LogRetention {
  readonly maxAgeMs?: number | undefined;
  readonly maxRows?: number | undefined;
  readonly now: number;
}

export interface AppendResult {
  readonly rows: number;
}

/** The part of a MonitoringStore the log writes to (any MonitoringStore is one). */
export interface LogSinkStore {
  appendColumns(cols: LoggedColumns): Promise<void>;
  prunePredictions(policy: LogRetention): Promise<number>;
}

/**
 * Where the log writer hands its batches: a writer thread with its own store connection in a
 * serving process (worker-log-sink.ts), or a store in this thread (tools, tests, `lading log prune`).
 * Batches are written in the order they were given, each in one transaction.
 */
export interface LogSink {
  /** Writes the batch's rows (all or none); resolves with how many. */
  append(batch: LogBatch): Promise<AppendResult>;
  /** Retention, run where the writes happen so it never competes with them for the store. */
  prune(policy: LogRetention): Promise<number>;
  /** Stops after the batches already given; closes what the sink opened. */
  close(): Promise<void>;
}

/** Turns batches into rows and appends them on `store` in this thread; labels are remembered per model. */
export class StoreLogSink implements LogSink {
  private readonly labels = new Map<string, readonly string[]>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: LogSinkStore, private readonly closeStore: () => Promise<void> = async () => undefined) {}

  append(batch: LogBatch): Promise<AppendResult> {
    return this.inOrder(async () => {
      for (const [sha, labels] of Object.entries(batch.labels)) this.labels.set(sha, labels);
      const cols = columnsOfBatch(batch, (sha) => this.labels.get(sha));
      await this.store.appendColumns(cols);
      return { rows: cols.rows };
    });
  }

  prune(policy: LogRetention): Promise<number> {
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
