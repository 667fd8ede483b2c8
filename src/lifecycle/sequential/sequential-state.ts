import { asRecord, badField } from './sequential-input.js';

/**
 * Every sequential test serialises to one JSON shape, `{ format, kind, options, counts }`, which the
 * controller persists across restarts. The resolved options (tuning labels included) travel with
 * the counts, so a restored test decides exactly as the one saved, even if a default changes later.
 */
export const SEQUENTIAL_STATE_FORMAT = 'lading-sequential/1';

export interface SequentialState<K extends string, O, C> {
  readonly format: typeof SEQUENTIAL_STATE_FORMAT;
  readonly kind: K;
  readonly options: O;
  readonly counts: C;
}

/** The options and counts of a saved state of `kind`, still unchecked; errors name the field under `state`. */
export function openState(value: unknown, kind: string): { options: unknown; counts: Record<string, unknown> } {
  const o = asRecord('state', value);
  if (o['format'] !== SEQUENTIAL_STATE_FORMAT) throw badField('state.format', `must be "${SEQUENTIAL_STATE_FORMAT}"`, o['format']);
  if (o['kind'] !== kind) throw badField('state.kind', `must be "${kind}"`, o['kind']);
  return { options: o['options'], counts: asRecord('state.counts', o['counts']) };
}
