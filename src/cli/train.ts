import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { InputError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { MODEL_KIND_NAMES, modelKind } from '../models/kinds.js';
import { withWorkspace } from '../platform/index.js';
import { registerArtifact } from '../registry/register-artifact.js';
import { runTraining } from '../training/train-run.js';
import { actorOf } from './open-registry.js';
import { intFlag, parseTags, parseVerbArgs, requireFlag } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { loadTrainingData } from './load-training-data.js';
import { table, writeJson, writeLine } from './output.js';
import { createProgress } from './progress.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  data: { type: 'string' },
  label: { type: 'string' },
  text: { type: 'string', default: 'text' },
  model: { type: 'string' },
  seed: { type: 'string' },
  upsample: { type: 'boolean', default: false },
  out: { type: 'string' },
  valid: { type: 'string' },
  param: { type: 'string', multiple: true },
  levels: { type: 'string' },
  register: { type: 'string' },
  parent: { type: 'string' },
  tag: { type: 'string', multiple: true },
  actor: { type: 'string' },
} as const;

export const verb: Verb = {
  summary: 'train a model on a file or a stored dataset version and write its artifact',
  help: `Usage: lading train --data FILE|DATASET --label COL --model ${MODEL_KIND_NAMES.join('|')} (--out PATH | --register NAME) [options]

Splits the rows into train and validation sides (stratified by label, grouped by normalised text so
that an identical text never sits on both sides), trains, evaluates on the validation side and writes
one self-describing artifact. Same data, options and seed give a byte-identical artifact, whatever
the number of threads. A FILE is imported into the workspace first (as \`lading data import\` does) so
the model records the dataset version it was trained on.

Options:
  --data FILE|DATASET  a CSV/JSONL file, or a dataset version id (or unique prefix) from \`lading data list\`
  --label COL          label column to learn
  --text COL           text column of a FILE (default: text)
  --model KIND         ${MODEL_KIND_NAMES.join(', ')}
  --out PATH           where to write the artifact (written atomically)
  --seed N             seed for split, up-sampling and training (default: 1)
  --upsample           stratified up-sampling of minority classes on the training side
  --valid F            share of text groups held out for validation (default: 0.1)
  --param KEY=VALUE    a model hyper-parameter (repeatable); \`lading train --model KIND --help\` lists them
  --levels 2,4,6       label prefix lengths for the hierarchical report (auto for HS-like codes)
  --register NAME      also register the artifact as the next version of model NAME (pending approval);
                       --out may then be omitted
  --parent N           with --register: the version this one was retrained from (lineage)
  --tag KEY=VALUE      with --register: a free tag (repeatable)
  --actor WHO          with --register: who registers it (default: login name), for the audit log
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('train', ctx.argv, OPTIONS, false);
    if (values.help) {
      let help = this.help;
      if (values.model) {
        const kind = await modelKind(values.model);
        help += `\n\nHyper-parameters of ${kind.name} (${kind.description}):\n${Object.entries(kind.defaults).map(([k, v]) => `  ${k.padEnd(16)} ${`default ${String(v)}`.padEnd(16)} ${kind.paramHelp?.[k] ?? ''}`.trimEnd()).join('\n')}`;
      }
      writeLine(ctx.stdout, help);
      return 0;
    }
    const settings = ctx.settings(values);
    const kindName = requireFlag('train', values.model, '--model');
    const kind = await modelKind(kindName);
    const register = values.register;
    const out = register !== undefined && values.out === undefined
      ? join(mkdtempSync(join(tmpdir(), 'lading-train-')), 'model.lading')
      : resolve(requireFlag('train', values.out, '--out'));
    const parent = values.parent === undefined ? undefined : intFlag('train', values.parent, '--parent', 0, 1);
    const tags = parseTags(values.tag ?? []);
    const label = requireFlag('train', values.label, '--label');
    const params = parseParams(values.param ?? [], kind.defaults);
    const seed = intFlag('train', values.seed, '--seed', 1, 0, 2 ** 31 - 1);
    const validFraction = values.valid === undefined ? 0.1 : Number(values.valid);
    const levels = values.levels === undefined ? undefined : parseLevels(values.levels);
    if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });

    const { rows, dataset, created } = await loadTrainingData(requireFlag('train', values.data, '--data'), values.text, label, settings);
    const progress = createProgress(ctx.stderr, values.json ? 'off' : settings.interactive ? 'bar' : 'lines');
    const result = await runTraining({
      rows, labelColumn: label, dataset, kind: kindName, seed, upsample: values.upsample, threads: settings.threads, params,
      validFraction, ...(levels ? { levels } : {}),
      onProgress: (p) => progress.update(p.phase, p.done, p.total, p.info), signal: ctx.signal,
    });
    progress.finish();
    writeFileAtomic(out, result.bytes);
    const registered = register === undefined ? undefined : await withWorkspace(settings, (ws) => registerArtifact(ws, {
      name: register, artifactPath: out, actor: actorOf(ctx, values), tags, ...(parent !== undefined ? { parent } : {}),
      reason: `lading train --model ${kindName} --data ${dataset.id} --label ${label} --seed ${seed}`,
    }));
    if (register !== undefined && values.out === undefined) rmSync(dirname(out), { recursive: true, force: true });
    const summary = {
      artifact: out,
      sha256: sha256Hex(result.bytes),
      bytes: result.bytes.length,
      kind: kindName,
      dataset: dataset.id,
      datasetCreated: created,
      labelColumn: label,
      classes: result.meta.labels.length,
      trainRows: result.trainRows,
      validRows: result.validRows,
      seed,
      upsample: values.upsample,
      params: result.meta.params,
      seconds: Number(result.seconds.toFixed(2)),
      validation: result.meta.metrics,
      ...(registered ? { registered: { name: registered.model, version: registered.version, approval: registered.approval.status } } : {}),
    };
    if (values.json) {
      writeJson(ctx.stdout, summary);
    } else {
      writeLine(ctx.stdout, `trained ${kindName} on ${dataset.id} (${label}: ${summary.classes} classes, ${summary.trainRows} train / ${summary.validRows} validation rows) in ${summary.seconds}s`);
      writeLine(ctx.stdout, table(['validation metric', 'value'], Object.entries(result.meta.metrics)));
      if (register === undefined || values.out !== undefined) writeLine(ctx.stdout, `wrote ${out} (${(summary.bytes / 1e6).toFixed(1)} MB, sha256 ${summary.sha256.slice(0, 16)}...)`);
      if (registered) writeLine(ctx.stdout, `registered ${registered.model} version ${registered.version} (${registered.approval.status}); approve it with \`lading models approve ${registered.model} ${registered.version} --reason ...\``);
    }
    return 0;
  },
};

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

export function parseLevels(raw: string): number[] {
  const levels = raw.split(',').map((s) => Number(s.trim()));
  if (levels.length === 0 || levels.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InputError('bad-levels', `--levels must be a comma-separated list of prefix lengths like 2,4,6, got "${raw}"`, { value: raw });
  }
  return levels;
}
