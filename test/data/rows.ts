import type { DatasetRows } from '../../src/core/dataset.js';

/** Dataset rows from [text, label] pairs (one label column "label"). */
export function rowsOf(pairs: readonly (readonly [string, string])[], extra: Record<string, readonly string[]> = {}): DatasetRows {
  return {
    textColumn: 'text',
    labelColumns: ['label', ...Object.keys(extra)],
    texts: pairs.map(([t]) => t),
    labels: { label: pairs.map(([, l]) => l), ...extra },
  };
}
