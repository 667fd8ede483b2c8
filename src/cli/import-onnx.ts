import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { InputError } from '../core/errors.js';
import { withWorkspace } from '../platform/index.js';
import { registerArtifact } from '../registry/register-artifact.js';
import { runOnnxImportPipeline } from '../training/import-onnx-pipeline.js';
import { parseTags, parseVerbArgs, requireFlag } from './args.js';
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
    const { imported, stored } = register === undefined
      ? { imported: await runOnnxImportPipeline(input), stored: undefined }
      : await withWorkspace(ctx.settings(values), async (ws) => {
        const done = await runOnnxImportPipeline({
          ...input,
          register: (a) => registerArtifact(ws, {
            name: register, artifactBytes: a.bytes, actor: actorOf(ctx, values), tags: parseTags(values.tag ?? []), force: values.force,
            reason: `lading import-onnx ${positionals[0]!}`,
          }),
        });
        return { imported: done, stored: done.registered === undefined ? undefined : ws.locateModelArtifact(done.registered) };
      });
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
    };
    if (values.json) {
      writeJson(ctx.stdout, summary);
    } else {
      writeLine(ctx.stdout, `imported ${positionals[0]!}: ${summary.classes} classes, input "${summary.input}", vocabulary ${summary.vocabulary}`);
      if (summary.artifact) writeLine(ctx.stdout, `wrote ${out} (${(summary.bytes / 1e3).toFixed(1)} kB, sha256 ${summary.sha256.slice(0, 16)}...)`);
      if (registered) writeLine(ctx.stdout, `registered ${registered.model} version ${registered.version} (${registered.approval.status}), stored at ${stored}`);
    }
    return 0;
  },
};
