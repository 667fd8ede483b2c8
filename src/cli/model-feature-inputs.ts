import { closeSync, openSync, readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Settings } from '../config/config.js';
import type { InputFeatures } from '../core/artifact-format.js';
import type { DatasetRows } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { fileFeatureValues, type FeatureSource } from '../features/file-feature-values.js';
import type { ViewJoinStats } from '../features/join-views.js';
import type { OnlineStore } from '../features/online-store.js';
import { openOnlineStore, withOfflineStore } from '../platform/features.js';
import { composeModelInputs, rowsWithoutFeatures } from '../training/model-inputs.js';
import { writeLine } from './output.js';

/**
 * `eval` and `predict` of a model trained with entity features: each row of the file composed as
 * training composed it (training/model-inputs.ts), with the values from the file's own feature
 * columns, or looked up by the file's entity keys (online now, or offline point in time with
 * --as-of), and a count of the rows that had none and were answered from the text alone.
 */
export const FEATURE_OPTIONS = {
  entities: { type: 'string' },
  'as-of': { type: 'string' },
  'online-store-url': { type: 'string' },
} as const;

export const FEATURE_HELP = `Entity features (a model trained on a \`features training-set\`): each row gets the values the model
reads, from the file's own VIEW:FEATURE columns when it has them (an empty cell is no value), else
looked up by the row's entity keys (a column named like the entity or its join key):
  --entities E=COL[,..]  the file's column of each entity's keys: look the values up (also when the
                   file has feature columns)
  --as-of COL      point in time: each row's values as they were at its time in COL (ISO 8601 or epoch
                   ms), from the offline store, as training sets are joined; default: the online
                   store's values now, as serving looks them up
  --online-store-url URL  the online store in Redis; env LADING_ONLINE_STORE_URL; default <home>/online.sqlite
Rows without any value are answered from the text alone (as serving does); their count is reported.`;

export interface FeatureFlags {
  readonly entities?: string | undefined;
  readonly 'as-of'?: string | undefined;
}

export interface FeatureSummary {
  /** Where the values came from; `dataset-columns`: a stored dataset version's own feature columns. */
  readonly source: FeatureSource | 'dataset-columns';
  readonly columns: readonly string[];
  readonly keyColumns: Readonly<Record<string, string>>;
  readonly asOf: string | null;
  readonly rows: number;
  readonly withFeatures: number;
  /** Rows with no value in any column: answered from the text alone. */
  readonly textAlone: number;
  readonly joins?: readonly ViewJoinStats[];
}

type StoreSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'onlineStoreUrl'>;

/**
 * What the model reads for each text of `path`: the texts themselves for a model without
 * features, else each with its feature tokens. Flags for features given to a model without
 * any are an error (they would silently do nothing).
 */
export async function modelInputsOfFile(settings: StoreSettings, inputFeatures: InputFeatures | undefined, path: string, texts: readonly string[], flags: FeatureFlags): Promise<{ inputs: readonly string[]; summary: FeatureSummary | null }> {
  const entities = flags.entities === undefined ? undefined : parseEntitiesFlag(flags.entities);
  const asOf = flags['as-of'];
  if (asOf !== undefined && asOf.trim() === '') throw new InputError('bad-flag', '--as-of needs a column name', { flag: '--as-of' });
  if (inputFeatures === undefined) {
    if (entities !== undefined || asOf !== undefined) {
      throw new InputError('model-reads-no-features', `${entities !== undefined ? '--entities' : '--as-of'}: the model was trained on the text alone; it reads no entity features`,
        { flag: entities !== undefined ? '--entities' : '--as-of' }, 'Leave the flag out, or pass a model trained on a `lading features training-set`.');
    }
    return { inputs: texts, summary: null };
  }
  let online: OnlineStore | undefined;
  try {
    const values = await withOfflineStore(settings, (offline) => fileFeatureValues({ offline, online: async () => (online ??= await openOnlineStore(settings)) },
      { path, rows: texts.length, columns: inputFeatures.columns, entities, asOf }));
    const textAlone = rowsWithoutFeatures(texts.length, inputFeatures.columns, values.features);
    return {
      inputs: composeModelInputs(texts, inputFeatures, values.features),
      summary: {
        source: values.source, columns: inputFeatures.columns, keyColumns: values.keyColumns, asOf: asOf ?? null,
        rows: texts.length, withFeatures: texts.length - textAlone, textAlone, ...(values.joins ? { joins: values.joins } : {}),
      },
    };
  } finally {
    await online?.close();
  }
}

