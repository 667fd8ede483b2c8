import { InputError } from '../core/errors.js';
import { acceptFeedback, type AcceptedFeedback, type FeedbackItemInput, type FeedbackTarget } from '../monitoring/feedback/accept-feedback.js';
import { reviewAnswerSource } from '../monitoring/feedback/review-answer-source.js';
import { claimRefused } from './check-routed.js';
import type { ReviewAnswer, ReviewItem, ReviewOccurrence, ReviewQueue } from './review-queue.js';

/** An answer as a client or the CLI gives it (unvalidated): a label, or the index of a suggestion to accept. */
export interface ReviewAnswerInput {
  readonly label?: unknown;
  readonly accept?: unknown;
  readonly actor?: unknown;
  readonly note?: unknown;
}

export interface AnsweredReview {
  readonly item: ReviewItem;
  /** The feedback written: one record per logged occurrence, one for the rest (joined by text). */
  readonly feedback: AcceptedFeedback;
}

const MAX_LABEL = 1000;
const MAX_ACTOR = 100;
const MAX_NOTE = 2000;

/**
 * Answers a review item, and with it every routed occurrence of its text: the answer is recorded
 * (who, when, which label, an optional note), then written as feedback through the path POST
 * /v1/feedback takes (acceptFeedback), so real accuracy, `feedback to-dataset` and retraining
 * pipelines see it like any delayed label. Each occurrence found in the prediction log is joined
 * by its request id and position; occurrences the log does not hold (no request id, pruned, log
 * off) become one item joined by the text. The feedback's source is `review:<actor>`.
 *
 * Order: claim (so two brokers never both answer), then feedback, then the feedback ids on the
 * item. When the feedback cannot be written the claim is released and the error passed on, so the
 * item is open again and nothing half-done stays. A crash between the claim and the feedback leaves
 * an answered item without feedback ids (visible in exports as `feedbackIds: null`).
 */
export async function answerReview(queue: ReviewQueue, target: FeedbackTarget, id: number, input: ReviewAnswerInput, now = Date.now()): Promise<AnsweredReview> {
  const item = await queue.get(id);
  if (item === undefined || item.state !== 'open') throw claimRefused(id, item);
  const answer = checkAnswer(input, item, now);
  const claimed = await queue.claimAnswer(id, answer);
  try {
    await target.flushLog?.();
    const items = await feedbackItems(target, claimed.occurrences, claimed.item, answer.label);
    const feedback = await acceptFeedback(items, { ...target, flushLog: undefined, endpoint: item.endpoint, defaultSource: reviewAnswerSource(answer.actor), now });
    await queue.recordFeedback(id, feedback.ids);
    return { item: { ...claimed.item, feedbackIds: feedback.ids }, feedback };
  } catch (e) {
    await queue.releaseAnswer(id, answer.at).catch(() => undefined);
    throw e;
  }
}

async function feedbackItems(target: FeedbackTarget, occurrences: readonly ReviewOccurrence[], item: ReviewItem, label: string): Promise<FeedbackItemInput[]> {
  const items: FeedbackItemInput[] = [];
  let unlogged = false;
  for (const o of occurrences) {
    if (o.requestId !== null && await target.store.findByRequestId(o.requestId, o.position) !== undefined) {
      items.push({ requestId: o.requestId, position: o.position, label });
    } else {
      unlogged = true;
    }
  }
  if (unlogged || items.length === 0) items.push({ text: item.text, label });
  return items;
}

function checkAnswer(input: ReviewAnswerInput, item: ReviewItem, now: number): ReviewAnswer {
  const bad = (field: string, code: string, problem: string, hint?: string) => new InputError(code, `${field}: ${problem}`, { field, item: item.id }, hint);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw bad('$', 'bad-answer', 'an answer is an object {"label": "..."} or {"accept": 0}');
  }
  const hasLabel = input.label !== undefined && input.label !== null;
  const hasAccept = input.accept !== undefined && input.accept !== null;
  if (hasLabel === hasAccept) {
    throw bad('label', 'bad-answer', hasLabel ? 'give the label or accept a suggestion, not both' : 'give the label ({"label": "..."}) or accept a suggestion ({"accept": 0})',
      `Item ${item.id} suggests ${item.suggestions.map((s, i) => `${i}: ${s.label}`).join(', ')}.`);
  }
  let label: string;
  let suggestion: number | null = null;
  if (hasAccept) {
    const k = input.accept;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= item.suggestions.length) {
      throw bad('accept', 'bad-suggestion', `must be the index of one of the item's ${item.suggestions.length} suggestion(s) (0 to ${item.suggestions.length - 1}), got ${JSON.stringify(k)}`);
    }
    suggestion = k;
    label = item.suggestions[k]!.label;
  } else {
    if (typeof input.label !== 'string' && typeof input.label !== 'number') throw bad('label', 'bad-label', `must be a string, got ${typeof input.label}`);
    label = String(input.label).trim();
    if (label === '') throw bad('label', 'empty-label', 'the label is empty');
    if (label.length > MAX_LABEL) throw bad('label', 'bad-label', `is longer than ${MAX_LABEL} characters`);
  }
  if (typeof input.actor !== 'string' || input.actor.trim() === '' || input.actor.length > MAX_ACTOR) {
    throw bad('actor', 'bad-actor', `who answered must be a non-empty name of at most ${MAX_ACTOR} characters`);
  }
  let note: string | null = null;
  if (input.note !== undefined && input.note !== null && input.note !== '') {
    if (typeof input.note !== 'string' || input.note.length > MAX_NOTE) throw bad('note', 'bad-note', `must be a string of at most ${MAX_NOTE} characters`);
    note = input.note;
  }
  return { label, actor: input.actor.trim(), note, suggestion, at: now };
}
