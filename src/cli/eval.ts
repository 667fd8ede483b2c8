import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Settings } from '../config/config.js';
import type { DatasetRows } from '../core/dataset.js';
import { readLabelledFile } from '../data/read-labelled-file.js';
import { withWorkspace } from '../platform/index.js';
import { ParallelPredictor } from '../models/parallel-predict.js';
import { argmaxRows } from '../serving/rows.js';
import { checkDecisions, DEFAULT_DECISION_TARGETS, renderDecisionChecks, type DecisionCheck } from '../training/decision-check.js';
import { EvalAccumulator, type EvalReport } from '../training/evaluate.js';
import { parseVerbArgs, requireFlag } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { writeJson, writeLine } from './output.js';
import { describeFeatureSummary, FEATURE_HELP, FEATURE_OPTIONS, modelInputsOfFile, warnTextAlone, modelInputsOfDataset, type FeatureFlags, type FeatureSummary } from './model-feature-inputs.js';
import { createProgress } from './progress.js';
import { renderEvalReport } from './render-report.js';
import { resolveModelFlag, type ModelFile } from './resolve-model.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  data: { type: 'string' },
  label: { type: 'string' },
  text: { type: 'string', default: 'text' },
  levels: { type: 'string' },
  all: { type: 'boolean', default: false },
  'target-precision': { type: 'string' },
  ...FEATURE_OPTIONS,
} as const;

/** Rows predicted per step: the probabilities of one step are all that is held at once. */
const EVAL_BATCH_ROWS = 8192;

