/** The feedback source of a reviewer's answer: `review:<actor>`, so who answered stays on record. */
export function reviewAnswerSource(actor: string): string {
  return `review:${actor}`;
}

/** Whether feedback came from the review queue (its text was routed there: picked for being hard, not drawn as traffic is). */
export function isReviewAnswer(source: string): boolean {
  return source.startsWith('review:');
}
