import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetRows, DatasetVersion } from '../../core/dataset.js';
import { InputError } from '../../core/errors.js';
import { tableFormatOf } from '../../data/file-format.js';
import { readLabelledFile } from '../../data/read-labelled-file.js';
import { feedbackDataset } from '../../monitoring/feedback/feedback-dataset.js';
import type { FeedbackStore } from '../../monitoring/store/monitoring-store.js';
import type { DatasetRegistry } from '../../registry/dataset-registry.js';
import { normaliseText } from '../../text/normalise.js';
import { resolveDatasetRef } from './dataset-ref.js';
import type { PipelineSpec } from './pipeline-spec.js';

export interface RunDataInput {
  readonly spec: PipelineSpec;
  readonly runId: string;
  readonly datasets: Pick<DatasetRegistry, 'getDataset' | 'listDatasets' | 'loadDatasetRows' | 'saveDataset'>;
  /** The endpoint's accepted feedback; needed when the pipeline says `feedback: true`. */
  readonly feedback: Pick<FeedbackStore, 'listFeedback'> | undefined;
  readonly now: number;
}

export interface RunData {
  readonly rows: DatasetRows;
  /** The version the run trains on (new, or the same content stored before). */
  readonly dataset: DatasetVersion;
  readonly created: boolean;
  readonly base: DatasetVersion;
  readonly counts: { readonly base: number; readonly feedback: number; readonly files: number; readonly superseded: number };
  readonly files: readonly string[];
  /** The feedback the rows include, for the pipeline's watermark; undefined when the pipeline takes none. */
  readonly watermark: { readonly feedbackId: number; readonly feedbackCount: number } | undefined;
  readonly lineage: string;
}

/**
 * A run's training data as one new dataset version: the base dataset, then the labelled files of
 * the pipeline's folder (sorted by name), then the endpoint's accepted feedback. Only the primary
 * label column is kept (feedback carries no other). A corrected label wins: a base or file row whose
 * normalised text has feedback is dropped, so the same text never teaches two labels. The lineage
 * (the version's source) names every part, and the version is named `pipeline-NAME`.
 */
export async function assembleRunData(input: RunDataInput): Promise<RunData> {
  const { spec } = input;
  const base = await resolveDatasetRef(input.datasets, spec.data.dataset);
  const baseRows = await input.datasets.loadDatasetRows(base.id);
  const label = baseRows.labelColumns[0]!;
  const columns = { text: baseRows.textColumn, labels: [label] };

  const files = spec.data.folder === undefined ? [] : labelledFilesIn(spec.data.folder, spec.name);
  const fileRows: DatasetRows[] = [];
  // Every file is read (and checked) before anything is stored: a bad file stores nothing.
  for (const file of files) fileRows.push(await readLabelledFile(file, columns));

  let feedbackRows: DatasetRows | undefined;
  let watermark: RunData['watermark'];
  let feedbackLineage = '';
  if (spec.data.feedback) {
    if (input.feedback === undefined) throw new InputError('no-feedback-store', `pipeline "${spec.name}" includes feedback, but no monitoring store was given`, { pipeline: spec.name });
    const items = await input.feedback.listFeedback({ endpoint: spec.endpoint });
    const built = feedbackDataset(items, { endpoint: spec.endpoint, until: input.now });
    feedbackRows = built.rows;
    watermark = { feedbackId: items.reduce((m, f) => Math.max(m, f.id), 0), feedbackCount: items.length };
    feedbackLineage = ` + ${built.lineage}`;
  }

  const corrected = new Set((feedbackRows?.texts ?? []).map(normaliseText));
  const texts: string[] = [];
  const labels: string[] = [];
  let superseded = 0;
  const add = (rows: DatasetRows, column: string, keep: (t: string) => boolean) => {
    const values = rows.labels[column]!;
    rows.texts.forEach((t, i) => {
      if (!keep(t)) { superseded++; return; }
      texts.push(t);
      labels.push(values[i]!);
    });
  };
  const notCorrected = (t: string) => !corrected.has(normaliseText(t));
  add(baseRows, label, notCorrected);
  for (const rows of fileRows) add(rows, label, notCorrected);
  if (feedbackRows) add(feedbackRows, 'label', () => true);

  const counts = {
    base: baseRows.texts.length, files: fileRows.reduce((n, r) => n + r.texts.length, 0), feedback: feedbackRows?.texts.length ?? 0, superseded,
  };
  const fileLineage = files.length > 0 ? ` + ${spec.data.folder} (${files.length} file(s), ${counts.files} rows)` : '';
  const lineage = `pipeline:${spec.name} ${input.runId}: ${base.id} (${counts.base} rows)${fileLineage}${feedbackLineage}, ${superseded} superseded name=pipeline-${spec.name}`;
  const rows: DatasetRows = { textColumn: baseRows.textColumn, labelColumns: [label], texts, labels: { [label]: labels } };
  const saved = await input.datasets.saveDataset(rows, { file: lineage, format: base.source.format }, base.levels ? { levels: base.levels } : {});
  return { rows, dataset: saved.version, created: saved.created, base, counts, files, watermark, lineage };
}

function labelledFilesIn(folder: string, pipeline: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new InputError('missing-data-folder', `pipeline "${pipeline}": data.folder ${folder} is not a folder`, { pipeline, folder },
      'Create it (it may be empty), or remove data.folder from the pipeline.');
  }
  return readdirSync(folder).filter((f) => tableFormatOf(f) !== undefined).sort().map((f) => join(folder, f));
}
