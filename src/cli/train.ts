import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readReferenceRows, REFERENCE_CLASSES, type ReferenceFile, type ReferenceRows } from '../training/reference-rows.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { InputError } from '../core/errors.js';
import { saveReferenceProfile } from '../platform/index.js';
import { registerArtifact } from '../registry/register-artifact.js';
import { runTrainingPipeline } from '../training/pipeline.js';
import { TRAINABLE_KIND_NAMES, trainableKind } from '../training/trainable-kinds.js';
import { checkDecisionFolds, DEFAULT_DECISION_FOLDS, MAX_DECISION_FOLDS } from '../training/decision-folds.js';
import { actorOf, withRegistry } from './open-registry.js';
import { intFlag, parseTags, parseVerbArgs, requireFlag } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { loadTrainingData } from './load-training-data.js';
import { table, writeJson, writeLine } from './output.js';
import { createProgress } from './progress.js';
import { checkLabels, registrationTaxonomy, renderTaxonomyCheck, TAXONOMY_FLAG_HELP, type TaxonomyCheck } from './registration-taxonomy.js';
import { tagsWithTaxonomy } from '../taxonomy/model-taxonomy.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  data: { type: 'string' },
  label: { type: 'string', default: 'label' },
  text: { type: 'string', default: 'text' },
  model: { type: 'string' },
  seed: { type: 'string' },
  upsample: { type: 'boolean', default: false },
  refit: { type: 'boolean' },
  'no-refit': { type: 'boolean' },
  'no-features': { type: 'boolean' },
  'decision-folds': { type: 'string' },
  out: { type: 'string' },
  valid: { type: 'string' },
  param: { type: 'string', multiple: true },
  levels: { type: 'string' },
  register: { type: 'string' },
  force: { type: 'boolean', default: false },
  parent: { type: 'string' },
  tag: { type: 'string', multiple: true },
  actor: { type: 'string' },
  taxonomy: { type: 'string' },
  nomenclature: { type: 'string' },
  'nomenclature-text': { type: 'string', default: 'text' },
  'nomenclature-label': { type: 'string' },
  'nomenclature-classes': { type: 'string', default: 'known' },
} as const;

