import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import type { ReviewItem, RoutedText } from './review-queue.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** Refuses a batch with a malformed row before anything is stored, naming the row and field. */
export function checkRoutedTexts(rows: readonly RoutedText[]): void {
  rows.forEach((r, i) => {
    const bad = (field: string, problem: string) => new InputError('bad-routed-text', `rows[${i}].${field}: ${problem}`, { row: i, field: `rows[${i}].${field}` });
    if (typeof r.endpoint !== 'string' || r.endpoint === '') throw bad('endpoint', 'must be a non-empty string');
    if (typeof r.text !== 'string') throw bad('text', 'must be a string');
    if (typeof r.textSha256 !== 'string' || !SHA256.test(r.textSha256)) throw bad('textSha256', 'must be 64 lower-case hex digits');
    if (r.requestId !== null && (typeof r.requestId !== 'string' || r.requestId === '')) throw bad('requestId', 'must be a non-empty string or null');
    if (!Number.isInteger(r.position) || r.position < 0) throw bad('position', 'must be a whole number >= 0');
    if (!Number.isFinite(r.at)) throw bad('at', 'must be epoch milliseconds');
    if (!Array.isArray(r.suggestions) || r.suggestions.length === 0) throw bad('suggestions', 'needs at least the answer given');
    r.suggestions.forEach((s, k) => {
      if (typeof s.label !== 'string' || !Number.isFinite(s.score) || (s.description !== undefined && typeof s.description !== 'string')) {
        throw bad(`suggestions[${k}]`, 'must be {label: string, score: finite number, description?: string}');
      }
    });
  });
}

/** Why an item could not be claimed: it does not exist, or somebody answered it first. */
export function claimRefused(id: number, item: ReviewItem | undefined): Error {
  if (item === undefined) return new NotFoundError('unknown-review-item', `no review item ${id}`, { item: id }, 'List the open items: GET /v1/review?endpoint=E or `lading review list --endpoint E`.');
  return new ConflictError('already-answered', `review item ${id} was already answered "${item.answer?.label ?? ''}" by ${item.answer?.actor ?? 'someone'}`,
    { item: id, label: item.answer?.label ?? '', actor: item.answer?.actor ?? '' }, 'Send a correction as feedback (POST /v1/feedback) if that answer was wrong.');
}
