import type { FeatureValue } from './feature-values.js';
import type { OnlineStore } from './online-store.js';

export type LookupStatus = 'found' | 'expired' | 'unknown-key';

export interface LookupResult {
  readonly status: LookupStatus;
  /** In the order asked; all null unless found. */
  readonly values: readonly FeatureValue[];
  /** When the values became true (epoch ms), when found or expired. */
  readonly time?: number;
}

/**
 * Online lookups with the view's TTL applied at read time, as the training set applied it at
 * its examples' times: a value older than the TTL is `expired` and its features null, so serving
 * sees what training would have seen for a request made now.
 */
export async function lookupOnline(online: OnlineStore, view: string, features: readonly string[], ttlMs: number, keys: readonly string[], now: number): Promise<LookupResult[]> {
  const nulls = features.map(() => null);
  return (await online.read(view, features, keys)).map((r) => {
    if (r === null) return { status: 'unknown-key', values: nulls };
    if (now - r.time > ttlMs) return { status: 'expired', values: nulls, time: r.time };
    return { status: 'found', values: r.values, time: r.time };
  });
}
