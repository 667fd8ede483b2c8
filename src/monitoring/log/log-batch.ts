import type { PredictionEvent } from '../../serving/prediction-observers.js';
import { eventTopK } from '../../serving/prediction-observers.js';
import { computeTextStats } from '../text-stats.js';
import { LOGGED_TOP_K, type LoggedPrediction, type RankedLabel } from './logged-prediction.js';
import { textSha256 } from './text-key.js';

/**
 * One answered call as it travels from the server's event loop to the log's writer thread: only
 * copies (the event's arrays belong to the answer), and its probability rows in a buffer of their own
 * that is transferred, not cloned. Everything costly (hashing, text statistics, ranking) happens on
 * the other side, in rowsOfBatch.
 */
export interface PackedEvent {
  readonly endpoint: string;
  readonly variant: string;
  readonly role: 'primary' | 'shadow';
  readonly model: string;
  readonly version: string;
  readonly modelSha256: string;
  readonly texts: readonly string[];
  /** False: the rows keep only the text's hash (the endpoint's `logText: false`). */
  readonly logText: boolean;
  /** rows × classes, a copy with its own ArrayBuffer (transferable). */
  readonly proba: Float32Array;
  readonly latencyMs: number;
  readonly at: number;
  readonly requestIds: readonly string[];
}

/** What one append carries: the events, and the labels of models the receiving side has not seen yet. */
export interface LogBatch {
  readonly events: readonly PackedEvent[];
  /** Label lists by model sha256, sent once per model per writer thread. */
  readonly labels: Readonly<Record<string, readonly string[]>>;
  readonly texts: number;
}

/** Copies what the log keeps of an event. Cheap: a slice of the probabilities and a few references. */
export function packEvent(event: PredictionEvent, logText: boolean): PackedEvent {
  const rows = event.texts.length;
  return {
    endpoint: event.endpoint, variant: event.variant, role: event.role,
    model: event.model.name, version: event.model.version, modelSha256: event.model.sha256,
    texts: event.texts, logText,
    // slice() copies only this call's rows: the event's array is a view into its whole batch's buffer.
    proba: event.proba.slice(0, rows * event.model.labels.length),
    latencyMs: event.latencyMs, at: event.at, requestIds: event.requestIds,
  };
}

/** The ArrayBuffers a batch can hand over without copying. */
export function transferablesOf(batch: LogBatch): ArrayBuffer[] {
  return batch.events.map((e) => e.proba.buffer as ArrayBuffer);
}

/**
 * Which request a text belongs to: one id for the call means one request of many texts (the text's
 * position in it); one id per text means one request per text (position 0); none means the caller
 * had no id ('').
 */
export function requestOf(ids: readonly string[], rows: number, row: number): { requestId: string; position: number } {
  if (ids.length > 1 && ids.length === rows) return { requestId: ids[row]!, position: 0 };
  return { requestId: ids[0] ?? '', position: row };
}

/** The log rows of a batch. `labelsOf` knows every model's labels (those in batch.labels included). */
export function rowsOfBatch(batch: LogBatch, labelsOf: (sha256: string) => readonly string[] | undefined): LoggedPrediction[] {
  const out: LoggedPrediction[] = [];
  const ids = new Int32Array(LOGGED_TOP_K);
  const scores = new Float32Array(LOGGED_TOP_K);
  for (const e of batch.events) {
    const labels = batch.labels[e.modelSha256] ?? labelsOf(e.modelSha256);
    if (labels === undefined) throw new Error(`prediction log: no labels known for model ${e.modelSha256}`);
    // eventTopK ranks a PredictionEvent: rebuild the part of one it reads, over the transferred rows.
    const event = { model: { name: e.model, version: e.version, kind: '', sha256: e.modelSha256, labels }, proba: e.proba } as PredictionEvent;
    const rows = e.texts.length;
    for (let r = 0; r < rows; r++) {
      const text = e.texts[r]!;
      const n = eventTopK(event, r, LOGGED_TOP_K, ids, scores);
      const topK: RankedLabel[] = new Array(n);
      for (let k = 0; k < n; k++) topK[k] = { label: labels[ids[k]!]!, score: scores[k]! };
      const { requestId, position } = requestOf(e.requestIds, rows, r);
      out.push({
        requestId, position, at: e.at, endpoint: e.endpoint, variant: e.variant, role: e.role,
        model: e.model, version: e.version, modelSha256: e.modelSha256,
        text: e.logText ? text : null, textSha256: textSha256(text),
        label: topK[0]?.label ?? '', score: topK[0]?.score ?? 0, topK,
        latencyMs: e.latencyMs, stats: computeTextStats(text),
      });
    }
  }
  return out;
}
