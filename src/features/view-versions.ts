import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { canonicalView, type FeatureType, type FeatureViewSpec } from './feature-spec.js';
import type { IngestBatch, StoredView } from './offline-store.js';

/**
 * What both adapters decide the same way: whether a declared view is new, changed or unchanged
 * against its latest stored version, and whether the change keeps the stored history meaningful.
 */
export interface ViewPlan {
  readonly spec: FeatureViewSpec;
  readonly sha256: string;
  readonly change: 'created' | 'changed' | 'unchanged';
  /** The version to write (the latest's when unchanged). */
  readonly version: number;
  /** Features whose column the history table does not have yet. */
  readonly newFeatures: readonly { readonly name: string; readonly type: FeatureType }[];
}

export function planView(spec: FeatureViewSpec, latest: StoredView | undefined): ViewPlan {
  const sha256 = sha256Hex(canonicalView(spec));
  if (latest === undefined) return { spec, sha256, change: 'created', version: 1, newFeatures: spec.features };
  if (latest.sha256 === sha256) return { spec, sha256, change: 'unchanged', version: latest.version, newFeatures: [] };
  if (latest.spec.entity.name !== spec.entity.name) {
    throw new ConflictError('feature-view-entity-changed', `feature view "${spec.name}" describes entity "${latest.spec.entity.name}" (version ${latest.version}); it cannot move to "${spec.entity.name}"`,
      { view: spec.name, version: latest.version }, 'Declare a new view for the other entity: the stored values belong to the old one.');
  }
  const before = new Map(latest.spec.features.map((f) => [f.name, f.type]));
  for (const f of spec.features) {
    const old = before.get(f.name);
    if (old !== undefined && old !== f.type) {
      throw new ConflictError('feature-type-changed', `feature view "${spec.name}": feature "${f.name}" is ${old} (version ${latest.version}); it cannot become ${f.type}`,
        { view: spec.name, feature: f.name, version: latest.version }, 'Add a feature under a new name instead: the stored values have the old type.');
    }
  }
  return { spec, sha256, change: 'changed', version: latest.version + 1, newFeatures: spec.features.filter((f) => !before.has(f.name)) };
}

/** Every feature a view has ever had (a dropped one's column stays with its history), by name. */
export function historyColumns(versions: readonly StoredView[]): Map<string, FeatureType> {
  const out = new Map<string, FeatureType>();
  for (const v of versions) for (const f of v.spec.features) out.set(f.name, f.type);
  return out;
}

/** The batch fits the view's latest version: its features declared, its columns as long as its keys. */
export function checkBatch(view: StoredView, batch: IngestBatch): void {
  const declared = new Set(view.spec.features.map((f) => f.name));
  for (const f of batch.features) {
    if (!declared.has(f)) {
      throw new InputError('unknown-feature', `feature view "${view.name}" (version ${view.version}) has no feature "${f}" (it has ${[...declared].join(', ')})`,
        { view: view.name, feature: f }, 'Declare it in lading.yaml and run `lading features apply`.');
    }
  }
  const n = batch.entityKeys.length;
  if (batch.times.length !== n || batch.values.length !== batch.features.length || batch.values.some((v) => v.length !== n)) {
    throw new RangeError(`ingest batch for ${view.name}: ${n} keys, ${batch.times.length} times, columns of ${batch.values.map((v) => v.length).join('/')} values`);
  }
}

export function unknownView(name: string, known: readonly string[], version?: number): NotFoundError {
  return new NotFoundError('unknown-feature-view', version === undefined ? `no feature view "${name}" (registered: ${known.join(', ') || 'none'})`
    : `feature view "${name}" has no version ${version}`, { view: name, ...(version !== undefined ? { version } : {}) },
  'Declare views under `features:` in lading.yaml and run `lading features apply`.');
}

/** SQL identifiers of a view's history table and a feature's column; names are checked by FEATURE_NAME, so quoting is enough. */
export const historyTable = (view: string): string => `"fv_${view}"`;
export const featureColumn = (feature: string): string => `"f_${feature}"`;

/** JSON has no Infinity: a view without a TTL is stored with ttlMs null. */
export function reviveSpec(spec: FeatureViewSpec): FeatureViewSpec {
  return spec.ttlMs === (null as unknown as number) ? { ...spec, ttlMs: Number.POSITIVE_INFINITY } : spec;
}
export function specJson(spec: FeatureViewSpec): string {
  return JSON.stringify({ ...spec, ttlMs: Number.isFinite(spec.ttlMs) ? spec.ttlMs : null });
}
