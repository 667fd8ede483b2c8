import { codeVersion } from '../core/version.js';
import type { InputFeatures } from '../core/artifact-format.js';
import { currentInputFeatures } from '../text/feature-tokens.js';
import { composeModelInputs } from './model-inputs.js';
import type { DatasetRows, DatasetVersion } from '../core/dataset.js';
import { concatIds } from '../core/concat-ids.js';
import { InputError } from '../core/errors.js';
import { splitGroupedStratified } from '../data/split.js';
import { upsampleStratified } from '../core/upsample.js';
import { encodeArtifact, type ArtifactMeta } from '../models/artifact.js';
import type { Classifier, ModelKind, TrainProgress } from '../models/classifier.js';
import { trainableKind } from './trainable-kinds.js';
import { evaluate, type EvalReport } from './evaluate.js';
import { fitConfidence, thresholdMetrics } from './confidence-step.js';
import { decisionEvidence, decisionMetrics } from './decision-evidence.js';
import { classFrequencyWeights } from './stored-thresholds.js';
import { calibrateTop1, withStoredCalibration } from '../models/top1-calibration.js';
import { indexLabels } from './label-index.js';
import { refitOnAllRows, refitWanted } from './refit.js';
import { assignDecisionFolds, checkDecisionFolds, DEFAULT_DECISION_FOLDS } from './decision-folds.js';
import { crossFitScores } from './cross-fit.js';
import { reviewedRowMask, trafficIndices, trafficScored } from './traffic-rows.js';
import { selectReferenceRows, type ReferenceRows } from './reference-rows.js';

/**
 * One training run: split (grouped by normalised text, stratified), optional up-sampling of the
 * training side, fit, evaluate on the validation side, then (by default) refit on all rows with what
 * that fit chose on the validation side (refit.ts), score the training side out of fold for the
 * decide-or-route thresholds (cross-fit.ts; by default 5 folds), and encode the artifact. The validation figures
 * are those of the model fitted without the validation side. Pure with respect to storage: the
 * caller decides where the bytes go (file, registry).
 */
export interface TrainRunOptions {
  readonly rows: DatasetRows;
  /** Read the rows' entity feature columns (a `features training-set` dataset) as input too; default true. */
  readonly features?: boolean;
  readonly labelColumn: string;
  readonly dataset?: DatasetVersion;
  readonly kind: string;
  readonly seed: number;
  readonly upsample: boolean;
  readonly threads: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** Share of groups held out for calibration, early stopping and the reported metrics. */
  readonly validFraction: number;
  /**
   * Refit on all rows after the validated fit (true), ship the validated fit (false); undefined:
   * refit when the kind can. True for a kind that cannot is an InputError.
   */
  readonly refit?: boolean;
  /**
   * Folds for the decide-or-route thresholds' evidence (decision-folds.ts): 2..10 scores every
   * training row out of fold and fits the thresholds on those rows plus the validation rows; 0 fits
   * them on the validation rows alone. Default DEFAULT_DECISION_FOLDS. Only kinds that refit
   * (ModelKind.refits) are cross-fitted: fold models reuse the first fit's held-out choices.
   */
  readonly decisionFolds?: number;
  /** Rows that only teach (a nomenclature's descriptions; reference-rows.ts): on every fit's training side, never measured. */
  readonly referenceRows?: ReferenceRows;
  /** Hierarchy prefix lengths for the report (e.g. [2, 4, 6]); auto-detected when absent. */
  readonly levels?: readonly number[];
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
  /** Called with the validated fit before a refit replaces it (a benchmark measures both on its own test texts). */
  readonly onValidatedFit?: (classifier: Classifier) => Promise<void> | void;
}

export interface TrainRunResult {
  readonly bytes: Buffer;
  readonly meta: ArtifactMeta;
  readonly classifier: Classifier;
  /** Of the validated fit (the model fitted without the validation side), also when the shipped model was refit. */
  readonly report: EvalReport;
  /** Whether the shipped model (classifier, bytes) was refit on all rows. */
  readonly refit: boolean;
  /** Rows the shipped model learnt from (all rows, up-sampled or not, when refit). */
  readonly trainRows: number;
  /** Where the decide-or-route evidence came from, and how many rows it holds. */
  readonly decision: {
    readonly fittedOn: 'validation' | 'cross-fit'; readonly folds: number; readonly rows: number;
    /** Reviewed rows of the dataset kept out of the evidence (traffic-rows.ts); absent when none were. */
    readonly reviewRowsLeftOut?: number;
  };
  /** Rows of the validated fit's training side (= trainRows without refit). */
  readonly heldOutFitRows: number;
  readonly validRows: number;
  readonly seconds: number;
  /**
   * The held-out side as the validated fit saw it: texts, true class ids (index `meta.labels`) and
   * that fit's probabilities (rows × labels; a refit model has seen these texts, so its own would
   * flatter). Monitoring builds the reference profile production is compared with from it; nothing
   * of it goes into the artifact.
   */
  readonly validation: { readonly texts: readonly string[]; readonly y: Int32Array; readonly proba: Float32Array };
  /** The validated fit's training side (the vocabulary the validation texts are out of or not, as production's are). */
  readonly trainTexts: readonly string[];
}

