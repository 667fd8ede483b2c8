import type { DatasetRows } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { columnsOfFile } from '../data/read-columns.js';
import { entityKey } from './ingest-file.js';
import { parseEventTime } from './feature-values.js';
import type { OfflineStore, StoredView } from './offline-store.js';
import { joinViewsAt, type ViewJoinStats } from './join-views.js';

/** `VIEW:FEATURE`, as `--features` names them and as the dataset's feature columns are called. */
export interface FeatureRef {
  readonly view: string;
  readonly feature: string;
}

export interface ExamplesFile {
  readonly path: string;
  readonly textColumn: string;
  readonly labelColumns: readonly string[];
  /** When each example happened; default `event_time`. */
  readonly timeColumn: string;
}

export type { ViewJoinStats };

export interface TrainingSet {
  readonly rows: DatasetRows;
  /** The view versions joined, for the dataset's lineage (`VIEW@VERSION`). */
  readonly lineage: readonly string[];
  readonly stats: readonly ViewJoinStats[];
}

export function parseFeatureRefs(list: string): FeatureRef[] {
  const refs = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (refs.length === 0) throw new InputError('missing-flag', '--features names no feature (expected VIEW:FEATURE,...)', { flag: '--features' });
  return refs.map((r) => {
    const m = /^([A-Za-z][A-Za-z0-9_]*):([A-Za-z][A-Za-z0-9_]*)$/.exec(r);
    if (!m) throw new InputError('bad-flag', `--features: "${r}" is not VIEW:FEATURE`, { flag: '--features', value: r });
    return { view: m[1]!, feature: m[2]! };
  });
}

/**
 * Examples (entity key, event time, text, labels) joined with the named features point in time,
 * view by view (each view is one scan of its history), as dataset rows whose feature columns are
 * `VIEW:FEATURE`. Views are taken at their latest version, and the features must be in it.
 */
export async function buildTrainingSet(store: OfflineStore, examples: ExamplesFile, refs: readonly FeatureRef[]): Promise<TrainingSet> {
  const byView = new Map<string, string[]>();
  for (const r of refs) byView.set(r.view, [...(byView.get(r.view) ?? []), r.feature]);
  const views: StoredView[] = [];
  for (const [name, features] of byView) {
    const view = await store.getView(name);
    const declared = new Set(view.spec.features.map((f) => f.name));
    const unknown = features.find((f) => !declared.has(f));
    if (unknown !== undefined) {
      throw new InputError('unknown-feature', `--features: view "${name}" (version ${view.version}) has no feature "${unknown}" (it has ${[...declared].join(', ')})`,
        { flag: '--features', view: name, feature: unknown });
    }
    views.push(view);
  }
  const joinKeys = [...new Set(views.map((v) => v.spec.entity.joinKey))];
  const { texts, labels, times, keys } = await readExamples(examples, joinKeys);

  const { featureColumns, features, stats } = await joinViewsAt(store, views.map((view) => ({
    view, features: byView.get(view.name)!, keys: keys.get(view.spec.entity.joinKey)!,
  })), times);
  return {
    rows: { textColumn: examples.textColumn, labelColumns: [...examples.labelColumns], texts, labels, featureColumns, features },
    lineage: views.map((v) => `${v.name}@${v.version}`),
    stats,
  };
}

async function readExamples(examples: ExamplesFile, joinKeys: readonly string[]): Promise<{
  texts: string[]; labels: Record<string, string[]>; times: Float64Array; keys: Map<string, string[]>;
}> {
  const { path, textColumn, labelColumns, timeColumn } = examples;
  const texts: string[] = [];
  const labelValues = labelColumns.map(() => [] as string[]);
  const times: number[] = [];
  const keyValues = joinKeys.map(() => [] as string[]);
  for await (const piece of columnsOfFile(path, { required: [textColumn, ...labelColumns, timeColumn, ...joinKeys] })) {
    const at = (r: number, column: string) => ({ file: path, row: piece.lines[r]!, column });
    for (let r = 0; r < piece.lines.length; r++) {
      const text = piece.cells[0]![r];
      if (typeof text !== 'string') throw new InputError('bad-text', `${path}: row ${piece.lines[r]}, column "${textColumn}": expected a string`, at(r, textColumn));
      texts.push(text);
      labelColumns.forEach((c, i) => {
        const v = piece.cells[1 + i]![r];
        const label = typeof v === 'number' ? String(v) : v;
        if (typeof label !== 'string' || label.trim() === '') throw new InputError('empty-label', `${path}: row ${piece.lines[r]}, column "${c}": the label is empty`, at(r, c));
        labelValues[i]!.push(label);
      });
      times.push(parseEventTime(piece.cells[1 + labelColumns.length]![r], at(r, timeColumn)));
      joinKeys.forEach((k, i) => keyValues[i]!.push(entityKey(piece.cells[2 + labelColumns.length + i]![r], at(r, k))));
    }
  }
  return {
    texts, labels: Object.fromEntries(labelColumns.map((c, i) => [c, labelValues[i]!])), times: Float64Array.from(times),
    keys: new Map(joinKeys.map((k, i) => [k, keyValues[i]!])),
  };
}
