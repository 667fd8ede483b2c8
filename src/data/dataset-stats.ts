import type { ConflictingText, DatasetRows, DatasetStats, LabelCount } from '../core/dataset.js';
import { normaliseText } from '../text/normalise.js';
import { isTokenChar } from '../text/tokenise.js';

const MAX_CONFLICT_EXAMPLES = 20;

/**
 * What a person should know about a dataset before training on it. Duplicates and conflicts compare
 * normalised texts (the same notion of "same text" the split and the featurisers use). Text length
 * is in UTF-16 code units of the raw text; tokens are counted on the normalised text.
 */
export function computeDatasetStats(rows: DatasetRows, overlongThreshold = 1000): DatasetStats {
  const n = rows.texts.length;
  const primary = rows.labelColumns[0];
  const primaryLabels = primary !== undefined ? rows.labels[primary] : undefined;

  // Per distinct normalised text: its first row and (for conflicts) its primary-label counts.
  const firstRow = new Map<string, number>();
  const labelsByText = new Map<string, Map<string, number>>();
  let duplicateRows = 0;
  let emptyTexts = 0;
  let overlongTexts = 0;
  const lengths = new Int32Array(n);
  const tokenCounts = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const raw = rows.texts[r]!;
    const norm = normaliseText(raw);
    lengths[r] = raw.length;
    tokenCounts[r] = countTokens(norm);
    if (norm === '') emptyTexts++;
    if (raw.length > overlongThreshold) overlongTexts++;
    const label = primaryLabels?.[r];
    const seen = firstRow.get(norm);
    if (seen === undefined) {
      firstRow.set(norm, r);
      continue;
    }
    duplicateRows++;
    if (label === undefined) continue;
    let counts = labelsByText.get(norm);
    if (counts === undefined) {
      counts = new Map([[primaryLabels![seen]!, 1]]);
      labelsByText.set(norm, counts);
    }
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }

  let conflictingTexts = 0;
  const conflictExamples: ConflictingText[] = [];
  for (const [norm, counts] of labelsByText) {
    if (counts.size < 2) continue;
    conflictingTexts++;
    if (conflictExamples.length < MAX_CONFLICT_EXAMPLES) {
      conflictExamples.push({ text: rows.texts[firstRow.get(norm)!]!, labels: sortedCounts(counts) });
    }
  }

  // Maps, not objects, while building: a column may be named anything, even "__proto__".
  const histograms = new Map<string, LabelCount[]>();
  for (const column of rows.labelColumns) {
    const counts = new Map<string, number>();
    for (const label of rows.labels[column]!) counts.set(label, (counts.get(label) ?? 0) + 1);
    histograms.set(column, sortedCounts(counts));
  }

  lengths.sort();
  tokenCounts.sort();
  return {
    rows: n,
    labelHistogram: Object.fromEntries(histograms),
    classes: Object.fromEntries([...histograms].map(([c, h]) => [c, h.length])),
    duplicateRows,
    conflictingTexts,
    conflictExamples,
    emptyTexts,
    overlongTexts,
    overlongThreshold,
    textLength: { min: n > 0 ? lengths[0]! : 0, median: median(lengths), max: n > 0 ? lengths[n - 1]! : 0 },
    tokens: { median: median(tokenCounts), max: n > 0 ? tokenCounts[n - 1]! : 0 },
  };
}

/** Most frequent first, ties by label in code-unit order (stable across locales). */
function sortedCounts(counts: ReadonlyMap<string, number>): LabelCount[] {
  return [...counts].map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

function median(sorted: Int32Array): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function countTokens(text: string): number {
  let count = 0;
  let inToken = false;
  for (let i = 0; i < text.length; i++) {
    const isToken = isTokenChar(text, text.charCodeAt(i), i);
    if (isToken && !inToken) count++;
    inToken = isToken;
  }
  return count;
}