/** The texts a model learns from: with a training set's feature columns (unless asked not to), each text with its feature tokens. */
function modelInputs(rows: DatasetRows, useFeatures: boolean, kind: ModelKind): { texts: readonly string[]; inputFeatures?: InputFeatures } {
  const columns = rows.featureColumns ?? [];
  if (!useFeatures || columns.length === 0) return { texts: rows.texts };
  const inputFeatures = currentInputFeatures(columns, kind.featureEncoding);
  return { texts: composeModelInputs(rows.texts, inputFeatures, rows.features ?? {}), inputFeatures };
}

export async function runTraining(o: TrainRunOptions): Promise<TrainRunResult> {
  const started = performance.now();
  const values = o.rows.labels[o.labelColumn];
  if (!values) {
    throw new InputError('unknown-label-column', `label column "${o.labelColumn}" is not in the data; it has ${o.rows.labelColumns.join(', ')}`,
      { column: o.labelColumn }, `Pass --label with one of: ${o.rows.labelColumns.join(', ')}`);
  }
  if (!(o.validFraction > 0 && o.validFraction < 0.5)) {
    throw new InputError('bad-valid-fraction', `the validation share must be between 0 and 0.5, got ${o.validFraction}`, { value: o.validFraction });
  }
  const kind = await trainableKind(o.kind);
  const refit = refitWanted(kind, o.refit);
  const requestedFolds = checkDecisionFolds(o.decisionFolds ?? DEFAULT_DECISION_FOLDS, 'the decision folds');
  const folds = kind.refits === true ? requestedFolds : 0;
  const exampleLabels = new Set(values);
  const reference = o.referenceRows && selectReferenceRows(o.referenceRows, exampleLabels);
  // The label index covers the reference rows' classes too ('all': a class only they describe is
  // a class of the model); the examples' ids are the first values.length.
  const { labels, y: allY } = indexLabels(reference ? [...values, ...reference.labels] : values);
  const y = allY.subarray(0, values.length);
  const referenceY = allY.subarray(values.length);
  if (labels.length < 2) {
    throw new InputError('one-class', `column "${o.labelColumn}" has ${labels.length} distinct label(s); a classifier needs at least 2`, { column: o.labelColumn });
  }
  // Grouped by the texts alone: the same text with other feature values is still the same text,
  // and must not sit on both sides of the split.
  const split = splitGroupedStratified(o.rows.texts, y, { validFraction: o.validFraction, seed: o.seed, order: 'text-hash' });
  const trainIdx = o.upsample ? upsampleStratified(split.train, y, { seed: o.seed }) : split.train;
  const { texts: inputTexts, inputFeatures } = modelInputs(o.rows, o.features ?? true, kind);
  // Reference rows have no entity: their inputs carry no feature token, as a keyless request's.
  const referenceTexts = !reference ? [] : inputFeatures ? composeModelInputs(reference.texts, inputFeatures, {}) : reference.texts;
  /** A fit's rows with the reference rows after them. */
  const withReference = (texts: readonly string[], ys: Int32Array) => (reference
    ? { texts: [...texts, ...referenceTexts], y: concatIds(ys, referenceY) }
    : { texts, y: ys });
  const { texts: fitTexts, y: fitY } = withReference(inputTexts, y);
  const referenceIdx = Int32Array.from({ length: referenceTexts.length }, (_, i) => inputTexts.length + i);
  const pickTexts = (idx: Int32Array) => Array.from(idx, (i) => inputTexts[i]!);
  const pickY = (idx: Int32Array) => Int32Array.from(idx, (i) => y[i]!);
  const valid = { texts: pickTexts(split.valid), y: pickY(split.valid) };
  const params = { ...kind.defaults, ...o.params };
  const trainTexts = pickTexts(trainIdx);
  const trainOptions = { seed: o.seed, threads: o.threads, params, ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}) };
  // The count tells a kind that splits its rows internally (the ensemble) which rows are not traffic.
  const trained = await kind.train({ ...withReference(trainTexts, pickY(trainIdx)), labels, valid, ...(reference ? { referenceRows: referenceTexts.length } : {}) }, trainOptions);
  const raw = new Float32Array(valid.texts.length * labels.length);
  // Engines that only run async (onnxruntime) are faster that way; the contract says to prefer it.
  if (trained.predictProbaAsync) await trained.predictProbaAsync(valid.texts, raw);
  else trained.predictProba(valid.texts, raw);
  // Calibration and thresholds are fitted on the validated fit's scores; a refit model gets the
  // same ones (it has seen the validation texts, so its own scores there would flatter them).
  // Review answers teach, but the thresholds must hold on traffic, which they were not drawn as (traffic-rows.ts).
  const reviewed = reviewedRowMask(o.rows);
  const trafficTrainY = pickY(trafficIndices(split.train, reviewed));
  const { classifier: validated, proba, calibration, thresholds } = fitConfidence(trained, raw, valid.y, pickY(split.train),
    reviewed && { validRows: Uint8Array.from(split.valid, (i) => 1 - reviewed[i]!), trainY: trafficTrainY });
  const report = evaluate({ labels, yTrue: valid.y, proba, ...(o.levels ? { levels: [...o.levels] } : {}) });
  await o.onValidatedFit?.(validated);
  const choices = trained.heldOutChoices ?? {};
  const shipped = refit
    ? await refitOnAllRows({ kind, texts: fitTexts, y: fitY, labels, upsample: o.upsample, options: trainOptions, choices, referenceRows: referenceTexts.length })
    : { classifier: trained, rows: trainIdx.length + referenceTexts.length };
  const classifier = refit ? withStoredCalibration(shipped.classifier, calibration) : validated;
  const { featuriser, params: modelParams, sections } = classifier.serialise();
  const crossFit = folds >= 2 ? await outOfFold() : undefined;
  // The evidence keeps the rows drawn as traffic is, as the stored thresholds above.
  const validTraffic = trafficScored({ proba, y: valid.y }, split.valid, labels.length, reviewed);
  const decision = decisionEvidence({ ...validTraffic, weights: classFrequencyWeights(trafficTrainY, validTraffic.y, labels.length) }, labels.length,
    crossFit && { ...trafficScored(crossFit, split.train, labels.length, reviewed), folds: crossFit.folds }, reviewed ? o.rows.reviewRows!.length : 0);
  /** The training side's rows scored out of fold, calibrated as the served model's scores are. */
  async function outOfFold() {
    const trainY = pickY(split.train);
    const foldOf = assignDecisionFolds(Array.from(split.train, (i) => o.rows.texts[i]!), trainY, folds, o.seed);
    const oof = await crossFitScores({
      kind, texts: fitTexts, y: fitY, labels, scored: split.train, foldOf, folds, alwaysTrain: concatIds(split.valid, referenceIdx), upsample: o.upsample, options: trainOptions, choices,
      referenceRows: referenceTexts.length, reviewed,
    });
    if (calibration) calibrateTop1(calibration, oof, labels.length);
    return { proba: oof, y: trainY, folds };
  }
  const meta: ArtifactMeta = {
    kind: o.kind,
    labels,
    featuriser,
    params: modelParams,
    ...(inputFeatures ? { inputFeatures } : {}),
    training: {
      ...(o.dataset ? { datasetId: o.dataset.id, datasetSha256: o.dataset.contentSha256 } : {}),
      labelColumn: o.labelColumn,
      seed: o.seed,
      upsample: o.upsample,
      trainRows: shipped.rows,
      validRows: split.valid.length,
      refit,
      heldOutFitRows: trainIdx.length,
      choices,
      ...(o.referenceRows && reference ? {
        referenceRows: { source: o.referenceRows.source, sha256: o.referenceRows.sha256, rows: reference.labels.length, onlyClasses: new Set(reference.labels.filter((l) => !exampleLabels.has(l))).size },
      } : {}),
    },
    metrics: { ...headlineMetrics(report), ...thresholdMetrics(thresholds), ...decisionMetrics(decision.evidence, labels.length) },
    codeVersion: codeVersion(),
    ...(calibration ? { calibration } : {}),
    thresholds,
    decision: decision.meta,
  };
  return {
    bytes: encodeArtifact(meta, [...sections, ...decision.sections]),
    meta, classifier, report,
    refit, decision: { fittedOn: decision.meta.fittedOn, folds, rows: decision.meta.rows, ...(decision.meta.reviewRowsLeftOut ? { reviewRowsLeftOut: decision.meta.reviewRowsLeftOut } : {}) }, trainRows: shipped.rows, heldOutFitRows: trainIdx.length, validRows: split.valid.length,
    // Monitoring compares production's texts with these: the texts themselves, not the model's inputs with feature tokens.
    validation: { texts: inputFeatures ? Array.from(split.valid, (i) => o.rows.texts[i]!) : valid.texts, y: valid.y, proba },
    trainTexts: inputFeatures ? Array.from(trainIdx, (i) => o.rows.texts[i]!) : trainTexts,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The deterministic figures kept in the artifact (no timings, so bytes stay reproducible); of the validated fit. */
function headlineMetrics(r: EvalReport): Record<string, number> {
  const m: Record<string, number> = { validAccuracy: r.accuracy, validMacroF1: r.macroF1, validWeightedF1: r.weightedF1, validEce: r.calibration.ece };
  for (const h of r.hierarchy ?? []) m[`validAccuracyLevel${h.level}`] = h.accuracy;
  return m;
}
