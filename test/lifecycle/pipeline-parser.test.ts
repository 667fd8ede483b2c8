import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { verb as config } from '../../src/cli/config.js';
import { makeContext } from '../../src/cli/context.js';
import { reportError } from '../../src/cli/output.js';
import { resolveSettings } from '../../src/config/load-settings.js';
import { readProjectFile } from '../../src/config/project-file.js';
import { InputError } from '../../src/core/errors.js';
import { parsePipelines } from '../../src/lifecycle/pipeline/pipeline-parser.js';
import type { PipelineSpec } from '../../src/lifecycle/pipeline/pipeline-spec.js';
import { loadPipelineSpecs } from '../../src/platform/pipelines.js';
import { tempDir } from '../data/temp-dir.js';

/** Writes lading.yaml and parses its pipelines as `lading config show` does: through the project file, with lines. */
async function load(t: { after(fn: () => void): void }, yaml: string): Promise<{ specs: PipelineSpec[]; file: string; dir: string }> {
  const tmp = tempDir(t, 'lading-pipelines-');
  const file = tmp.write('lading.yaml', yaml);
  const resolved = resolveSettings({ flags: {}, env: {}, isTTY: false, cwd: tmp.dir, project: readProjectFile(file) });
  const specs = await loadPipelineSpecs(resolved.settings.pipelines, { projectFile: file, locate: (path) => resolved.locate('pipelines', path) });
  return { specs, file, dir: tmp.dir };
}

async function failure(t: { after(fn: () => void): void }, yaml: string): Promise<InputError & { file: string }> {
  try {
    await load(t, yaml);
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e as InputError & { file: string };
  }
  assert.fail('the pipeline file was accepted');
}

const FULL = `
home: ./work
pipelines:
  hs4:
    endpoint: hs4-live
    model: hs4-model
    data: { dataset: hs4-train, feedback: true, folder: incoming/, nomenclature: { file: ref/hs6.csv, label: label_4 } }
    train: [ { kind: linear }, { kind: fasttext, params: { epochs: 5 } } ]
    refit: false
    decisionFolds: 5
    select: accuracy
    triggers: { cron: "0 3 * * *", drift: true, newLabels: 500 }
    gates: { golden: hs4-golden@1, feedbackHoldout: 0.1, margin: { accuracy: 0.01, macroF1: 0.02 }, alpha: 0.05, classRecall: { minSupport: 20, maxDrop: 0.10 }, budgets: { p99Ms: 5, artifactMb: 200, ece: 0.08 } }
    release:
      steps: [ { shadow: 2000 }, { canary: 5 }, { canary: 25 }, { shadow: { requests: 500, minAgreement: 0.9 } }, { canary: 50 }, { blueGreen: true }, { approval: true } ]
      requireApproval: true
      alpha: 0.01
      minEffect: 0.03
      maxLabels: 5000
      guardrails: { errorRate: 0.02, p99Ms: 40, drift: false, accuracy: true }
`;

test('a full pipeline: every key read, the shorthand steps expanded, the folder taken from lading.yaml\'s folder', async (t) => {
  const { specs, dir } = await load(t, FULL);
  assert.equal(specs.length, 1);
  const hs4 = specs[0]!;
  assert.equal(hs4.name, 'hs4');
  assert.equal(hs4.endpoint, 'hs4-live');
  assert.equal(hs4.model, 'hs4-model');
  assert.deepEqual(hs4.data, { dataset: 'hs4-train', feedback: true, folder: join(dir, 'incoming'), nomenclature: { file: join(dir, 'ref', 'hs6.csv'), text: 'text', label: 'label_4', classes: 'known' } });
  assert.deepEqual(hs4.train, [{ kind: 'linear', params: {} }, { kind: 'fasttext', params: { epochs: 5 } }]);
  assert.equal(hs4.refit, false);
  assert.equal(hs4.decisionFolds, 5);
  assert.equal(hs4.select, 'accuracy');
  assert.deepEqual(hs4.triggers, { cron: '0 3 * * *', drift: true, newLabels: 500 });
  assert.deepEqual(hs4.gates, {
    golden: 'hs4-golden@1', feedbackHoldout: 0.1, margin: { accuracy: 0.01, macroF1: 0.02 }, alpha: 0.05,
    classRecall: { minSupport: 20, maxDrop: 0.1 }, budgets: { p99Ms: 5, artifactMb: 200, ece: 0.08 },
  });
  assert.deepEqual(hs4.release.steps, [
    { kind: 'shadow', requests: 2000, minAgreement: 0.8 }, { kind: 'canary', percent: 5 }, { kind: 'canary', percent: 25 },
    { kind: 'shadow', requests: 500, minAgreement: 0.9 }, { kind: 'canary', percent: 50 }, { kind: 'blue-green' }, { kind: 'approval' },
  ]);
  assert.deepEqual({ ...hs4.release, steps: undefined }, {
    steps: undefined, requireApproval: true, alpha: 0.01, minEffect: 0.03, maxLabels: 5000, guardrails: { errorRate: 0.02, p99Ms: 40, drift: false, accuracy: true },
  });
});

