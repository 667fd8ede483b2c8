import { InputError } from '../core/errors.js';
import { ALL_EVENTS, DEFAULT_ACK_WAIT_MS, DEFAULT_MAX_DELIVER, type SubscribeOptions } from './bus.js';
import { checkSubjectPattern } from './subject-filter.js';

/** SubscribeOptions with every default filled in and every value checked. */
export interface DurableOptions {
  readonly subjects: readonly string[];
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly deliverFrom: number | 'new' | undefined;
}

const DURABLE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function bad(field: string, expected: string, got: unknown): InputError {
  return new InputError('bad-subscription', `subscription ${field}: expected ${expected}, got ${JSON.stringify(got)}`, { field });
}

/** Checks a durable name and its options the same way for both adapters; an InputError names the field. */
export function durableOptions(durableName: string, options: SubscribeOptions = {}): DurableOptions {
  if (!DURABLE_NAME.test(durableName)) throw bad('durableName', '1-64 letters, digits, _ or -', durableName);
  const subjects = options.subjects ?? [ALL_EVENTS];
  if (subjects.length === 0) throw bad('subjects', 'at least one subject pattern', subjects);
  subjects.forEach(checkSubjectPattern);
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  if (!Number.isInteger(ackWaitMs) || ackWaitMs < 50 || ackWaitMs > 86_400_000) throw bad('ackWaitMs', 'whole milliseconds from 50 to 86400000', ackWaitMs);
  const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 1 || maxDeliver > 1000) throw bad('maxDeliver', 'a whole number from 1 to 1000', maxDeliver);
  const from = options.deliverFrom;
  if (from !== undefined && from !== 'new' && !(Number.isInteger(from) && from >= 1)) throw bad('deliverFrom', 'a position (whole number from 1) or "new"', from);
  return { subjects: [...new Set(subjects)], ackWaitMs, maxDeliver, deliverFrom: from };
}

/** Checks next()'s arguments. */
export function checkNextArgs(batch: number, timeoutMs: number): void {
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw bad('batch', 'a whole number from 1 to 10000', batch);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw bad('timeoutMs', 'milliseconds from 0', timeoutMs);
}
