import type { DatasetRows } from './dataset.js';
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
 */
const FORMAT = 'lading-dataset';
const FORMAT_VERSION = 1;

export function encodeDatasetRows(rows: DatasetRows): Uint8Array {
  const header = JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, textColumn: rows.textColumn, labelColumns: rows.labelColumns });
  const columns = rows.labelColumns.map((c) => rows.labels[c]!);
  const lines: string[] = new Array<string>(rows.texts.length + 2);
  lines[0] = header;
  const fields: string[] = new Array<string>(columns.length + 1);
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
  let header: { format?: unknown; version?: unknown; textColumn?: unknown; labelColumns?: unknown };
  try {
    header = JSON.parse(lines[0]!) as typeof header;
  } catch {
    throw bad('header is not JSON');
  }
  if (header.format !== FORMAT) throw bad('wrong format marker');
  if (header.version !== FORMAT_VERSION) throw bad(`format version ${String(header.version)} is not supported by this lading`);
  const textColumn = header.textColumn;
  const labelColumns = header.labelColumns;
  if (typeof textColumn !== 'string' || !Array.isArray(labelColumns) || !labelColumns.every((c) => typeof c === 'string')) {
    throw bad('header lacks column names');
  }
  const n = lines.length - 2;
  const texts = new Array<string>(n);
  const columns = labelColumns.map(() => new Array<string>(n));
  for (let r = 0; r < n; r++) {
    let fields: unknown;
    try {
      fields = JSON.parse(lines[r + 1]!);
    } catch {
      throw bad(`row ${r + 1} is not JSON`);
    }
    if (!Array.isArray(fields) || fields.length !== labelColumns.length + 1) throw bad(`row ${r + 1} has the wrong number of fields`);
    texts[r] = fields[0] as string;
    for (let c = 0; c < columns.length; c++) columns[c]![r] = fields[c + 1] as string;
  }
  // Object.fromEntries defines own properties, so a column named "__proto__" is stored, not a prototype.
  const labels = Object.fromEntries((labelColumns as string[]).map((c, i) => [c, columns[i]!]));
  return { textColumn, labelColumns: labelColumns as string[], texts, labels };
}
