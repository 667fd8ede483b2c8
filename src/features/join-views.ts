import type { FeatureCell } from '../core/dataset.js';
import type { OfflineStore, StoredView } from './offline-store.js';
import { joinPointInTime } from './point-in-time-join.js';

/** One view's features to join, and each example's key of the view's entity. */
export interface ViewToJoin {
  readonly view: StoredView;
  readonly features: readonly string[];
  /** The example's key of the view's entity; a key the store never saw (or '') joins nothing. */
  readonly keys: readonly string[];
}

export interface ViewJoinStats {
  readonly view: string;
  readonly version: number;
  readonly matched: number;
  readonly expired: number;
  readonly missing: number;
}

export interface JoinedColumns {
  /** `VIEW:FEATURE`, in the order asked. */
  readonly featureColumns: string[];
  /** features[column][example]; null where the example had no value at its time. */
  readonly features: Record<string, FeatureCell[]>;
  readonly stats: ViewJoinStats[];
}

/**
 * Examples joined with the views' features point in time (Feast's semantics, point-in-time-join.ts),
 * view by view (each view is one scan of its history). `features training-set` builds a training set
 * with it, and `eval`/`predict --as-of` the honest offline inputs of a past period: one join for both.
 */
export async function joinViewsAt(store: OfflineStore, views: readonly ViewToJoin[], times: Float64Array): Promise<JoinedColumns> {
  const featureColumns: string[] = [];
  const features: Record<string, FeatureCell[]> = {};
  const stats: ViewJoinStats[] = [];
  for (const { view, features: names, keys } of views) {
    const ids = await store.entityIds(view.spec.entity.name, keys);
    const joined = await joinPointInTime({ entityIds: ids, times }, names.length, view.spec.ttlMs, (onPage) => store.scanHistory(view.name, names, onPage));
    names.forEach((f, i) => {
      const column = `${view.name}:${f}`;
      featureColumns.push(column);
      features[column] = joined.values[i]!;
    });
    stats.push({ view: view.name, version: view.version, matched: joined.matched, expired: joined.expired, missing: joined.missing });
  }
  return { featureColumns, features, stats };
}
