import type { FeatureCell } from '../core/dataset.js';
import type { FeatureViewSpec } from './feature-spec.js';
import { lookupOnline } from './online-lookup.js';
import type { OnlineStore } from './online-store.js';

/** Entity name (or join key) → key, for one text; the serving request's `entities`. */
export type RequestEntities = Readonly<Record<string, string>>;

/**
 * Serving's feature lookup over the online store: the model's columns (VIEW:FEATURE, as training
 * named them) grouped by view, each view read once for the batch's distinct keys (one store round
 * trip per view, whatever the batch size) with its TTL applied at read time (lookupOnline), and
 * the values handed back per text in column order. A text's key for a view is its entity's name
 * (`importer`) or join key (`importer_id`); without one, or for a key the store does not hold or
 * holds past the TTL, or a view `viewOf` does not know, the columns are null: the text alone.
 */
export function onlineFeatureLookup(online: OnlineStore, viewOf: (name: string) => Promise<FeatureViewSpec | undefined>, clock: () => number = Date.now) {
  return async (columns: readonly string[], entities: readonly (RequestEntities | undefined)[]): Promise<FeatureCell[][]> => {
    const out: FeatureCell[][] = entities.map(() => columns.map(() => null));
    const byView = new Map<string, Array<{ column: number; feature: string }>>();
    columns.forEach((c, column) => {
      const colon = c.indexOf(':');
      if (colon <= 0) return;
      const view = c.slice(0, colon);
      const list = byView.get(view) ?? [];
      list.push({ column, feature: c.slice(colon + 1) });
      byView.set(view, list);
    });
    const now = clock();
    await Promise.all([...byView].map(async ([viewName, wanted]) => {
      const spec = await viewOf(viewName);
      if (spec === undefined) return;
      const { name, joinKey } = spec.entity;
      const keyOf = entities.map((e) => (e === undefined ? undefined : e[name] ?? e[joinKey]));
      const distinct = [...new Set(keyOf.filter((k): k is string => k !== undefined))];
      if (distinct.length === 0) return;
      const found = await lookupOnline(online, viewName, wanted.map((w) => w.feature), spec.ttlMs, distinct, now);
      const at = new Map(distinct.map((k, i) => [k, found[i]!]));
      keyOf.forEach((k, row) => {
        const r = k === undefined ? undefined : at.get(k);
        if (r === undefined || r.status !== 'found') return;
        wanted.forEach((w, f) => { out[row]![w.column] = r.values[f] ?? null; });
      });
    }));
    return out;
  };
}
