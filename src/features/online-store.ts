import type { FeatureValue } from './feature-values.js';

/**
 * The online store: each entity's latest values per view, for lookups at serving time. Written
 * by `lading features materialize` from the offline store (the only source of truth), read by key
 * in batches. Adapters: sqlite/ (the default, `<home>/online.sqlite`) and redis/ (at scale); one
 * contract suite runs on both.
 */
export interface OnlineRow {
  readonly entityKey: string;
  /** When the values became true (epoch ms): a lookup past the view's TTL treats them as absent. */
  readonly time: number;
  readonly values: readonly FeatureValue[];
}

export interface OnlineValues {
  readonly time: number;
  /** In the order of the features asked for; null for a feature the row does not carry. */
  readonly values: readonly FeatureValue[];
}

export interface OnlineStore {
  /**
   * Stores each row as the entity's latest for `view`, replacing what was there unless that is
   * newer (a materialization that overlaps an earlier one never moves a key back in time).
   * `features` names the row's values, in order.
   */
  write(view: string, features: readonly string[], rows: readonly OnlineRow[]): Promise<number>;
  /** One result per key, in order: the latest values, or null for a key the store does not hold. */
  read(view: string, features: readonly string[], keys: readonly string[]): Promise<(OnlineValues | null)[]>;
  close(): Promise<void>;
}

/** Values as the online store keeps them: by feature name, so a view that gained a feature reads old rows as null for it. */
export function encodeOnline(features: readonly string[], row: OnlineRow): string {
  const named: Record<string, FeatureValue> = {};
  features.forEach((f, i) => { named[f] = row.values[i] ?? null; });
  return JSON.stringify({ t: row.time, v: named });
}

export function decodeOnline(text: string, features: readonly string[]): OnlineValues {
  const parsed = JSON.parse(text) as { t: number; v: Record<string, FeatureValue> };
  return { time: parsed.t, values: features.map((f) => (Object.hasOwn(parsed.v, f) ? parsed.v[f]! : null)) };
}
