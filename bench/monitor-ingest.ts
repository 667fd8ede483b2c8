/**
 * Prediction-log ingest rate of a MonitoringStore: the integrator's `npm run bench:monitor` calls
 * measureIngest on each back-end. Rows are realistic (a 40-80 character product text, 5 top-k
 * entries, its ~8 token hashes and stats) and go in as the log writer sends them: batches of 1,000.
 * The rows are built before the clock starts, so the figure is the store's alone.
 */
import { performance } from 'node:perf_hooks';
import { sha256Hex } from '../src/core/hash.js';
import type { LoggedPrediction, RankedLabel } from '../src/monitoring/log/logged-prediction.js';
import type { MonitoringStore } from '../src/monitoring/store/monitoring-store.js';
import { computeTextStats } from '../src/monitoring/text-stats.js';
import { normaliseText } from '../src/text/normalise.js';

export const INGEST_BATCH = 1_000;

const WORDS = ['steel', 'kitchen', 'knife', 'blade', 'cotton', 'shirt', 'navy', 'organic', 'green', 'tea', 'bags', 'cable',
  'braided', 'nylon', 'charger', 'lamp', 'desk', 'wireless', 'frozen', 'salmon', 'fillet', 'ceramic', 'bowl', 'glass',
  'bottle', 'leather', 'wallet', 'rubber', 'gloves', 'wooden', 'chair', 'plastic', 'toy', 'car', 'silk', 'scarf'];

/** Deterministic pseudo-random (no Math.random: runs compare). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 0x100000000; };
}

function realisticText(rand: () => number): string {
  let text = '';
  const target = 40 + Math.floor(rand() * 41);
  while (text.length < target) {
    const w = WORDS[Math.floor(rand() * WORDS.length)]!;
    text += text === '' ? w[0]!.toUpperCase() + w.slice(1) : ` ${w}`;
    if (rand() < 0.15) text += ` ${Math.floor(rand() * 500)}cm`;
  }
  return text.slice(0, 80);
}

/** `batches` batches of INGEST_BATCH rows; 1,000 distinct texts are reused with fresh ids and times. */
export function ingestBatches(batches: number, endpoint = 'bench', startAt = Date.now()): LoggedPrediction[][] {
  const rand = lcg(42);
  const templates = Array.from({ length: INGEST_BATCH }, (_, i) => {
    const text = realisticText(rand);
    const top = 0.4 + rand() * 0.5;
    const topK: RankedLabel[] = [top, (1 - top) * 0.5, (1 - top) * 0.25, (1 - top) * 0.15, (1 - top) * 0.1]
      .map((score, k) => ({ label: `${3900 + ((i + k * 7) % 97)}`, score }));
    return { text, textSha256: sha256Hex(normaliseText(text)), topK, stats: computeTextStats(text) };
  });
  const out: LoggedPrediction[][] = [];
  for (let b = 0; b < batches; b++) {
    out.push(templates.map((t, i): LoggedPrediction => ({
      requestId: `bench-${b}-${i >> 3}`, position: i & 7, at: startAt + b * INGEST_BATCH + i, endpoint, variant: 'main', role: 'primary',
      model: 'hs-codes', version: '7', modelSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      text: t.text, textSha256: t.textSha256, label: t.topK[0]!.label, score: t.topK[0]!.score, topK: t.topK,
      latencyMs: 2.5, stats: t.stats,
    })));
  }
  return out;
}

/** Appends `rows` rows (rounded up to whole batches of 1,000) and returns the sustained rate. */
export async function measureIngest(store: MonitoringStore, rows: number): Promise<{ rowsPerSecond: number }> {
  const batches = ingestBatches(Math.max(1, Math.ceil(rows / INGEST_BATCH)));
  const t0 = performance.now();
  for (const batch of batches) await store.appendPredictions(batch);
  const seconds = (performance.now() - t0) / 1000;
  return { rowsPerSecond: Math.round((batches.length * INGEST_BATCH) / seconds) };
}

/**
 * Ingest as the log grows: `rows` rows whose texts are all distinct (an invoice line seldom repeats
 * word for word; measureIngest's 1,000 reused texts let a lookup index stay small), in batches of
 * 1,000, each built just before its append; the rate of the appends of the last quarter, when the
 * log already holds three quarters of the rows. The lookup index's cost per row must not grow with
 * the log: a store whose index does shows it here and not in measureIngest.
 */
export async function measureSustainedIngest(store: MonitoringStore, rows: number): Promise<{ rowsPerSecond: number }> {
  const [templates] = ingestBatches(1);
  const batches = Math.max(4, Math.ceil(rows / INGEST_BATCH));
  const startAt = Date.now();
  let timed = 0;
  let seconds = 0;
  for (let b = 0; b < batches; b++) {
    const batch = templates!.map((t, i): LoggedPrediction => {
      const n = b * INGEST_BATCH + i;
      return { ...t, requestId: `sustained-${n}`, position: 0, at: startAt + n, textSha256: n.toString(16).padStart(64, '0') };
    });
    const t0 = performance.now();
    await store.appendPredictions(batch);
    if (b >= (batches * 3) / 4) { seconds += (performance.now() - t0) / 1000; timed += batch.length; }
  }
  return { rowsPerSecond: Math.round(timed / seconds) };
}