export const verb: Verb = {
  summary: 'train a model on a file or a stored dataset version and write its artifact',
  help: `Usage: lading train --data FILE|DATASET --model ${TRAINABLE_KIND_NAMES.join('|')} (--out PATH | --register NAME) [options]

Splits the rows into train and validation sides (stratified by label, grouped by normalised text so
that an identical text never sits on both sides), trains, evaluates on the validation side, then
refits on all rows with what the validation side decided (the epochs early stopping kept, the
calibration temperature) and writes one self-describing artifact. The validation figures shown and
stored are of the model fitted without the validation side; the artifact records both fits' rows.
Same data, options and seed give a byte-identical artifact, whatever the number of threads. A FILE
is imported into the workspace first (as \`lading data import\` does) so the model records the
dataset version it was trained on. (ONNX models are not trained here: bring them in with
\`lading import-onnx\`.)

Options:
  --data FILE|DATASET  a CSV/JSONL file, or a dataset version id (or unique prefix) from \`lading data list\`
  --label COL          label column to learn (default: label)
  --text COL           text column of a FILE (default: text)
  --model KIND         ${TRAINABLE_KIND_NAMES.join(', ')}
  --out PATH           where to write the artifact (written atomically)
  --seed N             seed for split, up-sampling and training (default: 1)
  --upsample           stratified up-sampling of minority classes on the training side
  --no-refit           ship the model fitted without the validation side instead of refitting on all
                       rows (the default refits: --refit, which fails for a kind that cannot)
  --no-features        train on the texts alone even when the dataset has entity feature columns
                       (a \`lading features training-set\` dataset; by default they are read as extra input)
  --valid F            share of text groups held out for validation (default: 0.1)
  --decision-folds N   fit the decide-or-route thresholds (\`serve --target-precision\`) on every training
                       row scored out of fold plus the validation rows: the training side is cut into N
                       folds (identical texts kept together) and N extra models of the kind each score one
                       fold; about 3x the training time at 5, for far more evidence per class (default:
                       ${DEFAULT_DECISION_FOLDS}; 2..${MAX_DECISION_FOLDS}; 0 = the validation rows alone; kinds that cannot refit use 0)
  --nomenclature FILE  teach from a nomenclature's official descriptions too: a CSV/JSONL with a text
                       column and the --label column (hs6.csv of ../shared/datasets/hs-nomenclature has
                       label, label_4 and label_2, so it serves HS6, HS4 and HS2 models). Its rows join
                       every fit's training side, never the validation side or a reported figure; the
                       artifact records the file's sha256
  --nomenclature-text COL   its text column (default: text; hs6.csv also has text_with_parents)
  --nomenclature-label COL  its column with the training's codes (default: the --label column's name; a
                       file sharing no code with the data is refused)
  --nomenclature-classes known|all   known (default): only rows of codes the data has; all: a code
                       only the nomenclature has becomes a class the model can answer too (a larger
                       model: on hs-goods HS4, 1,229 classes instead of 815, with no better accuracy measured)
  --param KEY=VALUE    a model hyper-parameter (repeatable); \`lading train --model KIND --help\` lists them
  --levels 2,4,6       label prefix lengths for the hierarchical report (auto for HS-like codes)
  --register NAME      also register the artifact as the next version of model NAME (pending approval);
                       --out may then be omitted (\`lading models export NAME@N --out PATH\` writes it later)
  --force              with --register: register even if NAME already has these exact bytes as a version
                       (otherwise refused, naming that version)
  --parent N           with --register: the version this one was retrained from (lineage)
  --tag KEY=VALUE      with --register: a free tag (repeatable)
  --actor WHO          with --register: who registers it (default: login name), for the audit log
${TAXONOMY_FLAG_HELP}
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('train', ctx.argv, OPTIONS, false);
    if (values.help) {
      let help = this.help;
      if (values.model) {
        const kind = await trainableKind(values.model);
        help += `\n\nHyper-parameters of ${kind.name} (${kind.description}):\n${Object.entries(kind.defaults).map(([k, v]) => `  ${k.padEnd(16)} ${`default ${String(v)}`.padEnd(16)} ${kind.paramHelp?.[k] ?? ''}`.trimEnd()).join('\n')}`;
      }
      writeLine(ctx.stdout, help);
      return 0;
    }
    const settings = ctx.settings(values);
    const kindName = requireFlag('train', values.model, '--model');
    const kind = await trainableKind(kindName);
    const register = values.register;
    const out = register !== undefined && values.out === undefined ? undefined : resolve(requireFlag('train', values.out, '--out'));
    const parent = values.parent === undefined ? undefined : intFlag('train', values.parent, '--parent', 0, 1);
    const tags = parseTags(values.tag ?? []);
    const label = values.label;
    const params = parseParams(values.param ?? [], kind.defaults);
    const seed = intFlag('train', values.seed, '--seed', 1, 0, 2 ** 31 - 1);
    const validFraction = values.valid === undefined ? 0.1 : Number(values.valid);
    const levels = values.levels === undefined ? undefined : parseLevels(values.levels);
    const refit = refitFlag(values.refit, values['no-refit']);
    const decisionFolds = values['decision-folds'] === undefined ? undefined : checkDecisionFolds(values['decision-folds'], '--decision-folds');
    const data = requireFlag('train', values.data, '--data');
    if (values.taxonomy !== undefined && register === undefined) {
      throw new InputError('bad-flag', 'lading train: --taxonomy is recorded on a registered version; add --register NAME', { verb: 'train', flag: '--taxonomy' });
    }
    const taxonomy = await registrationTaxonomy(settings, values.taxonomy);
    const referenceRows = values.nomenclature === undefined ? undefined
      : await readNomenclature(resolve(values.nomenclature), values['nomenclature-text'], values['nomenclature-label'], label, values['nomenclature-classes']);
    let taxonomyCheck: TaxonomyCheck | undefined;
    if (out !== undefined && !existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });

    const { run, dataset, created, stored } = await withRegistry(ctx, values, async (ws) => {
      const loaded = await loadTrainingData(ws, data, values.text, label);
      const progress = createProgress(ctx.stderr, values.json ? 'off' : settings.interactive ? 'bar' : 'lines');
      const trained = await runTrainingPipeline({
        rows: loaded.rows, labelColumn: label, dataset: loaded.dataset, kind: kindName, seed, upsample: values.upsample, threads: settings.threads, params,
        validFraction, ...(levels ? { levels } : {}), ...(refit === undefined ? {} : { refit }), ...(decisionFolds === undefined ? {} : { decisionFolds }), features: !values['no-features'],
        ...(referenceRows ? { referenceRows } : {}),
        onProgress: (p) => progress.update(p.phase, p.done, p.total, p.info), signal: ctx.signal,
        ...(register === undefined ? {} : {
          register: (a) => {
            if (taxonomy !== undefined) taxonomyCheck = checkLabels(taxonomy, a.meta.labels);
            return registerArtifact(ws, {
              name: register, artifactBytes: a.bytes, actor: actorOf(ctx, values), tags: tagsWithTaxonomy(tags, taxonomy?.version), force: values.force,
              ...(parent !== undefined ? { parent } : {}),
              reason: `lading train --model ${kindName} --data ${loaded.dataset.id} --label ${label} --seed ${seed}`,
            });
          },
        }),
      });
      progress.finish();
      await saveReferenceProfile(settings, trained, trained.registered === undefined ? { model: kindName, version: trained.sha256.slice(0, 12) } : { model: trained.registered.model, version: String(trained.registered.version) });
      return { run: trained, ...loaded, stored: trained.registered === undefined ? undefined : ws.locateModelArtifact(trained.registered) };
    });
    // After registration, so a refused registration (same bytes) leaves no file either.
    if (out !== undefined) writeFileAtomic(out, run.bytes);
    const registered = run.registered;
    const summary = {
      ...(out !== undefined ? { artifact: out } : {}),
      sha256: run.sha256,
      bytes: run.bytes.length,
      kind: kindName,
      dataset: dataset.id,
      datasetCreated: created,
      labelColumn: label,
      classes: run.meta.labels.length,
      trainRows: run.trainRows,
      validRows: run.validRows,
      refit: run.refit,
      heldOutFitRows: run.heldOutFitRows,
      choices: run.meta.training.choices,
      ...(run.meta.training.referenceRows ? { nomenclature: run.meta.training.referenceRows } : {}),
      decisionEvidence: run.decision,
      seed,
      upsample: values.upsample,
      params: run.meta.params,
      seconds: Number(run.seconds.toFixed(2)),
      validation: run.meta.metrics,
      ...(registered ? { registered: { name: registered.model, version: registered.version, approval: registered.approval.status }, stored } : {}),
      ...(taxonomyCheck !== undefined ? { taxonomy: taxonomyCheck } : {}),
    };
    if (values.json) {
      writeJson(ctx.stdout, summary);
    } else {
      const fits = run.refit
        ? `chosen on ${summary.heldOutFitRows} train / ${summary.validRows} validation rows, then refit on all ${summary.trainRows}`
        : `${summary.trainRows} train / ${summary.validRows} validation rows, not refit`;
      writeLine(ctx.stdout, `trained ${kindName} on ${dataset.id} (${label}: ${summary.classes} classes, ${fits}) in ${summary.seconds}s`);
      const ref = run.meta.training.referenceRows;
      if (ref) writeLine(ctx.stdout, `taught also by ${ref.rows} rows of ${ref.source}${ref.onlyClasses > 0 ? `, ${ref.onlyClasses} of whose classes no example has` : ''} (never in the validation figures)`);
      writeLine(ctx.stdout, table(['validation metric', 'value'], Object.entries(run.meta.metrics)));
      if (run.refit) writeLine(ctx.stdout, 'validation figures are of the model fitted without the validation rows');
      writeLine(ctx.stdout, run.decision.fittedOn === 'cross-fit'
        ? `decide-or-route thresholds fitted on ${run.decision.rows} rows: the training rows scored out of ${run.decision.folds} folds, and the validation rows`
        : `decide-or-route thresholds fitted on the ${run.decision.rows} validation rows`);
      if (run.decision.reviewRowsLeftOut) {
        writeLine(ctx.stdout, `  ${run.decision.reviewRowsLeftOut} reviewed rows (review answers) left out of them: they teach the model, but were routed for being hard, so they do not stand for traffic`);
      }
      if (out !== undefined) writeLine(ctx.stdout, `wrote ${out} (${(summary.bytes / 1e6).toFixed(1)} MB, sha256 ${summary.sha256.slice(0, 16)}...)`);
      if (registered) {
        writeLine(ctx.stdout, `registered ${registered.model} version ${registered.version} (${registered.approval.status}), stored at ${stored}; approve it with \`lading models approve ${registered.model} ${registered.version} --reason ...\``);
        if (out === undefined) writeLine(ctx.stdout, `write it to a file with \`lading models export ${registered.model}@${registered.version} --out PATH\``);
        if (taxonomyCheck !== undefined) renderTaxonomyCheck(ctx.stdout, taxonomyCheck, summary.classes);
      }
    }
    return 0;
  },
};

