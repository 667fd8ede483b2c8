/**
 * The monitoring and review side of `npm run bench:ui`'s workspace: PREDICTIONS logged predictions
 * on endpoint hs spread evenly over the last DAYS days (variant a = the champion, 90%; b = the
 * challenger, 10%, as the endpoint's canary), delayed labels for one answer in 50, an alert history,
 * and a review queue. Rows go in through the store's own appendPredictions in 1,000-row batches, as
 * the log writer sends them (bench/monitor-ingest.ts measures that path at ~150k rows/s).
 *
 * 1,000 distinct invoice lines are scored once by the real models, so the drift tests and the CBPE
 * estimate read answers the reference profiles can be compared with; each row reuses one of them
 * with its own request id and time.
 */
import { sha256Hex } from '../src/core/hash.js';
import { generateInvoiceLines } from '../src/demo/invoice-lines.js';
import type { LoggedPrediction, RankedLabel } from '../src/monitoring/log/logged-prediction.js';
import { LOGGED_TOP_K } from '../src/monitoring/log/logged-prediction.js';
import type { FeedbackRecord } from '../src/monitoring/store/monitoring-store.js';
import { computeTextStats, type TextStats } from '../src/monitoring/text-stats.js';
import { openPlatformMonitoringStore } from '../src/platform/index.js';
import { openPlatformReviewQueue } from '../src/platform/review-queue.js';
import type { RoutedText } from '../src/review/review-queue.js';
import { normaliseText } from '../src/text/normalise.js';
import type { TrainRunResult } from '../src/training/train-run.js';
import { ENDPOINT, MODEL, type Where } from './ui-seed.js';

export const DAYS = 7;
const BATCH = 1_000;
/** One answer in FEEDBACK_EVERY gets a label later. */
const FEEDBACK_EVERY = 50;

interface Template { readonly text: string; readonly textSha256: string; readonly stats: TextStats; readonly truth: string; readonly topK: readonly RankedLabel[][] }

/** Per line, each model's top-k (index 0: champion, 1: challenger). */
function templates(runs: readonly TrainRunResult[]): Template[] {
  const lines = generateInvoiceLines({ rows: 1000, seed: 99, classes: 12 });
  const texts = lines.map((l) => l.text);
  const perModel = runs.map((run) => {
    const labels = run.meta.labels;
    const proba = new Float32Array(texts.length * labels.length);
    run.classifier.predictProba(texts, proba);
    return texts.map((_, i) => labels.map((label, k) => ({ label, score: proba[i * labels.length + k]! }))
      .sort((a, b) => b.score - a.score).slice(0, LOGGED_TOP_K));
  });
  return lines.map((l, i) => ({ text: l.text, textSha256: sha256Hex(normaliseText(l.text)), stats: computeTextStats(l.text), truth: l.label, topK: perModel.map((m) => m[i]!) }));
}

export interface SeededLog { readonly predictions: number; readonly feedback: number; readonly alerts: number; readonly reviewItems: number; readonly seconds: number }

export async function seedLog(where: Where, runs: readonly TrainRunResult[], sha256: readonly string[], versions: readonly [number, number], predictions: number, now: number, log: (s: string) => void): Promise<SeededLog> {
  const started = performance.now();
  const t = templates(runs);
  const first = now - DAYS * 86_400_000;
  const step = (DAYS * 86_400_000) / predictions;
  const store = await openPlatformMonitoringStore(where);
  let feedback = 0;
  try {
    const labels: FeedbackRecord[] = [];
    for (let start = 0; start < predictions; start += BATCH) {
      const batch: LoggedPrediction[] = [];
      for (let k = start; k < Math.min(start + BATCH, predictions); k++) {
        const tpl = t[(k * 7919) % t.length]!;
        const m = k % 10 === 9 ? 1 : 0; // the canary's 10%
        const top = tpl.topK[m]!;
        const row: LoggedPrediction = {
          requestId: `r-${k >> 2}`, position: k & 3, at: Math.floor(first + k * step), endpoint: ENDPOINT, variant: m ? 'b' : 'a', role: 'primary',
          model: MODEL, version: String(versions[m]), modelSha256: sha256[m]!, text: tpl.text, textSha256: tpl.textSha256,
          label: top[0]!.label, score: top[0]!.score, topK: top, latencyMs: 2 + (k % 5), stats: tpl.stats,
        };
        batch.push(row);
        if (k % FEEDBACK_EVERY === 0) {
          // A fresh store hands out seqs from 1 in append order, so row k is seq k + 1.
          labels.push({
            endpoint: ENDPOINT, time: row.at + 3_600_000, receivedAt: row.at + 3_600_000, label: tpl.truth, source: 'broker',
            requestId: row.requestId, position: row.position, text: row.text, textSha256: row.textSha256,
            prediction: { seq: k + 1, variant: row.variant, model: MODEL, version: row.version, modelSha256: row.modelSha256, label: row.label, score: row.score, at: row.at },
            newClass: false,
          });
        }
      }
      await store.appendPredictions(batch);
      if (labels.length >= 5_000) { feedback += (await store.addFeedback(labels.splice(0))).length; }
      if ((start / BATCH) % 200 === 199) log(`logged ${start + BATCH} predictions`);
    }
    if (labels.length > 0) feedback += (await store.addFeedback(labels)).length;
    // An alert history: a drift or accuracy rule firing and resolving twice a day.
    let alerts = 0;
    for (let h = 0; h < DAYS * 24; h += 12) {
      const at = first + h * 3_600_000;
      const rule = h % 24 === 0 ? 'drift' : 'estimated-accuracy';
      for (const [state, when] of [['fired', at], ['resolved', at + 5_400_000]] as const) {
        await store.recordAlertEvent({ id: `${rule}:${ENDPOINT}:a:${at}`, state, rule, endpoint: ENDPOINT, variant: 'a', at: when, value: 0.31, threshold: 0.25, message: `${rule} on ${ENDPOINT}/a` });
        alerts++;
      }
    }
    const reviewItems = await seedReview(where, t, versions[0], first);
    return { predictions, feedback, alerts, reviewItems, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}

/** 5,000 routed answers of 1,000 distinct texts, a fifth of the items answered. */
async function seedReview(where: Where, t: readonly Template[], version: number, first: number): Promise<number> {
  const queue = await openPlatformReviewQueue(where);
  try {
    const routed: RoutedText[] = [];
    for (let k = 0; k < 5_000; k++) {
      const tpl = t[k % t.length]!;
      routed.push({
        endpoint: ENDPOINT, text: tpl.text, textSha256: tpl.textSha256, requestId: `rev-${k}`, position: 0, model: MODEL, version: String(version),
        variant: 'a', suggestions: tpl.topK[0]!.slice(0, 3), at: first + k * 60_000,
      });
    }
    await queue.enqueue(routed);
    const open = await queue.list({ endpoint: ENDPOINT, state: 'open', limit: 200 });
    for (const item of open.items) {
      await queue.claimAnswer(item.id, { label: item.suggestions[0]!.label, actor: 'carol', note: null, suggestion: 0, at: first + 86_400_000 });
    }
    return t.length;
  } finally {
    await queue.close();
  }
}
