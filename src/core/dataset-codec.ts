import type { DatasetRows, FeatureCell } from './dataset.js';
import { ArtifactError } from './errors.js';

/**
 * The canonical serialisation of dataset rows: what a dataset version's content hash is taken over
 * and what the stored artifact holds. Lives in core (not data/) because both the readers and the
 * registry adapters need it, and the registry may only import core.
 *
 * Format (UTF-8, one JSON value per line, "\n" after each line):
 *   {"format":"lading-dataset","version":1,"textColumn":"text","labelColumns":["label",...]}
 *   ["row 1 text","row 1 label",...]
 *   ...
 * Column names and row order are part of the identity; where the rows came from (CSV or JSONL,
 * quoting, line endings, BOM) is not. JSON.stringify of strings is deterministic, so equal rows
 * always give equal bytes.
 *
 * Version 2 adds joined entity features: the header names them (`"featureColumns":[...]`) and each
 * row carries their values (JSON strings, numbers, booleans or null) after its labels. A dataset
 * without features is written as version 1, so its bytes and its id stay what they always were.
 *
 * Version 3 adds the reviewed rows (`"reviewRows":[row indices]`, DatasetRows.reviewRows) and keeps
 * `featureColumns` optional. Only a dataset with reviewed rows is written as version 3: an older
 * lading refuses it rather than read its review answers as traffic.
 */
const FORMAT = 'lading-dataset';
const FORMAT_VERSION = 1;
const FEATURES_VERSION = 2;
const REVIEW_ROWS_VERSION = 3;

export function encodeDatasetRows(rows: DatasetRows): Uint8Array {
  const featureColumns = rows.featureColumns ?? [];
  const reviewRows = rows.reviewRows ?? [];
  // One header shape for every version (key order is part of the bytes, and so of the id).
  const version = reviewRows.length > 0 ? REVIEW_ROWS_VERSION : featureColumns.length > 0 ? FEATURES_VERSION : FORMAT_VERSION;
  const header = JSON.stringify({
    format: FORMAT, version, textColumn: rows.textColumn, labelColumns: rows.labelColumns,
    ...(featureColumns.length > 0 ? { featureColumns } : {}), ...(reviewRows.length > 0 ? { reviewRows } : {}),
  });
  const columns: (readonly FeatureCell[])[] = [...rows.labelColumns.map((c) => rows.labels[c]!), ...featureColumns.map((c) => rows.features![c]!)];
  const lines: string[] = new Array<string>(rows.texts.length + 2);
  lines[0] = header;
  const fields: FeatureCell[] = new Array<FeatureCell>(columns.length + 1);
  for (let r = 0; r < rows.texts.length; r++) {
    fields[0] = rows.texts[r]!;
    for (let c = 0; c < columns.length; c++) fields[c + 1] = columns[c]![r]!;
    lines[r + 1] = JSON.stringify(fields);
  }
  lines[rows.texts.length + 1] = '';
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** Parses canonical bytes back into rows; `where` names the artifact in errors. */
export function decodeDatasetRows(bytes: Uint8Array, where: string): DatasetRows {
  const bad = (why: string): ArtifactError =>
    new ArtifactError('dataset-artifact-corrupt', `dataset artifact ${where} is not a valid lading dataset: ${why}`, { artifact: where });
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const lines = text.split('\n');
  if (lines.length < 2 || lines[lines.length - 1] !== '') throw bad('truncated');
  let header: { format?: unknown; version?: unknown; textColumn?: unknown; labelColumns?: unknown; featureColumns?: unknown; reviewRows?: unknown };
  try {
    header = JSON.parse(lines[0]!) as typeof header;
  } catch {
    throw bad('header is not JSON');
  }
  if (header.format !== FORMAT) throw bad('wrong format marker');
  if (header.version !== FORMAT_VERSION && header.version !== FEATURES_VERSION && header.version !== REVIEW_ROWS_VERSION) {
    throw bad(`format version ${String(header.version)} is not supported by this lading`);
  }
  const featureColumns = header.version === FEATURES_VERSION || (header.version === REVIEW_ROWS_VERSION && header.featureColumns !== undefined) ? header.featureColumns : [];
  if (!Array.isArray(featureColumns) || !featureColumns.every((c) => typeof c === 'string')) throw bad('header lacks feature column names');
  const textColumn = header.textColumn;
  const labelColumns = header.labelColumns;
  if (typeof textColumn !== 'string' || !Array.isArray(labelColumns) || !labelColumns.every((c) => typeof c === 'string')) {
    throw bad('header lacks column names');
  }
  const n = lines.length - 2;
  const texts = new Array<string>(n);
  const columns = labelColumns.map(() => new Array<string>(n));
  const featureValues = (featureColumns as string[]).map(() => new Array<FeatureCell>(n));
  for (let r = 0; r < n; r++) {
    let fields: unknown;
    try {
      fields = JSON.parse(lines[r + 1]!);
    } catch {
      throw bad(`row ${r + 1} is not JSON`);
    }
    if (!Array.isArray(fields) || fields.length !== labelColumns.length + featureValues.length + 1) throw bad(`row ${r + 1} has the wrong number of fields`);
    texts[r] = fields[0] as string;
    for (let c = 0; c < columns.length; c++) columns[c]![r] = fields[c + 1] as string;
    for (let f = 0; f < featureValues.length; f++) featureValues[f]![r] = fields[columns.length + 1 + f] as FeatureCell;
  }
  // Object.fromEntries defines own properties, so a column named "__proto__" is stored, not a prototype.
  const labels = Object.fromEntries((labelColumns as string[]).map((c, i) => [c, columns[i]!]));
  const reviewRows = header.version === REVIEW_ROWS_VERSION ? header.reviewRows : [];
  if (!isAscendingRowList(reviewRows, n)) throw bad('its reviewed rows are not ascending row numbers of the dataset');
  const base = { textColumn, labelColumns: labelColumns as string[], texts, labels, ...(reviewRows.length > 0 ? { reviewRows } : {}) };
  if (featureValues.length === 0) return base;
  return { ...base, featureColumns: featureColumns as string[], features: Object.fromEntries((featureColumns as string[]).map((c, i) => [c, featureValues[i]!])) };
}

/** Whether `list` is strictly ascending whole numbers in [0, rows): a dataset's reviewed rows. */
export function isAscendingRowList(list: unknown, rows: number): list is number[] {
  if (!Array.isArray(list)) return false;
  let last = -1;
  for (const r of list) {
    if (typeof r !== 'number' || !Number.isInteger(r) || r <= last || r >= rows) return false;
    last = r;
  }
  return true;
}
