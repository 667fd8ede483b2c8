import type { FeatureCell } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { columnsOfFile } from '../data/read-columns.js';
import { featureValue, parseEventTime } from './feature-values.js';
import { joinViewsAt, type ViewJoinStats } from './join-views.js';
import type { OfflineStore, StoredView } from './offline-store.js';
import type { OnlineStore } from './online-store.js';
import { onlineFeatureLookup } from './serving-lookup.js';

/**
 * The feature values of a model's columns (`VIEW:FEATURE`) for the rows of a CSV/JSONL file, so
 * that `eval` and `predict` give a model trained with entity features what it learnt from:
 *
 * - `file-columns`: the file carries the columns itself (a point-in-time training set's shape);
 *   each cell is read as its view declares the feature (an empty cell is null, as in training).
 * - `point-in-time`: the file carries entity keys and an event time (`asOf`): each row gets the
 *   offline store's values as they were at its time, by the join training sets are built with.
 * - `online`: the file carries entity keys: each row gets what the online store holds now, as
 *   serving would look it up.
 * - `none`: neither; every row is answered from the text alone, as serving answers a request
 *   without keys.
 *
 * Keys are taken from the columns named by `entities` (entity name → column), else from a column
 * named like the entity or its join key. Explicit keys or `asOf` choose a lookup even when the
 * file also has feature columns. An empty key cell is no key: that row reads null.
 */
export type FeatureSource = 'file-columns' | 'point-in-time' | 'online' | 'none';

export interface FileFeatureRequest {
  readonly path: string;
  /** The rows the caller read from the same file (its texts); the feature rows must match them. */
  readonly rows: number;
  /** The model's feature columns, `VIEW:FEATURE`, as its artifact records them. */
  readonly columns: readonly string[];
  /** Entity name → the file's column holding its keys (`--entities`). */
  readonly entities?: ReadonlyMap<string, string> | undefined;
  /** The file's column of event times (`--as-of`): look values up point in time in the offline store. */
  readonly asOf?: string | undefined;
}

export interface FileFeatureValues {
  readonly source: FeatureSource;
  /** features[column][row], for every model column; null where the row has no value. */
  readonly features: Record<string, FeatureCell[]>;
  /** Entity name → the file column its keys came from (lookup sources). */
  readonly keyColumns: Readonly<Record<string, string>>;
  /** Per view, the point-in-time join's matched / expired / missing rows (`point-in-time` only). */
  readonly joins?: readonly ViewJoinStats[];
}

export interface FeatureStores {
  readonly offline: OfflineStore;
  /** Opened only for an online lookup. */
  online(): Promise<OnlineStore>;
}

export async function fileFeatureValues(stores: FeatureStores, request: FileFeatureRequest): Promise<FileFeatureValues> {
  const { path, columns } = request;
  const { views, problems } = await registeredViews(stores.offline, columns);
  const needViews = (): void => { if (problems[0] !== undefined) throw problems[0]; };
  const lookup = request.entities !== undefined || request.asOf !== undefined;
  if (lookup) needViews();
  const entities = entitiesOf(views);
  for (const [entity] of request.entities ?? []) {
    if (!entities.has(entity)) {
      throw new InputError('unknown-entity', `--entities: the model's features are not about an entity "${entity}"; they are about ${[...entities.keys()].join(', ') || 'no registered entity'}`,
        { flag: '--entities', entity }, `Name one of: ${[...entities.keys()].join(', ')}.`);
    }
  }
  const explicitKeys = [...(request.entities?.values() ?? [])];
  const candidates = [...entities.values()].flatMap((e) => [e.name, e.joinKey]);
  const required = [...explicitKeys, ...(request.asOf === undefined ? [] : [request.asOf])];
  const optional = [...columns, ...candidates].filter((c) => !required.includes(c));
  const cells = await readColumns(path, [...new Set(required)], [...new Set(optional)], request.rows);
  const carried = (c: string) => cells.get(c)?.some((v) => v !== undefined) ?? false;

  if (!lookup && columns.some(carried)) {
    const missing = columns.filter((c) => !carried(c));
    if (missing.length > 0) {
      throw new InputError('missing-column', `${path}: the model reads the feature columns ${columns.join(', ')}, and the file has ${columns.filter(carried).join(', ')} but not ${missing.join(', ')}`,
        { file: path, row: 1, column: missing[0]! }, 'Give every feature column the model was trained with (an empty cell is no value), or none and --entities to look them up.');
    }
    needViews();
    return { source: 'file-columns', features: typedColumns(path, columns, views, cells), keyColumns: {} };
  }

  const keyColumns: Record<string, string> = {};
  for (const e of entities.values()) {
    const column = request.entities?.get(e.name) ?? [e.name, e.joinKey].find(carried);
    if (column !== undefined) keyColumns[e.name] = column;
  }
  const features: Record<string, FeatureCell[]> = Object.fromEntries(columns.map((c) => [c, new Array<FeatureCell>(request.rows).fill(null)]));
  if (Object.keys(keyColumns).length === 0) {
    if (request.asOf !== undefined) {
      throw new InputError('missing-column', `${path}: --as-of needs the entity keys of each row, and the file has no column ${candidates.map((c) => `"${c}"`).join(' or ')}`,
        { file: path, row: 1, column: candidates[0] ?? '' }, 'Name the key columns with --entities ENTITY=COLUMN.');
    }
    return { source: 'none', features, keyColumns };
  }
  needViews();
  const keysOf = (entity: string): string[] => {
    const column = keyColumns[entity];
    const list = column === undefined ? undefined : cells.get(column);
    return Array.from({ length: request.rows }, (_, r) => keyText(list?.[r]));
  };

  if (request.asOf !== undefined) {
    const asOf = request.asOf;
    const lines = cells.get(LINES)!;
    const timeCells = cells.get(asOf)!;
    const times = Float64Array.from(timeCells, (v, r) => parseEventTime(v, { file: path, row: lines[r] as number, column: asOf }));
    const wanted = [...groupByView(columns)].map(([view, names]) => ({ view: views.get(view)!, features: names, keys: keysOf(views.get(view)!.spec.entity.name) }));
    const joined = await joinViewsAt(stores.offline, wanted, times);
    for (const c of columns) features[c] = joined.features[c]!;
    return { source: 'point-in-time', features, keyColumns, joins: joined.stats };
  }

  const online = await stores.online();
  const keyed = Object.keys(keyColumns).map((entity) => [entity, keysOf(entity)] as const);
  const rowEntities = Array.from({ length: request.rows }, (_, r) => {
    const keys: Record<string, string> = {};
    for (const [entity, list] of keyed) if (list[r] !== '') keys[entity] = list[r]!;
    return Object.keys(keys).length === 0 ? undefined : keys;
  });
  const found = await onlineFeatureLookup(online, async (name) => views.get(name)?.spec)(columns, rowEntities);
  columns.forEach((c, k) => { features[c] = found.map((row) => row[k] ?? null); });
  return { source: 'online', features, keyColumns };
}