test('a minimal pipeline gets every default, and a plain list of kind names is a list of kinds', async (t) => {
  const { specs } = await load(t, 'pipelines:\n  grocery:\n    data: { dataset: ds-0123abcd }\n    train: [linear, fasttext]\n  bare:\n    data:\n      dataset: bare-train@2\n');
  const [grocery, bare] = specs;
  assert.deepEqual(grocery, {
    name: 'grocery', endpoint: 'grocery', model: 'grocery',
    data: { dataset: 'ds-0123abcd', feedback: true, folder: undefined },
    train: [{ kind: 'linear', params: {} }, { kind: 'fasttext', params: {} }],
    refit: undefined,
    decisionFolds: undefined,
    select: 'macroF1',
    triggers: { cron: undefined, drift: false, newLabels: undefined },
    gates: {
      golden: undefined, feedbackHoldout: 0.2, margin: { accuracy: 0.01, macroF1: 0.02 }, alpha: 0.05, classRecall: { minSupport: 20, maxDrop: 0.1 },
      budgets: { p99Ms: undefined, artifactMb: undefined, ece: undefined },
    },
    release: {
      steps: [{ kind: 'shadow', requests: 1000, minAgreement: 0.8 }, { kind: 'canary', percent: 10 }, { kind: 'canary', percent: 50 }],
      requireApproval: false, alpha: 0.05, minEffect: 0.02, maxLabels: 20_000, guardrails: { errorRate: 0.01, p99Ms: 50, drift: true, accuracy: true },
    },
  } satisfies PipelineSpec);
  assert.deepEqual(bare!.train, [{ kind: 'linear', params: {} }], 'no train list: the linear baseline');
  assert.deepEqual(await load(t, 'port: 9000\n').then((r) => r.specs), [], 'no pipelines section: none');
});

