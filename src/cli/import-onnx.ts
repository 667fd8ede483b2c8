import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { InputError } from '../core/errors.js';
import { saveReferenceProfile, withWorkspace } from '../platform/index.js';
import { publishing } from './open-registry.js';
import { registerArtifact } from '../registry/register-artifact.js';
import { runOnnxImportPipeline } from '../training/import-onnx-pipeline.js';
import { referenceDataOf, type ReferenceData } from '../training/reference-data.js';
import { parseTags, parseVerbArgs, requireFlag } from './args.js';
import { loadTrainingData } from './load-training-data.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { actorOf } from './open-registry.js';
import { writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  tokenizer: { type: 'string' },
  labels: { type: 'string' },
  out: { type: 'string' },
  register: { type: 'string' },
  force: { type: 'boolean', default: false },
  tag: { type: 'string', multiple: true },
  actor: { type: 'string' },
  'reference-data': { type: 'string' },
  text: { type: 'string', default: 'text' },
  label: { type: 'string', default: 'label' },
} as const;

export const verb: Verb = {
  summary: 'import a model trained elsewhere (ONNX) with its tokenizer spec and labels as a lading artifact',
  help: `Usage: lading import-onnx MODEL.onnx --tokenizer SPEC.json --labels FILE (--out PATH | --register NAME) [options]

Checks the model against its preprocessing before anything is written: the id input named in the
spec exists, takes the declared dtype and a [batch, sequence] shape, and one dummy batch gives one
score per label. The result is an artifact of kind "onnx" that eval, predict and serving use like
a native model (served by onnxruntime).

SPEC.json:
  {"inputName": "input_ids", "dtype": "int64" | "int32", "vocab": "vocab.txt" (one token per line, id = line
   number from 0; path relative to the spec) or ["<pad>", ...], "lowercase": true, "tokenise": "words" | "whitespace",
   "maxLength": 32, "fixedLength": false (true: always pad to maxLength), "padding": "right" | "left",
   "padId": 0, "unkId": 1, "subwordN": 0, "outputName": "logits", "outputKind": "logits" | "probabilities"}

Options:
  --tokenizer SPEC.json  the preprocessing spec (above)
  --labels FILE          one label per line, in the order of the output columns
  --out PATH             where to write the artifact (written atomically)
  --register NAME        also register it as the next version of model NAME (pending approval); --out may then be omitted
  --force                with --register: register even if NAME already has these exact bytes as a version
  --tag KEY=VALUE        with --register: a free tag (repeatable)
  --actor WHO            with --register: who registers it (default: login name)
  --reference-data FILE|DATASET
                         labelled rows the model never trained on (CSV/JSONL, or a dataset id from
                         \`lading data list\`): the model scores them and their summary is stored as the
                         reference profile that \`lading monitor\` compares production with (drift,
                         estimated accuracy). A file is also imported as a dataset. Rows whose label the
                         model does not know are left out and counted.
  --text COL             with --reference-data: the text column (default text)
  --label COL            with --reference-data: the label column (default label)
${COMMON_HELP}`,

  async run(ctx) {
    const { values, positionals } = parseVerbArgs('import-onnx', ctx.argv, OPTIONS, true);
    if (values.help) {
      writeLine(ctx.stdout, this.help);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new InputError('bad-arguments', `import-onnx takes exactly one MODEL.onnx path; got ${positionals.length}`, { count: positionals.length },
        'lading import-onnx MODEL.onnx --tokenizer SPEC.json --labels FILE --out PATH');
    }
    const register = values.register;
    const out = register !== undefined && values.out === undefined ? undefined : resolve(requireFlag('import-onnx', values.out, '--out'));
    const input = {
      modelPath: resolve(positionals[0]!),
      specPath: resolve(requireFlag('import-onnx', values.tokenizer, '--tokenizer')),
      labelsPath: resolve(requireFlag('import-onnx', values.labels, '--labels')),
      signal: ctx.signal,
    };
    const referenceSource = values['reference-data'];
    const settings = ctx.settings(values);
    const { imported, stored, reference } = register === undefined && referenceSource === undefined
      ? { imported: await runOnnxImportPipeline(input), stored: undefined, reference: undefined }
      : await withWorkspace(settings, async (ws) => {
        // Read before the import so a bad reference file fails before anything is registered.
        const loaded = referenceSource === undefined ? undefined : await loadTrainingData(ws, referenceSource, values.text, values.label);
        const done = await runOnnxImportPipeline({
          ...input,
          ...(register === undefined ? {} : {
            register: (a) => registerArtifact(ws, {
              name: register, artifactBytes: a.bytes, actor: actorOf(ctx, values), tags: parseTags(values.tag ?? []), force: values.force,
              reason: `lading import-onnx ${positionals[0]!}`,
            }),
          }),
        });
        let reference: (ReferenceData & { dataset: string }) | undefined;
        if (loaded !== undefined) {
          const data = await referenceDataOf(done.classifier, done.classifier.encoder.vocab, loaded.rows, values.label, `--reference-data ${referenceSource!}`);
          const about = done.registered === undefined ? { model: 'onnx', version: done.sha256.slice(0, 12) } : { model: done.registered.model, version: String(done.registered.version) };
          await saveReferenceProfile(settings, { ...data, sha256: done.sha256, meta: done.meta }, about);
          reference = { ...data, dataset: loaded.dataset.id };
        }
        return { imported: done, stored: done.registered === undefined ? undefined : ws.locateModelArtifact(done.registered), reference };
      }, { publish: publishing(ctx) });
    // After registration, so a refused registration (same bytes) leaves no file either.
    if (out !== undefined) {
      if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });
      writeFileAtomic(out, imported.bytes);
    }
    const registered = imported.registered;
    const summary = {
      ...(out !== undefined ? { artifact: out } : {}),
      sha256: imported.sha256, bytes: imported.bytes.length, kind: 'onnx', classes: imported.meta.labels.length,
      input: imported.classifier.encoder.spec.inputName, vocabulary: imported.classifier.encoder.vocab.length,
      ...(registered ? { registered: { name: registered.model, version: registered.version, approval: registered.approval.status }, stored } : {}),
      ...(reference ? { referenceProfile: { dataset: reference.dataset, rows: reference.rows, unknownLabelRows: reference.unknownLabelRows, unknownLabels: reference.unknownLabels } } : {}),
    };
    if (values.json) {
      writeJson(ctx.stdout, summary);
    } else {
      writeLine(ctx.stdout, `imported ${positionals[0]!}: ${summary.classes} classes, input "${summary.input}", vocabulary ${summary.vocabulary}`);
      if (summary.artifact) writeLine(ctx.stdout, `wrote ${out} (${(summary.bytes / 1e3).toFixed(1)} kB, sha256 ${summary.sha256.slice(0, 16)}...)`);
      if (registered) writeLine(ctx.stdout, `registered ${registered.model} version ${registered.version} (${registered.approval.status}), stored at ${stored}`);
      if (reference) {
        const left = reference.unknownLabelRows === 0 ? '' : `; ${reference.unknownLabelRows} rows left out, their labels unknown to the model (${reference.unknownLabels.map((l) => `"${l}"`).join(', ')}${reference.unknownLabelRows > reference.unknownLabels.length ? ', ...' : ''})`;
        writeLine(ctx.stdout, `reference profile from ${reference.rows} rows of dataset ${reference.dataset}${left}: see \`lading monitor profile ${registered ? `${registered.model}@${registered.version}` : imported.sha256}\``);
      }
    }
    return 0;
  },
};