export const verb: Verb = {
  summary: 'evaluate a model artifact on a labelled file: accuracy, macro-F1, hierarchy, calibration, coverage',
  help: `Usage: lading eval --model PATH --data FILE --label COL [options]
       lading eval --model NAME[@ALIAS|@VERSION] --data FILE --label COL [options]

Predicts every row of a labelled CSV/JSONL file and reports accuracy, macro-F1 (mean over the classes
present in the truth or the predictions, as scikit-learn), weighted F1, top-3/top-5 accuracy,
log-loss, hierarchical accuracy for code labels (HS chapter / heading / subheading), calibration
(expected calibration error over 15 confidence bins), the worst classes and the most frequent
confusions. Labels the model never saw are counted (and scored as errors).

Auto-classification at 95/98/99% precision is reported twice: with the thresholds stored in the
artifact at training time (fitted on its validation part: the precision and coverage you would
really get on this file), and with thresholds fitted on this file itself (the best any threshold
could do here; optimistic about new texts). Older artifacts and imported ONNX models store none.

Decide or route: the per-class thresholds a server would use at a target precision (fitted on the
artifact's validation rows) are applied to this file: the automation rate and precision expected
from the validation rows beside those really reached here, at --target-precision (env
LADING_TARGET_PRECISION, lading.yaml targetPrecision), or at 0.95, 0.98 and 0.99 when none is set.

Options:
  --model REF      an artifact file (written by \`lading train --out\`), or a registered model
                   NAME, NAME@ALIAS or NAME@VERSION (registry: --home, or --registry-url)
  --data FILE|DATASET  labelled CSV or JSONL file (format from the extension), or a dataset version
                   id (ds-..., from \`lading data list\` or \`lading features training-set\`; --text is then its own)
  --label COL      the column holding the true labels
  --text COL       the text column (default: text)
  --levels 2,4,6   label prefix lengths for hierarchical accuracy (default: even prefixes when every
                   label is a 4/6/8/10-digit code, else none)
  --all            list every class, not only the 15 worst
  --target-precision P  decide-or-route figures at precision P (0 < P < 1) only

${FEATURE_HELP}
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('eval', ctx.argv, OPTIONS, false);
    if (values.help) {
      writeLine(ctx.stdout, this.help);
      return 0;
    }
    const modelRef = requireFlag('eval', values.model, '--model');
    const data = requireFlag('eval', values.data, '--data');
    const labelColumn = requireFlag('eval', values.label, '--label');
    const levels = values.levels === undefined ? undefined : parseLevels(values.levels);
    const settings = ctx.settings(values);

    const { rows, dataPath, dataset } = await readEvalData(settings, data, values.text, labelColumn);
    const model = await resolveModelFlag('eval', modelRef, settings);
    const targets = settings.targetPrecision === undefined ? DEFAULT_DECISION_TARGETS : [settings.targetPrecision];
    const features: FeatureFlags = { entities: values.entities, 'as-of': values['as-of'] };
    return evaluateModel(ctx, model, rows.texts, rows.labels[labelColumn] ?? [], { dataPath, dataset, labelColumn, levels, textColumn: rows.textColumn, json: values.json, all: values.all, interactive: settings.interactive, threads: settings.threads, targets, settings, features });
  },
};

interface EvalRun {
  /** The file, or `dataset ds-...` for a stored dataset version. */
  readonly dataPath: string;
  /** Set when the rows are a stored dataset version's (their feature columns came with them). */
  readonly dataset: { readonly id: string; readonly rows: DatasetRows } | undefined;
  readonly labelColumn: string;
  readonly textColumn: string;
  readonly levels: number[] | undefined;
  readonly json: boolean;
  readonly all: boolean;
  readonly interactive: boolean;
  readonly threads: number;
  readonly targets: readonly number[];
  readonly settings: Parameters<typeof modelInputsOfFile>[0];
  readonly features: FeatureFlags;
}

async function evaluateModel(ctx: CliContext, model: ModelFile, texts: readonly string[], trueLabels: readonly string[], run: EvalRun): Promise<number> {
  if (texts.length === 0) throw new InputError('no-rows', `${run.dataPath} has no data rows to evaluate`, { file: run.dataPath });
  const progress = createProgress(ctx.stderr, run.json ? 'off' : run.interactive ? 'bar' : 'lines');
  // A thread loads its own copy of the model; below ~1024 rows per thread that costs more than it saves.
  const threads = Math.max(1, Math.min(run.threads, Math.ceil(texts.length / 1024)));
  const predictor = await ParallelPredictor.open(model.path, threads);
  let report: EvalReport;
  let decisions: DecisionCheck[] | null;
  let featureSummary: FeatureSummary | null;
  try {
    // A model trained with entity features reads each text with its row's values, as in training.
    const composed = run.dataset
      ? modelInputsOfDataset(predictor.header.inputFeatures, run.dataset, run.features)
      : await modelInputsOfFile(run.settings, predictor.header.inputFeatures, run.dataPath, texts, run.features);
    const inputs = composed.inputs;
    featureSummary = composed.summary;
    const classIndex = new Map(predictor.labels.map((l, i) => [l, i]));
    const yTrue = Int32Array.from(trueLabels, (l) => classIndex.get(l) ?? -1);
    const acc = new EvalAccumulator(predictor.labels, yTrue, trueLabels, run.levels);
    const classes = predictor.labels.length;
    const batch = Math.min(EVAL_BATCH_ROWS, texts.length);
    const buffer = new Float32Array(new SharedArrayBuffer(Math.max(1, batch * classes) * 4));
    const topIds = new Int32Array(texts.length);
    const topScores = new Float32Array(texts.length);
    for (let start = 0; start < texts.length; start += batch) {
      const end = Math.min(texts.length, start + batch);
      const proba = await predictor.predictProba(inputs.slice(start, end), buffer, {
        signal: ctx.signal,
        onProgress: (done) => progress.update('predicting', start + done, texts.length),
      });
      const rows = proba.subarray(0, (end - start) * classes);
      acc.add(start, rows);
      const top = argmaxRows(rows, classes);
      topIds.set(top.ids, start);
      topScores.set(top.scores, start);
    }
    progress.finish();
    report = acc.finish(run.levels, predictor.header.thresholds);
    const evidence = predictor.decisionEvidence;
    decisions = evidence ? checkDecisions(evidence, classes, run.targets, { topIds, topScores, yTrue }) : null;
  } finally {
    await predictor.close();
  }

  warnTextAlone(ctx.stderr, featureSummary);
  const unknown = unknownLabelCounts(trueLabels, new Set(predictor.labels));
  const registered = model.registered;
  if (run.json) {
    writeJson(ctx.stdout, {
      model: {
        ref: model.ref,
        ...(registered ? { name: registered.name, version: registered.version } : { path: model.path }),
        kind: predictor.kind, sha256: predictor.fileSha256, classes: predictor.labels.length,
      },
      data: { ...(run.dataset ? { dataset: run.dataset.id } : { file: run.dataPath }), textColumn: run.textColumn, labelColumn: run.labelColumn, rows: texts.length },
      features: featureSummary,
      unknownLabels: unknown.slice(0, 20),
      report,
      decision: decisions,
      decisionSource: predictor.header.decision ?? null,
    });
    return 0;
  }
  const shown = registered ? `${registered.name} version ${registered.version}` : model.path;
  writeLine(ctx.stdout, `model ${shown} (${predictor.kind}, sha256 ${predictor.fileSha256.slice(0, 12)}) on ${run.dataPath}, label column ${run.labelColumn}`);
  if (featureSummary) writeLine(ctx.stdout, `${describeFeatureSummary(featureSummary)}; ${featureSummary.textAlone} answered from the text alone`);
  writeLine(ctx.stdout);
  writeLine(ctx.stdout, renderEvalReport(report, { all: run.all }));
  writeLine(ctx.stdout);
  writeLine(ctx.stdout, renderDecisionChecks(decisions, 'this file', predictor.header.decision).join('\n'));
  if (unknown.length > 0) {
    writeLine(ctx.stdout);
    writeLine(ctx.stdout, `Labels the model never saw (counted as errors): ${unknown.slice(0, 10).map((u) => `${u.label} (${u.count})`).join(', ')}${unknown.length > 10 ? `, and ${unknown.length - 10} more` : ''}`);
  }
  return 0;
}

/**
 * `--data FILE|DATASET`: a labelled file, or a stored dataset version by id (a `features
 * training-set` among them: its feature columns come with it). A file is only read, never imported.
 */
async function readEvalData(settings: Settings, data: string, textColumn: string, labelColumn: string): Promise<{ rows: DatasetRows; dataPath: string; dataset: { id: string; rows: DatasetRows } | undefined }> {
  if (existsSync(data) || !/^ds-[0-9a-f]+$/.test(data)) {
    const dataPath = resolve(data);
    return { rows: await readLabelledFile(dataPath, { text: textColumn, labels: [labelColumn] }), dataPath, dataset: undefined };
  }
  return withWorkspace(settings, async (ws) => {
    const version = await ws.getDataset(data);
    const rows = await ws.loadDatasetRows(version.id);
    if (!rows.labels[labelColumn]) {
      throw new InputError('unknown-label-column', `dataset ${version.id} has no label column "${labelColumn}"; it has ${rows.labelColumns.join(', ')}`,
        { dataset: version.id, column: labelColumn }, `Pass --label with one of: ${rows.labelColumns.join(', ')}`);
    }
    return { rows, dataPath: `dataset ${version.id}`, dataset: { id: version.id, rows } };
  });
}

function parseLevels(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const levels = parts.map(Number);
  if (parts.some((p) => p === '') || levels.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    throw new InputError('bad-flag', `lading eval: --levels must be comma-separated prefix lengths like 2,4,6, got "${raw}"`, { verb: 'eval', flag: '--levels', value: raw });
  }
  return levels;
}

/** Unknown true labels with row counts, most frequent first. */
function unknownLabelCounts(trueLabels: readonly string[], known: ReadonlySet<string>): Array<{ label: string; count: number }> {
  const counts = new Map<string, number>();
  for (const l of trueLabels) if (!known.has(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
}
