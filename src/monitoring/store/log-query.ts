import { InputError } from '../../core/errors.js';
import type { FeedbackQuery, LogQuery, RetentionPolicy } from './monitoring-store.js';

/**
 * The WHERE clause of a log query, shared by both adapters (they differ only in how a parameter is
 * written: `?` or `$n`, which `param` returns after recording the value). Every condition leads with
 * `endpoint = ? AND at ...`, which the (endpoint, at) index serves; the rest filter within it.
 */
export function logWhere(q: LogQuery, param: (value: unknown) => string): string {
  checkLogQuery(q);
  const parts = [`endpoint = ${param(q.endpoint)}`];
  if (q.since !== undefined) parts.push(`at >= ${param(q.since)}`);
  if (q.until !== undefined) parts.push(`at < ${param(q.until)}`);
  if (q.variant !== undefined) parts.push(`variant = ${param(q.variant)}`);
  if (q.modelSha256 !== undefined) parts.push(`model_sha256 = ${param(q.modelSha256)}`);
  const role = q.role ?? 'primary';
  if (role !== 'any') parts.push(`role = ${param(role)}`);
  return parts.join(' AND ');
}

/** Feedback is filtered on its own time and on the prediction it corrects (variant, model). */
export function feedbackWhere(q: FeedbackQuery, param: (value: unknown) => string): string {
  checkRange('feedback query', q.endpoint, q.since, q.until, q.last);
  if (q.afterId !== undefined && !Number.isSafeInteger(q.afterId)) {
    throw new InputError('bad-log-query', `feedback query: afterId ${String(q.afterId)} is not allowed`, { field: 'afterId', value: String(q.afterId) }, 'Use a feedback id (a whole number).');
  }
  if (q.throughId !== undefined && !Number.isSafeInteger(q.throughId)) {
    throw new InputError('bad-log-query', `feedback query: throughId ${String(q.throughId)} is not allowed`, { field: 'throughId', value: String(q.throughId) }, 'Use a feedback id (a whole number).');
  }
  const parts = [`endpoint = ${param(q.endpoint)}`];
  if (q.afterId !== undefined) parts.push(`id > ${param(q.afterId)}`);
  if (q.throughId !== undefined) parts.push(`id <= ${param(q.throughId)}`);
  if (q.since !== undefined) parts.push(`time >= ${param(q.since)}`);
  if (q.until !== undefined) parts.push(`time < ${param(q.until)}`);
  if (q.variant !== undefined) parts.push(`pred_variant = ${param(q.variant)}`);
  if (q.modelSha256 !== undefined) parts.push(`pred_model_sha256 = ${param(q.modelSha256)}`);
  return parts.join(' AND ');
}

export function checkLogQuery(q: LogQuery): void {
  checkRange('log query', q.endpoint, q.since, q.until, q.last);
  if (q.role !== undefined && q.role !== 'primary' && q.role !== 'shadow' && q.role !== 'any') {
    throw new InputError('bad-log-query', `log query: role "${String(q.role)}" is not one of primary, shadow, any`, { role: String(q.role) });
  }
}

function checkRange(what: string, endpoint: unknown, since: unknown, until: unknown, last: unknown): void {
  const fail = (field: string, value: unknown, hint: string) => {
    throw new InputError('bad-log-query', `${what}: ${field} ${String(value)} is not allowed`, { field, value: String(value) }, hint);
  };
  if (typeof endpoint !== 'string' || endpoint === '') fail('endpoint', endpoint, 'Name the endpoint.');
  if (since !== undefined && !Number.isFinite(since)) fail('since', since, 'Use epoch milliseconds.');
  if (until !== undefined && !Number.isFinite(until)) fail('until', until, 'Use epoch milliseconds.');
  if (last !== undefined && !(Number.isSafeInteger(last) && (last as number) >= 0)) fail('last', last, 'Use a whole number of rows, 0 or more.');
}

export const DEFAULT_PAGE_SIZE = 10_000;

export function checkPageSize(pageSize: number): number {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new InputError('bad-page-size', `log scan: page size ${pageSize} must be a whole number of at least 1`, { pageSize });
  }
  return pageSize;
}

export function checkRetention(policy: RetentionPolicy): void {
  const bad = !Number.isFinite(policy.now) ? 'now'
    : policy.maxAgeMs !== undefined && !(Number.isFinite(policy.maxAgeMs) && policy.maxAgeMs >= 0) ? 'maxAgeMs'
    : policy.maxRows !== undefined && !(Number.isSafeInteger(policy.maxRows) && policy.maxRows >= 0) ? 'maxRows'
    : undefined;
  if (bad !== undefined) {
    throw new InputError('bad-retention', `log retention: ${bad} ${String(policy[bad])} is not allowed; nothing was pruned`, { field: bad },
      'maxAgeMs is milliseconds, maxRows a whole number, both 0 or more; now is epoch milliseconds.');
  }
}

/** countFeedback with `last`: refused rather than answered with a count that means nothing. */
export function countWithLast(): InputError {
  return new InputError('bad-log-query', 'feedback count: `last` is not allowed', { field: 'last' }, 'Count a time or id range instead.');
}
