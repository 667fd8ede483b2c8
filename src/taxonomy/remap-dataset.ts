import type { DatasetRows } from '../core/dataset.js';
import { classifyCorrelation, type ChangeKind } from './correlation-kinds.js';
import type { CorrelationTable, TaxonomyCode, TaxonomyContent } from './taxonomy.js';
import { taxonomyRefOf } from './taxonomy.js';

/** A row whose old code was split: a person picks one of the candidates (the review queue's job). */
export interface SplitRow {
  /** Its index in the source dataset. */
  readonly row: number;
  readonly text: string;
  readonly oldCode: string;
  readonly candidates: readonly string[];
}

export interface RemappedDataset {
  /** The rows of the new dataset version: mapped and unchanged rows, split and unmapped rows left out. */
  readonly rows: DatasetRows;
  /** Rows relabelled automatically, by kind of change. */
  readonly mapped: Readonly<Record<Exclude<ChangeKind, 'one-to-many'>, number>>;
  /** Rows whose label exists in the new taxonomy and is not in the table: kept as they are. */
  readonly unchanged: number;
  readonly split: readonly SplitRow[];
  /** Labels neither in the table nor in the new taxonomy, with their row counts: left out, most rows first. */
  readonly unmapped: readonly { readonly label: string; readonly rows: number }[];
  /** Label columns that cannot be derived in the new taxonomy (not one of its parent levels): dropped. */
  readonly droppedColumns: readonly string[];
  /** What the dataset registry records as the new version's source. */
  readonly lineage: string;
}

/**
 * Moves a dataset's primary labels to a new taxonomy through a correlation table: one-to-one and
 * many-to-one changes are relabelled, labels the new taxonomy still has are kept, splits are held
 * back for a person (`split`), labels with no way into the new taxonomy are left out and counted.
 * Secondary label columns named like one of the new taxonomy's parent levels (label_4, label_2) are
 * recomputed from it for every kept row, so they always agree with the new primary label; other
 * secondary columns (a national 10-digit code) cannot follow and are dropped.
 */
export function remapDataset(input: {
  readonly rows: DatasetRows;
  readonly datasetId: string;
  readonly table: CorrelationTable;
  readonly newTaxonomy: TaxonomyContent;
}): RemappedDataset {
  const { rows, table, newTaxonomy } = input;
  const primary = rows.labelColumns[0]!;
  const labels = rows.labels[primary]!;
  const changes = classifyCorrelation(table.pairs);
  const byCode = new Map<string, TaxonomyCode>(newTaxonomy.codes.map((c) => [c.code, c]));
  const derived = rows.labelColumns.slice(1).filter((c) => newTaxonomy.parentLevels.includes(c));
  const droppedColumns = rows.labelColumns.slice(1).filter((c) => !derived.includes(c));

  const texts: string[] = [];
  const newLabels: string[] = [];
  const mapped = { 'one-to-one': 0, 'many-to-one': 0 };
  let unchanged = 0;
  const split: SplitRow[] = [];
  const unmapped = new Map<string, number>();
  // A reviewed row (DatasetRows.reviewRows) stays marked where it lands: it is still no decision evidence.
  const reviewed = new Set(rows.reviewRows ?? []);
  const reviewRows: number[] = [];
  labels.forEach((label, row) => {
    const change = changes.get(label);
    let next: string;
    if (change?.kind === 'one-to-many') {
      split.push({ row, text: rows.texts[row]!, oldCode: label, candidates: change.targets });
      return;
    } else if (change !== undefined && change.targets[0] !== label) {
      next = change.targets[0]!;
      mapped[change.kind]++;
    } else if (byCode.has(label)) {
      next = label;
      unchanged++;
    } else {
      unmapped.set(label, (unmapped.get(label) ?? 0) + 1);
      return;
    }
    if (reviewed.has(row)) reviewRows.push(texts.length);
    texts.push(rows.texts[row]!);
    newLabels.push(next);
  });

  const parentsOf = (column: string) => {
    const level = newTaxonomy.parentLevels.indexOf(column);
    return newLabels.map((code) => byCode.get(code)!.parents[level]!);
  };
  const labelColumns = [primary, ...derived];
  const remapped: DatasetRows = {
    textColumn: rows.textColumn, labelColumns, texts,
    labels: Object.fromEntries([[primary, newLabels], ...derived.map((c) => [c, parentsOf(c)])]),
    ...(reviewRows.length > 0 ? { reviewRows } : {}),
  };
  const lineage = `taxonomy-map:${input.datasetId} ${taxonomyRefOf(table.from)} -> ${taxonomyRefOf(table.to)} via ${table.id} `
    + `(${texts.length} rows kept, ${split.length} split rows held for review, ${[...unmapped.values()].reduce((a, b) => a + b, 0)} unmapped left out)`;
  return {
    rows: remapped, mapped, unchanged, split, droppedColumns, lineage,
    unmapped: [...unmapped].map(([label, n]) => ({ label, rows: n })).sort((a, b) => b.rows - a.rows || (a.label < b.label ? -1 : 1)),
  };
}

/**
 * The split rows as review items: the text, the candidate codes as suggestions, and why, as
 * `lading taxonomy map --json` lists them (platform/split-rows-review.ts puts them in the review queue).
 */
export function splitRowsForReview(result: RemappedDataset, table: CorrelationTable): Array<{
  readonly text: string;
  readonly suggestions: readonly string[];
  readonly reason: string;
}> {
  return result.split.map((s) => ({
    text: s.text, suggestions: s.candidates, reason: `taxonomy split: ${s.oldCode} (${taxonomyRefOf(table.from)}) became ${s.candidates.join(', ')} in ${taxonomyRefOf(table.to)} (${table.id})`,
  }));
}