/** The --nomenclature file's rows in the training's label column (errors name the file, row and column). */
function readNomenclature(file: string, text: string, label: string | undefined, labelColumn: string, classes: string): Promise<ReferenceRows> {
  if (!(REFERENCE_CLASSES as readonly string[]).includes(classes)) {
    throw new InputError('bad-flag', `lading train: --nomenclature-classes must be one of ${REFERENCE_CLASSES.join(', ')}, got "${classes}"`, { verb: 'train', flag: '--nomenclature-classes' });
  }
  return readReferenceRows({ file, text, label, classes: classes as ReferenceFile['classes'] }, labelColumn);
}

/** --param KEY=VALUE pairs, typed after the kind's defaults; unknown keys are refused. */
export function parseParams(pairs: readonly string[], defaults: Readonly<Record<string, number | string | boolean>>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!key) throw new InputError('bad-param', `--param "${pair}" is not KEY=VALUE`, { param: pair });
    const def = defaults[key];
    if (def === undefined) {
      throw new InputError('unknown-param', `unknown hyper-parameter "${key}"; known: ${Object.keys(defaults).join(', ')}`, { param: key });
    }
    const raw = pair.slice(eq + 1);
    if (typeof def === 'number') {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw new InputError('bad-param', `--param ${key} must be a number, got "${raw}"`, { param: key, value: raw });
      out[key] = n;
    } else if (typeof def === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new InputError('bad-param', `--param ${key} must be true or false, got "${raw}"`, { param: key, value: raw });
      out[key] = raw === 'true';
    } else {
      out[key] = raw;
    }
  }
  return out;
}

/** --refit / --no-refit: undefined (neither) is the default, refit when the kind can; both at once contradict. */
export function refitFlag(refit: boolean | undefined, noRefit: boolean | undefined): boolean | undefined {
  if (refit === true && noRefit === true) {
    throw new InputError('bad-flag', 'lading train: --refit and --no-refit contradict each other; give one of them', { verb: 'train', flag: '--refit' },
      'Drop --refit (refitting is the default) or --no-refit.');
  }
  return noRefit === true ? false : refit === true ? true : undefined;
}

export function parseLevels(raw: string): number[] {
  const levels = raw.split(',').map((s) => Number(s.trim()));
  if (levels.length === 0 || levels.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InputError('bad-levels', `--levels must be a comma-separated list of prefix lengths like 2,4,6, got "${raw}"`, { value: raw });
  }
  return levels;
}

