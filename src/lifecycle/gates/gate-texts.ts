import { InputError, NotFoundError } from '../../core/errors.js';
import type { DatasetRegistry } from '../../registry/dataset-registry.js';
import type { GateSource } from './gate-report.js';

/** Labelled texts both models answer: the golden set, or the endpoint's held-out recent feedback. */
export interface LabelledTexts {
  readonly texts: readonly string[];
  readonly labels: readonly string[];
}

export interface GateTextSet extends LabelledTexts {
  readonly source: GateSource;
}

export interface GoldenTexts extends GateTextSet {
  readonly ref: string;
  readonly datasetId: string;
  readonly labelColumn: string;
}

/**
 * The golden set named by `gates.golden`, resolved by the dataset registry (a version id or a
 * unique prefix of one), read back hash-verified. The label column is the one asked for, else the
 * one the models were trained to predict (candidate first) when the set has it, else its only one.
 * A ref or column that does not fit is an InputError naming the key and the ref; nothing is written.
 */
export async function loadGoldenTexts(
  datasets: Pick<DatasetRegistry, 'getDataset' | 'loadDatasetRows'>,
  ref: string,
  columns: { readonly asked: string | undefined; readonly models: ReadonlyArray<string | null | undefined> },
): Promise<GoldenTexts> {
  let version;
  try {
    version = await datasets.getDataset(ref);
  } catch (e) {
    if (e instanceof NotFoundError) {
      throw new InputError('gate-golden-not-found', `gates.golden "${ref}" is not a dataset version in this workspace`, { key: 'gates.golden', dataset: ref },
        'Pin an existing dataset version (`lading data list` shows their ids) as the golden set.', { cause: e });
    }
    throw e;
  }
  const named = version.id === ref ? `gates.golden "${ref}"` : `gates.golden "${ref}" (${version.id})`;
  if (columns.asked !== undefined && !version.labelColumns.includes(columns.asked)) {
    throw new InputError('gate-golden-label-column', `${named} has no label column "${columns.asked}"; it has ${version.labelColumns.join(', ')}`,
      { key: 'gates.golden', dataset: ref, column: columns.asked });
  }
  const preferred = [...new Set(columns.models.filter((c): c is string => typeof c === 'string'))];
  const labelColumn = columns.asked ?? preferred.find((c) => version.labelColumns.includes(c)) ?? (version.labelColumns.length === 1 ? version.labelColumns[0] : undefined);
  if (labelColumn === undefined) {
    throw new InputError('gate-golden-label-column', `${named} has label columns ${version.labelColumns.join(', ')} and none is the one the candidate predicts (${preferred.join(', ') || 'not recorded'})`,
      { key: 'gates.golden', dataset: ref }, 'Name the label column for the gates, or pin a golden set with the candidate\'s label column.');
  }
  const rows = await datasets.loadDatasetRows(version.id);
  const labels = rows.labels[labelColumn] ?? [];
  if (rows.texts.length === 0) {
    throw new InputError('gate-golden-empty', `${named} has no rows`, { key: 'gates.golden', dataset: ref });
  }
  return { source: 'golden', ref, datasetId: version.id, labelColumn, texts: rows.texts, labels };
}

/**
 * Fewer held-out texts than this and the holdout's checks are skipped rather than failed. With one
 * text of 30 the champion alone gets right, accuracy already drops by 0.033, beyond any sensible
 * margin: below this a paired test on a holdout can only pass when the two models agree on every
 * text, which says little about either. A golden set has no minimum: a person chose its size.
 */
export const MIN_HOLDOUT_TEXTS = 30;

/** Checks the caller's held-out rows line up; an empty set is kept (its checks say "skipped: only 0 rows"). */
export function holdoutTexts(holdout: LabelledTexts | undefined): GateTextSet | null {
  if (holdout === undefined) return null;
  if (holdout.labels.length !== holdout.texts.length) {
    throw new InputError('gate-holdout-shape', `the held-out feedback has ${holdout.texts.length} texts but ${holdout.labels.length} labels`,
      { texts: holdout.texts.length, labels: holdout.labels.length });
  }
  return { source: 'holdout', texts: holdout.texts, labels: holdout.labels };
}