/** The key of a cell: a string (trimmed empty: none), a JSONL number as its decimal text. */
function keyText(cell: unknown): string {
  if (typeof cell === 'string') return cell.trim() === '' ? '' : cell;
  if (typeof cell === 'number' && Number.isFinite(cell)) return String(cell);
  return '';
}

function groupByView(columns: readonly string[]): Map<string, string[]> {
  const byView = new Map<string, string[]>();
  for (const c of columns) {
    const colon = c.indexOf(':');
    const view = c.slice(0, colon);
    byView.set(view, [...(byView.get(view) ?? []), c.slice(colon + 1)]);
  }
  return byView;
}

/**
 * The views the model's columns name, each at its latest version (a feature's type never changes
 * between versions). A view the store lacks (or lacking a feature) is kept as the error to throw
 * when its values are needed: a file with neither feature columns nor keys needs no view at all.
 */
async function registeredViews(store: OfflineStore, columns: readonly string[]): Promise<{ views: Map<string, StoredView>; problems: InputError[] }> {
  const views = new Map<string, StoredView>();
  const problems: InputError[] = [];
  for (const [name, features] of groupByView(columns)) {
    let view: StoredView;
    try {
      view = await store.getView(name);
    } catch (e) {
      problems.push(new InputError('unknown-view', `the model reads features of view "${name}" (${features.map((f) => `${name}:${f}`).join(', ')}), which this workspace's feature store does not have`,
        { view: name }, 'Use the workspace the model was trained in (--home), or register the view there with `lading features apply`.', { cause: e }));
      continue;
    }
    const declared = new Set(view.spec.features.map((f) => f.name));
    const unknown = features.find((f) => !declared.has(f));
    if (unknown !== undefined) {
      problems.push(new InputError('unknown-feature', `the model reads "${name}:${unknown}", and view "${name}" (version ${view.version}) has no feature "${unknown}"`, { view: name, feature: unknown }));
      continue;
    }
    views.set(name, view);
  }
  return { views, problems };
}

function entitiesOf(views: ReadonlyMap<string, StoredView>): Map<string, { name: string; joinKey: string }> {
  return new Map([...views.values()].map((v) => [v.spec.entity.name, v.spec.entity]));
}

/** Each row's line, under a key no column can have (a column name is never empty). */
const LINES = '';

async function readColumns(path: string, required: readonly string[], optional: readonly string[], rows: number): Promise<Map<string, unknown[]>> {
  const names = [...required, ...optional];
  const out = new Map<string, unknown[]>(names.map((n) => [n, []]));
  const lines: unknown[] = [];
  for await (const piece of columnsOfFile(path, { required, optional })) {
    names.forEach((n, c) => { const into = out.get(n)!; for (const v of piece.cells[c]!) into.push(v); });
    for (const l of piece.lines) lines.push(l);
  }
  if (lines.length !== rows) {
    throw new InputError('row-count-changed', `${path}: read ${rows} rows of text but ${lines.length} rows of feature columns (did the file change while it was read?)`, { file: path });
  }
  out.set(LINES, lines);
  return out;
}

/** The file's own feature columns, each cell read as its view declares the feature: a mismatch names file, row and column. */
function typedColumns(path: string, columns: readonly string[], views: ReadonlyMap<string, StoredView>, cells: ReadonlyMap<string, unknown[]>): Record<string, FeatureCell[]> {
  const lines = cells.get(LINES)!;
  const out: Record<string, FeatureCell[]> = {};
  for (const column of columns) {
    const colon = column.indexOf(':');
    const view = views.get(column.slice(0, colon))!;
    const type = view.spec.features.find((f) => f.name === column.slice(colon + 1))!.type;
    out[column] = cells.get(column)!.map((v, r) => featureValue(v, type, { file: path, row: lines[r] as number, column }));
  }
  return out;
}
