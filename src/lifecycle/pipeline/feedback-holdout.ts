import type { StoredFeedback } from '../../monitoring/store/monitoring-store.js';

export interface FeedbackSplit {
  /** The items that train the candidate (oldest texts, and items without a stored text). */
  readonly training: readonly StoredFeedback[];
  /** Every item of the held-out texts: the candidate never sees them, the gates grade it on them. */
  readonly heldOut: readonly StoredFeedback[];
  /** Distinct texts among the items (what the share is taken of), and how many were held out. */
  readonly texts: number;
  readonly heldOutTexts: number;
}

/**
 * The newest `share` of the accepted feedback, split by text: every item of one text goes the same
 * way, so a text whose old correction trained the candidate cannot also grade it. A text is as new
 * as its latest item (feedback time, then id: of two at the same time the later received is newer);
 * the newest floor(share x texts) texts are held out, so the holdout is what production sees now.
 * Items without a stored text can be neither trained nor gated on; they stay with training, where
 * feedbackDataset counts them as skipped.
 */
export function splitFeedbackHoldout(items: readonly StoredFeedback[], share: number): FeedbackSplit {
  const newest = new Map<string, { time: number; id: number }>();
  for (const f of items) {
    if (f.text === null) continue;
    const known = newest.get(f.textSha256);
    if (known === undefined || f.time > known.time || (f.time === known.time && f.id > known.id)) newest.set(f.textSha256, { time: f.time, id: f.id });
  }
  const byAge = [...newest.entries()].sort((a, b) => b[1].time - a[1].time || b[1].id - a[1].id);
  // The tolerance keeps 0.29 x 100 at 29 (binary fractions make it 28.999...).
  const count = share > 0 ? Math.floor(share * byAge.length + 1e-9) : 0;
  const held = new Set(byAge.slice(0, count).map(([sha]) => sha));
  return {
    training: items.filter((f) => f.text === null || !held.has(f.textSha256)),
    heldOut: items.filter((f) => f.text !== null && held.has(f.textSha256)),
    texts: byAge.length,
    heldOutTexts: held.size,
  };
}
