import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { rowsOfBatch } from '../../../src/monitoring/log/batch-columns.js';
import { requestOf, type LogBatch } from '../../../src/monitoring/log/log-batch.js';
import type { AppendResult, LogSink } from '../../../src/monitoring/log/log-sink.js';
import type { LoggedPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import { LogWriter } from '../../../src/monitoring/log/log-writer.js';
import { textSha256 } from '../../../src/monitoring/log/text-key.js';
import type { PredictionEvent } from '../../../src/serving/prediction-observers.js';

const LABELS = ['a', 'b', 'c', 'd', 'e', 'f'];

/** An answered call of `texts`, each text's probabilities spread so that class (row % 6) wins. */
function event(texts: string[], requestIds: string[] = ['req-1'], endpoint = 'hs'): PredictionEvent {
  const classes = LABELS.length;
  // A view into a larger buffer, as the micro-batcher hands out: packing must copy only this call's rows.
  const whole = new Float32Array((texts.length + 2) * classes);
  const proba = whole.subarray(classes, classes + texts.length * classes);
  for (let r = 0; r < texts.length; r++) for (let c = 0; c < classes; c++) proba[r * classes + c] = c === r % classes ? 0.5 : 0.1 - c * 0.01;
  return {
    endpoint, variant: 'main', role: 'primary', pinned: false,
    model: { name: 'm', version: '3', kind: 'fasttext', sha256: 'f'.repeat(64), labels: LABELS },
    texts, topIds: new Int32Array(texts.length), topScores: new Float32Array(texts.length), proba,
    latencyMs: 1.5, queueMs: 0.2, requestIds, at: 1_700_000_000_000,
  };
}

/** A sink that turns batches into rows in this thread, each append waiting until `open` (the store falling behind). */
class GatedSink implements LogSink {
  readonly rows: LoggedPrediction[] = [];
  readonly batches: number[] = [];
  private gate: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  private readonly labels = new Map<string, readonly string[]>();
  closed = false;
  hold(): void { this.gate = new Promise((r) => { this.release = r; }); }
  open(): void { this.release(); }
  async append(batch: LogBatch): Promise<AppendResult> {
    await this.gate;
    for (const [k, v] of Object.entries(batch.labels)) this.labels.set(k, v);
    const rows = rowsOfBatch(batch, (sha) => this.labels.get(sha));
    this.rows.push(...rows);
    this.batches.push(rows.length);
    return { rows: rows.length };
  }
  async prune(): Promise<number> { return 0; }
  async close(): Promise<void> { this.closed = true; }
}

test('request ids: one per call numbers its texts by position; one per text is one request each; none is ""', () => {
  assert.deepEqual(requestOf(['r'], 3, 2), { requestId: 'r', position: 2 });
  assert.deepEqual(requestOf(['r1', 'r2', 'r3'], 3, 1), { requestId: 'r2', position: 0 });
  assert.deepEqual(requestOf([], 2, 1), { requestId: '', position: 1 });
});

test('rows carry the request id, position, model, text hash, statistics and the top 5 best first', async () => {
  const sink = new GatedSink();
  const w = new LogWriter({ sink, flushMs: 60_000 });
  w.observer(event(['500 CTNS Plastic CUPS', 'led tv 32 inch']));
  w.observer(event(['secret goods'], ['req-2'], 'confidential'));
  await w.flush();
  assert.equal(sink.rows.length, 3);
  const [first, second] = sink.rows;
  assert.equal(first!.requestId, 'req-1');
  assert.equal(first!.position, 0);
  assert.equal(second!.position, 1);
  assert.equal(first!.text, '500 CTNS Plastic CUPS');
  assert.equal(first!.textSha256, textSha256('500  ctns plastic cups '), 'the hash is of the normalised text');
  assert.deepEqual(first!.topK.map((k) => k.label), ['a', 'b', 'c', 'd', 'e']);
  assert.equal(second!.label, 'b');
  assert.ok(Math.abs(second!.score - 0.5) < 1e-6);
  assert.equal(first!.stats.digits, 3);
  assert.equal(first!.stats.tokens, 4);
  assert.equal(first!.model, 'm');
  assert.equal(first!.version, '3');
  await w.close();
  assert.ok(sink.closed);
});

test('logText false keeps only the hash', async () => {
  const sink = new GatedSink();
  const w = new LogWriter({ sink, flushMs: 60_000, logText: (e) => e !== 'confidential' });
  w.observer(event(['secret goods'], ['r'], 'confidential'));
  w.observer(event(['open goods'], ['s'], 'hs'));
  await w.close();
  assert.equal(sink.rows[0]!.text, null);
  assert.equal(sink.rows[0]!.textSha256, textSha256('secret goods'));
  assert.equal(sink.rows[1]!.text, 'open goods');
});

test('a full queue drops and counts (metric and one warning), and what was queued is still written', async () => {
  const sink = new GatedSink();
  sink.hold();
  const metrics = new Registry();
  const warnings: string[] = [];
  const w = new LogWriter({ sink, flushMs: 60_000, batchTexts: 10, capacityTexts: 40, metrics, warn: (l) => warnings.push(l) });
  for (let i = 0; i < 30; i++) w.observer(event(['t1', 't2'], [`r${i}`]));
  assert.equal(w.stats().queuedTexts, 40);
  assert.equal(w.stats().dropped, 20);
  assert.equal(warnings.length, 1, 'one warning line per interval, not one per drop');
  assert.match(warnings[0]!, /dropped 2 answered text\(s\).*queue is full \(40 texts/);
  const text = await metrics.metrics();
  assert.match(text, /lading_log_dropped_total\{reason="queue-full"\} 20/);
  assert.match(text, /lading_log_queue_texts 40/);
  sink.open();
  await w.flush();
  assert.equal(sink.rows.length, 40);
  assert.ok(sink.batches.every((n) => n <= 10), `batches of at most batchTexts texts: ${sink.batches.join(',')}`);
  assert.match(await metrics.metrics(), /lading_log_rows_total 40/);
  await w.close();
});

test('the timer writes a partial batch; close() writes everything queued before closing the sink', async () => {
  const sink = new GatedSink();
  const w = new LogWriter({ sink, flushMs: 20, batchTexts: 1000 });
  w.observer(event(['one']));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(sink.rows.length, 1, 'written by the timer, not by a full batch');
  for (let i = 0; i < 5; i++) w.observer(event(['x', 'y']));
  await w.close();
  assert.equal(sink.rows.length, 11);
  w.observer(event(['late']));
  assert.equal(w.stats().dropped, 1, 'after close, answers are dropped and counted');
});

test('a failing store counts the batch as dropped and flush still resolves', async () => {
  const warnings: string[] = [];
  let fail = true;
  const ok = new GatedSink();
  const sink: LogSink = {
    append: (b) => (fail ? Promise.reject(new Error('disk full')) : ok.append(b)),
    prune: async () => 0,
    close: async () => undefined,
  };
  const w = new LogWriter({ sink, flushMs: 60_000, warn: (l) => warnings.push(l), warnEveryMs: 0 });
  w.observer(event(['a', 'b']));
  await w.flush();
  assert.equal(w.stats().dropped, 2);
  assert.match(warnings[0]!, /store failed: disk full/);
  fail = false;
  w.observer(event(['c']));
  await w.flush();
  assert.equal(ok.rows.length, 1, 'the labels are sent again after a failed batch');
  await w.close();
});