/**
 * What the model reads for each row of a stored dataset version (a `features training-set`): its
 * feature columns, joined when it was saved. It keeps no entity keys, so nothing is looked up.
 */
export function modelInputsOfDataset(inputFeatures: InputFeatures | undefined, dataset: { readonly id: string; readonly rows: DatasetRows }, flags: FeatureFlags): { inputs: readonly string[]; summary: FeatureSummary | null } {
  const flag = flags.entities !== undefined ? '--entities' : flags['as-of'] !== undefined ? '--as-of' : undefined;
  if (flag !== undefined) {
    throw new InputError('bad-flag', `${flag} looks values up by a file's entity key columns; dataset ${dataset.id} keeps no keys`, { flag, dataset: dataset.id },
      'Pass the examples file (with its key and time columns) as --data instead.');
  }
  const { rows } = dataset;
  if (inputFeatures === undefined) return { inputs: rows.texts, summary: null };
  const has = new Set(rows.featureColumns ?? []);
  const missing = inputFeatures.columns.filter((c) => !has.has(c));
  if (missing.length > 0 && missing.length < inputFeatures.columns.length) {
    throw new InputError('missing-column', `dataset ${dataset.id} has the feature columns ${[...has].join(', ')} but not ${missing.join(', ')}, which the model reads`,
      { dataset: dataset.id, column: missing[0]! }, 'Build a training set with every feature the model was trained with (`lading features training-set --features ...`).');
  }
  const features = rows.features ?? {};
  const textAlone = rowsWithoutFeatures(rows.texts.length, inputFeatures.columns, features);
  return {
    inputs: composeModelInputs(rows.texts, inputFeatures, features),
    summary: {
      source: missing.length === 0 ? 'dataset-columns' : 'none', columns: inputFeatures.columns, keyColumns: {}, asOf: null,
      rows: rows.texts.length, withFeatures: rows.texts.length - textAlone, textAlone,
    },
  };
}

/** `--entities importer=importer_id,merchant=seller`: entity name → column. */
export function parseEntitiesFlag(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([^=\s]+)=(.+)$/.exec(part);
    if (!m) throw new InputError('bad-flag', `--entities: "${part}" is not ENTITY=COLUMN`, { flag: '--entities', value: part }, 'Write --entities importer=importer_id[,merchant=seller_id].');
    if (out.has(m[1]!)) throw new InputError('bad-flag', `--entities names entity "${m[1]}" twice`, { flag: '--entities', value: m[1]! });
    out.set(m[1]!, m[2]!.trim());
  }
  if (out.size === 0) throw new InputError('bad-flag', '--entities names no entity (expected ENTITY=COLUMN[,..])', { flag: '--entities' });
  return out;
}

/** One line saying where the features came from and how many rows had none. */
export function describeFeatureSummary(s: FeatureSummary): string {
  const from = s.source === 'file-columns' ? "the file's feature columns"
    : s.source === 'dataset-columns' ? "the dataset's feature columns"
    : s.source === 'online' ? `the online store now, keys from ${keysText(s)}`
      : s.source === 'point-in-time' ? `the offline store at each row's ${s.asOf}, keys from ${keysText(s)}`
        : 'nowhere: the data has neither feature columns nor entity keys';
  return `features ${s.columns.join(', ')} from ${from}: ${s.withFeatures} of ${s.rows} rows with values`;
}

/** The warning a user must not miss: a feature model answered some rows without its features. */
export function warnTextAlone(stderr: Writable, s: FeatureSummary | null): void {
  if (s === null || s.textAlone === 0) return;
  writeLine(stderr, `warning: ${s.textAlone} of ${s.rows} rows answered from the text alone: no feature values (${describeFeatureSummary(s)})`);
}

function keysText(s: FeatureSummary): string {
  return Object.entries(s.keyColumns).map(([entity, column]) => (entity === column ? `"${column}"` : `"${column}" (${entity})`)).join(', ');
}

/**
 * The feature columns a model artifact reads, from its header alone (predict needs them before it
 * decides how to read its input, and before the model is loaded); undefined when the header is
 * unreadable, so that loading the model reports that properly.
 */
export function peekInputFeatures(modelPath: string): InputFeatures | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(modelPath, 'r');
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) < 12) return undefined;
    const length = head.readUInt32LE(8);
    if (length > 64 * 1024 * 1024) return undefined;
    const header = Buffer.alloc(length);
    if (readSync(fd, header, 0, length, 12) < length) return undefined;
    return (JSON.parse(header.toString('utf8')) as { inputFeatures?: InputFeatures }).inputFeatures;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
