import type { DatasetRows } from '../../src/core/dataset.js';

/**
 * A training set where the text says nothing (each text comes once with either label) and the
 * importer's chapter (the feature `history:top_chapter`) says everything: a model learns it only
 * from the feature.
 */
export function chapterFeatureRows(n = 400): DatasetRows {
  return {
    textColumn: 'text', labelColumns: ['label'],
    texts: Array.from({ length: n }, (_, i) => `goods lot ${Math.floor(i / 2)}`),
    labels: { label: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'textiles' : 'hardware')) },
    featureColumns: ['history:top_chapter'],
    features: { 'history:top_chapter': Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '61' : '73')) },
  };
}
