import type { DatasetRows } from '../../core/dataset.js';
import type { StoredFeedback } from '../store/monitoring-store.js';
import { isReviewAnswer } from './review-answer-source.js';

export interface FeedbackDataset {
  readonly rows: DatasetRows;
  /** What the rows came from: endpoint, window and count, as the dataset's source names it. */
  readonly lineage: string;
  /** Feedback without a stored text (the endpoint logged hashes only, and the item sent none). */
  readonly skippedNoText: number;
  /** Older corrections of a text that has a newer one. */
  readonly replaced: number;
}

/**
 * Accepted feedback as training rows (text, label): one row per normalised text, its most recent
 * label winning (a later ruling supersedes an earlier correction), in order of first appearance.
 * A row whose winning label is a review answer is one of the rows' `reviewRows` (picked for being
 * hard, not drawn as traffic is: training/traffic-rows.ts).
 * The lineage string goes where the dataset registry keeps a version's source.
 */
export function feedbackDataset(feedback: readonly StoredFeedback[], window: { endpoint: string; since?: number | undefined; until: number; name?: string | undefined }): FeedbackDataset {
  const byText = new Map<string, { text: string; label: string; time: number; reviewed: boolean }>();
  let skipped = 0;
  let replaced = 0;
  for (const f of feedback) {
    if (f.text === null) { skipped++; continue; }
    const known = byText.get(f.textSha256);
    const row = { text: f.text, label: f.label, time: f.time, reviewed: isReviewAnswer(f.source) };
    if (known === undefined) byText.set(f.textSha256, row);
    else {
      replaced++;
      if (f.time >= known.time) byText.set(f.textSha256, row);
    }
  }
  const kept = [...byText.values()];
  const from = window.since !== undefined ? new Date(window.since).toISOString() : 'start';
  const lineage = `feedback:${window.endpoint} ${from}..${new Date(window.until).toISOString()} (${feedback.length} items, ${kept.length} rows)${window.name !== undefined ? ` name=${window.name}` : ''}`;
  const reviewRows = kept.flatMap((k, i) => (k.reviewed ? [i] : []));
  return {
    rows: { textColumn: 'text', labelColumns: ['label'], texts: kept.map((k) => k.text), labels: { label: kept.map((k) => k.label) }, ...(reviewRows.length > 0 ? { reviewRows } : {}) },
    lineage, skippedNoText: skipped, replaced,
  };
}
