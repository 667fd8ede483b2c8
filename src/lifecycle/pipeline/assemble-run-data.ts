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
import { splitFeedbackHoldout } from './feedback-holdout.js';
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
  /**
   * Rows per part. `feedback` is what trains (the held-out texts are not in it); `holdout` the
   * rows held out; `superseded` the base and file rows dropped because feedback (trained on or
   * held out) has their text.
   */
  readonly counts: { readonly base: number; readonly feedback: number; readonly holdout: number; readonly files: number; readonly superseded: number };
  /** The newest feedback, held out of training as a version of its own (`pipeline-NAME-holdout`); null when none was held out. */
  readonly holdout: HoldoutData | null;
  readonly files: readonly string[];
  /** The feedback the rows include, for the pipeline's watermark; undefined when the pipeline takes none. */
  readonly watermark: { readonly feedbackId: number; readonly feedbackCount: number } | undefined;
  readonly lineage: string;
}

export interface HoldoutData {
  readonly dataset: DatasetVersion;
  readonly rows: DatasetRows;
  readonly created: boolean;
  /** Its source: the feedback it came from and the share held out. */
  readonly lineage: string;
}

/**
 * A run's training data as one new dataset version: the base dataset, then the labelled files of
 * the pipeline's folder (sorted by name), then the endpoint's accepted feedback. Only the primary
 * label column is kept (feedback carries no other). A corrected label wins: a base or file row whose
 * normalised text has feedback is dropped, so the same text never teaches two labels. Review
 * answers stay marked as such (DatasetRows.reviewRows: they teach, but are no decision evidence). The lineage
 * (the version's source) names every part, and the version is named `pipeline-NAME`.
 *
 * The newest `gates.feedbackHoldout` share of the feedback (feedback-holdout.ts) is held out: saved
 * as a version of its own, `pipeline-NAME-holdout`, for the gates, and kept out of training
 * entirely (a base or file row with a held-out text is dropped too), so the candidate is graded on
 * texts it has never seen, with the labels production gives them now.
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
  let heldOut: { rows: DatasetRows; lineage: string } | undefined;
  if (spec.data.feedback) {
    if (input.feedback === undefined) throw new InputError('no-feedback-store', `pipeline "${spec.name}" includes feedback, but no monitoring store was given`, { pipeline: spec.name });
    const items = await input.feedback.listFeedback({ endpoint: spec.endpoint });
    const split = splitFeedbackHoldout(items, spec.gates.feedbackHoldout);
    const built = feedbackDataset(split.training, { endpoint: spec.endpoint, until: input.now });
    feedbackRows = built.rows;
    // The watermark counts every item read, held out or not: the triggers ask what is new since.
    watermark = { feedbackId: items.reduce((m, f) => Math.max(m, f.id), 0), feedbackCount: items.length };
    if (split.heldOutTexts > 0) {
      const held = feedbackDataset(split.heldOut, { endpoint: spec.endpoint, until: input.now });
      heldOut = { rows: held.rows, lineage: `pipeline:${spec.name} ${input.runId}: the newest ${spec.gates.feedbackHoldout} of ${split.texts} feedback texts, held out of training: ${held.lineage} name=pipeline-${spec.name}-holdout` };
    }
    feedbackLineage = ` + ${built.lineage}${heldOut ? `, ${heldOut.rows.texts.length} newest held out (pipeline-${spec.name}-holdout)` : ''}`;
  }

  const corrected = new Set([...(feedbackRows?.texts ?? []), ...(heldOut?.rows.texts ?? [])].map(normaliseText));
  const texts: string[] = [];
  const labels: string[] = [];
  let superseded = 0;
  const reviewRows: number[] = [];
  // A part's reviewed rows stay marked where they land (the base may be an earlier run's data).
  const add = (rows: DatasetRows, column: string, keep: (t: string) => boolean) => {
    const values = rows.labels[column]!;
    const reviewed = new Set(rows.reviewRows ?? []);
    rows.texts.forEach((t, i) => {
      if (!keep(t)) { superseded++; return; }
      if (reviewed.has(i)) reviewRows.push(texts.length);
      texts.push(t);
      labels.push(values[i]!);
    });
  };
  const notCorrected = (t: string) => !corrected.has(normaliseText(t));
  add(baseRows, label, notCorrected);
  for (const rows of fileRows) add(rows, label, notCorrected);
  if (feedbackRows) add(feedbackRows, 'label', () => true);

  const counts = {
    base: baseRows.texts.length, files: fileRows.reduce((n, r) => n + r.texts.length, 0), feedback: feedbackRows?.texts.length ?? 0,
    holdout: heldOut?.rows.texts.length ?? 0, superseded,
  };
  const fileLineage = files.length > 0 ? ` + ${spec.data.folder} (${files.length} file(s), ${counts.files} rows)` : '';
  const lineage = `pipeline:${spec.name} ${input.runId}: ${base.id} (${counts.base} rows)${fileLineage}${feedbackLineage}, ${superseded} superseded name=pipeline-${spec.name}`;
  const rows: DatasetRows = { textColumn: baseRows.textColumn, labelColumns: [label], texts, labels: { [label]: labels }, ...(reviewRows.length > 0 ? { reviewRows } : {}) };
  const levels = base.levels ? { levels: base.levels } : {};
  let holdout: HoldoutData | null = null;
  if (heldOut !== undefined) {
    // Feedback's label column is `label`; the holdout carries the base's name, as the training rows do.
    const holdoutRows: DatasetRows = { textColumn: baseRows.textColumn, labelColumns: [label], texts: heldOut.rows.texts, labels: { [label]: heldOut.rows.labels['label']! } };
    const savedHoldout = await input.datasets.saveDataset(holdoutRows, { file: heldOut.lineage, format: base.source.format }, levels);
    holdout = { dataset: savedHoldout.version, rows: holdoutRows, created: savedHoldout.created, lineage: heldOut.lineage };
  }
  const saved = await input.datasets.saveDataset(rows, { file: lineage, format: base.source.format }, levels);
  return { rows, dataset: saved.version, created: saved.created, base, counts, files, watermark, lineage, holdout };
}

function labelledFilesIn(folder: string, pipeline: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new InputError('missing-data-folder', `pipeline "${pipeline}": data.folder ${folder} is not a folder`, { pipeline, folder },
      'Create it (it may be empty), or remove data.folder from the pipeline.');
  }
  return readdirSync(folder).filter((f) => tableFormatOf(f) !== undefined).sort().map((f) => join(folder, f));
}
