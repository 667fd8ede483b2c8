import type { ReviewItem, ReviewOccurrence, ReviewState, Suggestion } from './review-queue.js';

/**
 * Rows as both adapters read them (same column names on both). Numbers go through Number(): the
 * PostgreSQL driver returns bigint columns as strings, SQLite as numbers. Suggestions and feedback
 * ids are JSON text on both, so one mapping serves both.
 */
export interface ItemRow {
  id: number | string; endpoint: string; text_sha256: string; text: string; occurrences: number | string;
  top_score: number; suggestions: string; model: string; version: string; variant: string;
  first_seen: number | string; last_seen: number | string; state: string;
  answer_label: string | null; answer_actor: string | null; answer_note: string | null;
  answer_suggestion: number | null; answered_at: number | string | null; feedback_ids: string | null;
}

export interface OccurrenceRow {
  request_id: string | null; position: number; at: number | string; model: string; version: string; variant: string; top_score: number;
}

export function toReviewItem(r: ItemRow): ReviewItem {
  return {
    id: Number(r.id), endpoint: r.endpoint, textSha256: r.text_sha256, text: r.text, occurrences: Number(r.occurrences),
    suggestions: JSON.parse(r.suggestions) as Suggestion[], model: r.model, version: r.version, variant: r.variant,
    firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen), state: r.state as ReviewState,
    answer: r.answer_label === null ? null : {
      label: r.answer_label, actor: r.answer_actor ?? '', note: r.answer_note, suggestion: r.answer_suggestion, at: Number(r.answered_at),
    },
    feedbackIds: r.feedback_ids === null ? null : JSON.parse(r.feedback_ids) as number[],
  };
}

export function toOccurrence(r: OccurrenceRow): ReviewOccurrence {
  return { requestId: r.request_id, position: r.position, at: Number(r.at), model: r.model, version: r.version, variant: r.variant, topScore: r.top_score };
}

/** The parameters of an item's newest view (what the latest occurrence's model suggested). */
export function newestView(suggestions: readonly Suggestion[]): { topScore: number; json: string } {
  return { topScore: suggestions[0]!.score, json: JSON.stringify(suggestions.map((s) => (s.description === undefined ? { label: s.label, score: s.score }
    : { label: s.label, score: s.score, description: s.description }))) };
}
