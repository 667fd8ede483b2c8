import type { DatasetRows } from '../core/dataset.js';
import { encodeDatasetRows } from '../core/dataset-codec.js';
import { sha256Hex } from '../core/hash.js';

/**
 * The bytes a dataset version is named by and stored as (see core/dataset-codec.ts for the
 * format): the same rows read from CSV or JSONL give the same bytes; column names and row order
 * are part of the identity.
 */
export function canonicalDatasetBytes(rows: DatasetRows): Uint8Array {
  return encodeDatasetRows(rows);
}

/** Hex sha256 of the canonical bytes. */
export function datasetContentHash(rows: DatasetRows): string {
  return sha256Hex(canonicalDatasetBytes(rows));
}
