import type { FeatureValue } from './feature-values.js';
import type { OfflineStore, StoredView } from './offline-store.js';
import type { OnlineRow, OnlineStore } from './online-store.js';

const WRITE_ROWS = 10_000;

export interface MaterializeResult {
  readonly view: string;
  readonly version: number;
  /** Entities whose latest values were copied (those changed at or after `since`, when given). */
  readonly entities: number;
  /** Of which the online store took (the others already held something as new). */
  readonly written: number;
}

/**
 * Copies each entity's latest values of `view` (its newest version's features) from the offline
 * store into the online one: one ordered scan of the history, where an entity's last row is its
 * latest. With `since`, only entities whose latest value is at or after it (an incremental run).
 */
export async function materializeView(offline: OfflineStore, online: OnlineStore, view: StoredView, since?: number): Promise<MaterializeResult> {
  const features = view.spec.features.map((f) => f.name);
  const keys = await offline.entityKeys(view.spec.entity.name);
  let pending: OnlineRow[] = [];
  let entities = 0;
  let written = 0;
  let flushing = Promise.resolve();
  const flush = (rows: OnlineRow[]) => { flushing = flushing.then(async () => { written += await online.write(view.name, features, rows); }); };
  let current = -1;
  let time = 0;
  let values: FeatureValue[] = [];
  const emit = () => {
    if (current < 0 || (since !== undefined && time < since)) return;
    pending.push({ entityKey: keys[current]!, time, values });
    entities++;
    if (pending.length >= WRITE_ROWS) { flush(pending); pending = []; }
  };
  await offline.scanHistory(view.name, features, (page) => {
    for (let r = 0; r < page.size; r++) {
      const e = page.entityIds[r]!;
      if (e !== current) { emit(); current = e; }
      time = page.times[r]!;
      values = page.values.map((v) => v[r]!);
    }
  });
  emit();
  if (pending.length > 0) flush(pending);
  await flushing;
  return { view: view.name, version: view.version, entities, written };
}

export interface SkewMismatch {
  readonly key: string;
  readonly feature: string;
  readonly offline: FeatureValue;
  readonly online: FeatureValue | undefined;
}

export interface SkewReport {
  readonly view: string;
  readonly sampled: number;
  /** Sampled keys the online store does not hold at all. */
  readonly missingOnline: number;
  /** Sampled keys whose online time or values differ from the offline latest. */
  readonly mismatchedKeys: number;
  readonly mismatches: readonly SkewMismatch[];
}

/**
 * The train/serve skew check: for a sample of entities (every `stride`th key, so a rerun checks the
 * same ones), the offline store's latest values against what the online store serves.
 */
export async function checkSkew(offline: OfflineStore, online: OnlineStore, view: StoredView, sample: number): Promise<SkewReport> {
  const features = view.spec.features.map((f) => f.name);
  const keys = await offline.entityKeys(view.spec.entity.name);
  const ids = keys.flatMap((k, id) => (k === undefined ? [] : [id]));
  const stride = Math.max(1, Math.floor(ids.length / Math.max(1, sample)));
  const chosen = new Set(ids.filter((_, i) => i % stride === 0).slice(0, sample));
  const latest = new Map<number, { time: number; values: FeatureValue[] }>();
  await offline.scanHistory(view.name, features, (page) => {
    for (let r = 0; r < page.size; r++) {
      const e = page.entityIds[r]!;
      if (chosen.has(e)) latest.set(e, { time: page.times[r]!, values: page.values.map((v) => v[r]!) });
    }
  });
  const sampledIds = [...latest.keys()];
  const served = await online.read(view.name, features, sampledIds.map((id) => keys[id]!));
  const mismatches: SkewMismatch[] = [];
  let missingOnline = 0;
  let mismatchedKeys = 0;
  sampledIds.forEach((id, i) => {
    const want = latest.get(id)!;
    const got = served[i];
    if (got === null || got === undefined) { missingOnline++; return; }
    const diffs = features.flatMap((f, j) => (Object.is(want.values[j], got.values[j]) && got.time === want.time ? [] : [{ key: keys[id]!, feature: f, offline: want.values[j]!, online: got.values[j] }]));
    if (diffs.length > 0) { mismatchedKeys++; mismatches.push(...diffs); }
  });
  return { view: view.name, sampled: sampledIds.length, missingOnline, mismatchedKeys, mismatches: mismatches.slice(0, 100) };
}
