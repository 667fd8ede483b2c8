import type { FeedbackRecord } from '../store/monitoring-store.js';
import { classMetrics, type ClassMetrics } from './class-metrics.js';
import { wilsonInterval, Z_95, type ProportionInterval } from './wilson-interval.js';

/**
 * Real accuracy: what the model answered against what people later said was true (feedback joined
 * to its prediction). Only feedback with a joined prediction counts; the rest is reported as
 * `unmatched` so a join that silently fails shows up.
 *
 * The window is on the *prediction's* time (`prediction.at`), not on when the label arrived, so
 * that "the last hour" means the answers given in the last hour and the labelled share (labelled /
 * predictions of the same window) is a true fraction. Labels arrive late; a recent window therefore
 * has a small labelled share, which the share and the Wilson interval make visible.
 */
export interface AccuracyWindow {
  /** Epoch ms, inclusive, on prediction time. */
  readonly since?: number | undefined;
  /** Epoch ms, exclusive, on prediction time. */
  readonly until?: number | undefined;
  /** Only the newest `last` labelled predictions (after the time range). */
  readonly last?: number | undefined;
}

/**
 * Predictions logged in the same window, for the labelled share (the caller counts them in the log:
 * for a time range, countPredictions over it; for `last` N, over the span [from, to] of the result).
 */
export interface PredictionCounts {
  readonly total: number;
  readonly byVariant?: Readonly<Record<string, number>> | undefined;
  /** Keyed by model sha256. */
  readonly byModel?: Readonly<Record<string, number>> | undefined;
}

export interface RealAccuracyOptions {
  readonly predictions?: number | PredictionCounts | undefined;
  readonly window?: AccuracyWindow | undefined;
  /** z of the interval; default 1.96 (95%). */
  readonly z?: number | undefined;
}

export interface AccuracySummary extends ClassMetrics {
  /** Wilson score interval on accuracy ([0, 1] when nothing is labelled). */
  readonly interval: ProportionInterval;
  /** Predictions in the window, when the caller gave them. */
  readonly predictions: number | null;
  /** labelled / predictions; null without a prediction count (or with 0 predictions). */
  readonly labelledShare: number | null;
  /** Labels outside the answering model's label set (always counted wrong). */
  readonly newClassLabels: number;
  /** Prediction time of the oldest and newest labelled item in the window. */
  readonly from: number | null;
  readonly to: number | null;
}

export interface VariantAccuracy extends AccuracySummary {
  readonly variant: string;
}

export interface ModelAccuracy extends AccuracySummary {
  readonly variant: string;
  readonly model: string;
  readonly version: string;
  readonly modelSha256: string;
}

export interface RealAccuracy {
  readonly overall: AccuracySummary;
  /** Sorted by variant. */
  readonly byVariant: readonly VariantAccuracy[];
  /** Sorted by variant, then model, then version. */
  readonly byModel: readonly ModelAccuracy[];
  /** Feedback items given that had no joined prediction (they cannot say anything about accuracy). */
  readonly unmatched: number;
  /** Corrections dropped because a newer one for the same prediction was given. */
  readonly superseded: number;
}

/** A feedback item joined to the prediction it corrects. */
export type JoinedFeedback = FeedbackRecord & { readonly prediction: NonNullable<FeedbackRecord['prediction']> };
type Joined = JoinedFeedback;

/**
 * The labels that count: one per prediction, the latest word when a prediction was corrected twice
 * (a broker, then a customs ruling); feedback without a joined prediction is only counted.
 */
export function latestLabels(feedback: readonly FeedbackRecord[]): { readonly labels: JoinedFeedback[]; readonly unmatched: number; readonly superseded: number } {
  const bySeq = new Map<number, Joined>();
  let unmatched = 0, superseded = 0;
  for (const f of feedback) {
    if (f.prediction === null) { unmatched++; continue; }
    const j = f as Joined;
    const seen = bySeq.get(j.prediction.seq);
    if (seen) {
      superseded++;
      if (newer(j, seen)) bySeq.set(j.prediction.seq, j);
    } else bySeq.set(j.prediction.seq, j);
  }
  return { labels: [...bySeq.values()], unmatched, superseded };
}

export function realAccuracy(feedback: readonly FeedbackRecord[], options: RealAccuracyOptions = {}): RealAccuracy {
  const z = options.z ?? Z_95;
  const counts: PredictionCounts | undefined = typeof options.predictions === 'number' ? { total: options.predictions } : options.predictions;
  const { labels, unmatched, superseded } = latestLabels(feedback);
  const w = options.window ?? {};
  let rows = labels.filter((f) => (w.since === undefined || f.prediction.at >= w.since) && (w.until === undefined || f.prediction.at < w.until));
  rows.sort((a, b) => a.prediction.at - b.prediction.at || a.prediction.seq - b.prediction.seq);
  if (w.last !== undefined && rows.length > w.last) rows = rows.slice(rows.length - Math.max(0, w.last));

  const overall = summarise(rows, counts?.total, z);
  const variants = groupBy(rows, (f) => f.prediction.variant);
  const byVariant = [...variants].sort(([a], [b]) => compare(a, b))
    .map(([variant, items]) => ({ variant, ...summarise(items, counts?.byVariant?.[variant], z) }));
  const models = groupBy(rows, (f) => `${f.prediction.variant}\0${f.prediction.model}\0${f.prediction.version}\0${f.prediction.modelSha256}`);
  const byModel = [...models.values()].map((items) => {
    const p = items[0]!.prediction;
    return { variant: p.variant, model: p.model, version: p.version, modelSha256: p.modelSha256, ...summarise(items, counts?.byModel?.[p.modelSha256], z) };
  }).sort((a, b) => compare(a.variant, b.variant) || compare(a.model, b.model) || compare(a.version, b.version));
  return { overall, byVariant, byModel, unmatched, superseded };
}

function newer(a: FeedbackRecord, b: FeedbackRecord): boolean {
  return a.receivedAt !== b.receivedAt ? a.receivedAt > b.receivedAt : a.time >= b.time;
}

function summarise(rows: readonly Joined[], predictions: number | undefined, z: number): AccuracySummary {
  const m = classMetrics(rows.map((f) => f.label), rows.map((f) => f.prediction.label));
  let newClassLabels = 0;
  for (const f of rows) if (f.newClass) newClassLabels++;
  return {
    ...m,
    interval: wilsonInterval(m.correct, m.labelled, z),
    predictions: predictions ?? null,
    // More labels than predictions happens when the count came from a narrower query; cap at 1 rather than report 120%.
    labelledShare: predictions !== undefined && predictions > 0 ? Math.min(1, m.labelled / predictions) : null,
    newClassLabels,
    from: rows.length > 0 ? rows[0]!.prediction.at : null,
    to: rows.length > 0 ? rows[rows.length - 1]!.prediction.at : null,
  };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r); else out.set(k, [r]);
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