// Each bad file: the error names the pipeline, the key path and file:line:col of the offending key.
const BAD: readonly { what: string; yaml: string; key: string; line: number; says: RegExp }[] = [
  { what: 'an unknown key', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    trainn: [linear]\n', key: 'pipelines.hs4.trainn', line: 4, says: /unknown key \(known here: endpoint, model, data, train/ },
  { what: 'an unknown nested key', yaml: 'pipelines:\n  hs4:\n    data:\n      dataset: a\n      feedbacks: true\n', key: 'pipelines.hs4.data.feedbacks', line: 5, says: /unknown key \(known here: dataset, feedback, folder, nomenclature\)/ },
  { what: 'a nomenclature class choice that does not exist', yaml: 'pipelines:\n  hs4:\n    data:\n      dataset: a\n      nomenclature: { file: hs6.csv, classes: some }\n', key: 'pipelines.hs4.data.nomenclature.classes', line: 5, says: /expected all or known, got "some"/ },
  { what: 'a nomenclature without its file', yaml: 'pipelines:\n  hs4:\n    data:\n      dataset: a\n      nomenclature:\n        text: text_with_parents\n', key: 'pipelines.hs4.data.nomenclature.file', line: 6, says: /required: a file path/ },
  { what: 'a wrong type', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    triggers:\n      newLabels: lots\n', key: 'pipelines.hs4.triggers.newLabels', line: 5, says: /expected a whole number >= 1, got "lots"/ },
  { what: 'a cron that does not parse', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    triggers:\n      drift: true\n      cron: "61 3 * * *"\n', key: 'pipelines.hs4.triggers.cron', line: 6, says: /"61 3 \* \* \*" is not a cron schedule .*minute: 61/ },
  { what: 'a cron with too few fields', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    triggers: { cron: "every day" }\n', key: 'pipelines.hs4.triggers.cron', line: 4, says: /not a cron schedule/ },
  { what: 'a model kind that does not exist', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    train:\n      - linear\n      - kind: xgboost\n', key: 'pipelines.hs4.train[1].kind', line: 6, says: /unknown model kind "xgboost" \(trainable kinds: linear, fasttext/ },
  { what: 'an imported-only kind', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    train: [onnx]\n', key: 'pipelines.hs4.train[0].kind', line: 4, says: /"onnx" is imported/ },
  { what: 'a parameter the kind does not have', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    train:\n      - kind: fasttext\n        params: { epochs: 3, epochz: 4 }\n', key: 'pipelines.hs4.train[0].params.epochz', line: 6, says: /unknown parameter of fasttext/ },
  { what: 'a parameter of the wrong type', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    train:\n      - kind: fasttext\n        params:\n          epochs: many\n', key: 'pipelines.hs4.train[0].params.epochs', line: 7, says: /expected a number/ },
  { what: 'canary percents that do not increase', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    release:\n      steps:\n        - canary: 25\n        - canary: 5\n', key: 'pipelines.hs4.release.steps[1].canary', line: 7, says: /canary percents must increase: 5 comes after 25/ },
  { what: 'a canary of 100%', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    release:\n      steps:\n        - canary: 100\n', key: 'pipelines.hs4.release.steps[0].canary', line: 6, says: /expected a percent between 0 and 100 \(exclusive\), got 100/ },
  { what: 'a canary of 0%', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    release: { steps: [ { canary: 0 } ] }\n', key: 'pipelines.hs4.release.steps[0].canary', line: 4, says: /between 0 and 100/ },
  { what: 'a gate alpha of 1', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    gates:\n      alpha: 1\n', key: 'pipelines.hs4.gates.alpha', line: 5, says: /expected a number between 0 and 1 \(exclusive\), got 1/ },
  { what: 'a release alpha of 0', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    release:\n      alpha: 0\n', key: 'pipelines.hs4.release.alpha', line: 5, says: /between 0 and 1/ },
  { what: 'a step of two kinds', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    release:\n      steps:\n        - { shadow: 100, canary: 5 }\n', key: 'pipelines.hs4.release.steps[0]', line: 6, says: /this one has shadow and canary/ },
  { what: 'a missing dataset', yaml: 'pipelines:\n  hs4:\n    data: { feedback: true }\n', key: 'pipelines.hs4.data.dataset', line: 3, says: /required: a dataset reference/ },
  { what: 'a pipeline that is not a mapping', yaml: 'pipelines:\n  hs4: [linear]\n', key: 'pipelines.hs4', line: 2, says: /expected a pipeline/ },
  { what: 'a feedback holdout above 1', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    gates:\n      golden: g@1\n      feedbackHoldout: 1.5\n', key: 'pipelines.hs4.gates.feedbackHoldout', line: 6, says: /expected a share from 0 to below 1 \(e\.g\. 0\.2\), got 1\.5/ },
  { what: 'a feedback holdout of all of it', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    gates: { feedbackHoldout: 1 }\n', key: 'pipelines.hs4.gates.feedbackHoldout', line: 4, says: /expected a share from 0 to below 1 \(e\.g\. 0\.2\), got 1/ },
  { what: 'a feedback holdout that is not a number', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    gates:\n      feedbackHoldout: x\n', key: 'pipelines.hs4.gates.feedbackHoldout', line: 5, says: /expected a share from 0 to below 1 \(e\.g\. 0\.2\), got "x"/ },
  { what: 'the replaced gates.feedbackDays', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    gates:\n      feedbackDays: 30\n', key: 'pipelines.hs4.gates.feedbackDays', line: 5, says: /unknown key: gates\.feedbackDays was replaced by gates\.feedbackHoldout/ },
  { what: 'a fold count of 1', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    decisionFolds: 1\n', key: 'pipelines.hs4.decisionFolds', line: 4, says: /expected 0 \(off\) or a whole number from 2 to 10, got 1/ },
  { what: 'a refit that is not true or false', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    refit: sometimes\n', key: 'pipelines.hs4.refit', line: 4, says: /expected true or false, got "sometimes"/ },
  { what: 'a select that is not a metric', yaml: 'pipelines:\n  hs4:\n    data: { dataset: a }\n    select: f1\n', key: 'pipelines.hs4.select', line: 4, says: /expected accuracy or macroF1, got "f1"/ },
];

for (const bad of BAD) {
  test(`a bad pipeline file, ${bad.what}: the error names the pipeline, the key and the line`, async (t) => {
    const e = await failure(t, bad.yaml);
    assert.equal(e.code, 'pipeline-invalid');
    assert.equal(e.facts['pipeline'], 'hs4');
    assert.equal(e.facts['key'], bad.key);
    assert.equal(e.facts['line'], bad.line, e.message);
    assert.match(e.message, new RegExp(`lading\\.yaml:${bad.line}:\\d+: ${bad.key.replace(/[.[\]]/g, '\\$&')}: `));
    assert.match(e.message, bad.says);
  });
}

test('every problem of a file is named at once, each with its own line', async (t) => {
  const e = await failure(t, 'pipelines:\n  a:\n    data: { dataset: x }\n    select: f1\n  b:\n    data: { dataset: y }\n    triggers: { cron: "* * *" }\n    colour: red\n');
  assert.equal(e.facts['problems'], 3);
  assert.match(e.message, /:4:\d+: pipelines\.a\.select: .*; .*:7:\d+: pipelines\.b\.triggers\.cron: .*; .*:8:\d+: pipelines\.b\.colour: unknown key/);
});

test('parsePipelines without a file names the key and where the section came from', () => {
  assert.throws(() => parsePipelines({ x: { data: { dataset: 'a' }, gates: { alpha: 2 } } }, { source: 'test input' }),
    (e: InputError) => e.facts['key'] === 'pipelines.x.gates.alpha' && /\(in test input\)$/.test(e.message));
  assert.throws(() => parsePipelines(['x']), /expected a mapping of pipeline name: pipeline/);
});

test('lading config show fails on a bad pipeline with the same error, and creates nothing', async (t) => {
  const tmp = tempDir(t, 'lading-config-pipelines-');
  tmp.write('lading.yaml', `home: ./work\npipelines:\n  hs4:\n    data: { dataset: a }\n    train: [linear, catboost]\n`);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const ctx = makeContext({ argv: ['show'], stdout, stderr, stdin: new PassThrough(), env: {}, isTTY: false, signal: new AbortController().signal, cwd: tmp.dir });
  const code = await config.run(ctx).catch((e: unknown) => reportError(e, stderr, false));
  assert.equal(code, 2);
  assert.match(err, /lading\.yaml:5:\d+: pipelines\.hs4\.train\[1\]\.kind: unknown model kind "catboost"/);
  assert.ok(!existsSync(join(tmp.dir, 'work')), 'nothing was created');
  assert.deepEqual(readdirSync(tmp.dir), ['lading.yaml']);

  tmp.write('lading.yaml', `home: ./work\npipelines:\n  hs4:\n    data: { dataset: a }\n`);
  let out = '';
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const ok = await config.run(makeContext({ argv: ['show', '--json'], stdout, stderr, stdin: new PassThrough(), env: {}, isTTY: false, signal: new AbortController().signal, cwd: tmp.dir }));
  assert.equal(ok, 0);
  const body = JSON.parse(out) as { pipelines: PipelineSpec[] };
  assert.equal(body.pipelines[0]!.release.guardrails.p99Ms, 50, 'config show --json prints the pipelines with their defaults');
});
