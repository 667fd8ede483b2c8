import { InputError } from '../core/errors.js';
import { columnsOfFile } from '../data/read-columns.js';
import type { FeatureViewSpec } from './feature-spec.js';
import { featureValue, parseEventTime, type FeatureValue } from './feature-values.js';
import type { IngestBatch } from './offline-store.js';

/**
 * A CSV or JSONL file of a view's values as one checked batch: the entity's join key, the view's
 * timestamp column and any of its features (a feature without a column is not carried; a cell left
 * empty is null). The whole file is read and checked before anything is stored, so a bad row
 * (named by file, row and column) leaves the store as it was.
 */
export async function readIngestFile(path: string, view: FeatureViewSpec): Promise<IngestBatch> {
  const key = view.entity.joinKey;
  const time = view.timestampColumn;
  const names = view.features.map((f) => f.name);
  const keys: string[] = [];
  const times: number[] = [];
  const columns: FeatureValue[][] = names.map(() => []);
  const carried = new Array<boolean>(names.length).fill(false);
  for await (const piece of columnsOfFile(path, { required: [key, time], optional: names })) {
    const [keyCells, timeCells, ...featureCells] = piece.cells;
    for (let r = 0; r < piece.lines.length; r++) {
      const row = piece.lines[r]!;
      keys.push(entityKey(keyCells![r], { file: path, row, column: key }));
      times.push(parseEventTime(timeCells![r], { file: path, row, column: time }));
      for (let f = 0; f < names.length; f++) {
        const cell = featureCells[f]![r];
        if (cell !== undefined) carried[f] = true;
        columns[f]!.push(featureValue(cell, view.features[f]!.type, { file: path, row, column: names[f]! }));
      }
    }
  }
  const kept = names.map((_, f) => f).filter((f) => carried[f]);
  if (kept.length === 0) {
    throw new InputError('no-feature-columns', `${path} has none of the columns of feature view "${view.name}" (${names.join(', ')})`,
      { file: path, view: view.name }, `Name at least one feature column besides ${key} and ${time}.`);
  }
  return { entityKeys: keys, times: Float64Array.from(times), features: kept.map((f) => names[f]!), values: kept.map((f) => columns[f]!), source: path };
}

/** An entity key: a non-empty string (JSONL may give a number, kept as its decimal text). */
export function entityKey(cell: unknown, at: { file: string; row: number; column: string }): string {
  if (typeof cell === 'string' && cell.trim() !== '') return cell;
  if (typeof cell === 'number' && Number.isFinite(cell)) return String(cell);
  throw new InputError('bad-entity-key', `${at.file}: row ${at.row}, column "${at.column}": expected an entity key (a non-empty string), got ${JSON.stringify(cell) ?? 'nothing'}`,
    { file: at.file, row: at.row, column: at.column }, 'Every row needs the key of the entity its values describe.');
}
