import { textSha256 } from '../monitoring/log/text-key.js';
import type { RoutedText } from '../review/review-queue.js';
import type { RemappedDataset } from '../taxonomy/remap-dataset.js';
import { taxonomyRefOf, type CorrelationTable } from '../taxonomy/taxonomy.js';

/**
 * The split rows of a remapped dataset as review-queue occurrences under `endpoint`: the text, the
 * candidate codes as suggestions (equal scores: the table prefers none). The request id names the
 * table and the dataset and the position is the row, so mapping the same dataset again adds no
 * occurrence twice. An answer becomes feedback of `endpoint` joined by the text (no logged prediction
 * holds these rows), which `lading feedback to-dataset --endpoint E` turns into training rows.
 */
export function splitRowsAsRouted(result: RemappedDataset, table: CorrelationTable, datasetId: string, endpoint: string, at: number): RoutedText[] {
  return result.split.map((s) => ({
    endpoint, text: s.text, textSha256: textSha256(s.text), requestId: `${table.id}:${datasetId}`, position: s.row,
    model: 'taxonomy-map', version: table.id, variant: `${taxonomyRefOf(table.from)}->${taxonomyRefOf(table.to)}`,
    suggestions: s.candidates.map((label) => ({ label, score: 1 / s.candidates.length })), at,
  }));
}
