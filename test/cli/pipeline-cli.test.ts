import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as dataVerb } from '../../src/cli/data.js';
import { verb as pipelineVerb } from '../../src/cli/pipeline.js';
import type { PipelineRun, PipelineState } from '../../src/lifecycle/pipeline/pipeline-store.js';
import type { GatedRunResult } from '../../src/lifecycle/controller/gated-run.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { withBus } from '../../src/platform/open-bus.js';
import type { PipelineStatus } from '../../src/platform/pipelines.js';
import { tempDir } from '../data/temp-dir.js';
import { runVerb } from '../helpers/run-cli.js';

const GROCERY = new URL('../../../../shared/datasets/grocery/train.csv', import.meta.url).pathname;

const PROJECT = `home: ./home
pipelines:
  grocery:
    endpoint: shop
    data: { dataset: grocery-train, folder: incoming }
    train:
      - kind: fasttext
        params: { epochs: 2, dim: 16, buckets: 65536 }
    triggers: { cron: "0 3 * * *" }
`;

/** A project folder: lading.yaml, the first 300 grocery titles imported as grocery-train, the next 40 as a new file in incoming/. */
async function project(t: { after(fn: () => void): void }) {
  const tmp = tempDir(t, 'lading-pipeline-cli-');
  const lines = readFileSync(GROCERY, 'utf8').split('\n');
  const file = tmp.write('lading.yaml', PROJECT);
  const base = tmp.write('grocery-train.csv', `${lines.slice(0, 301).join('\n')}\n`);
  mkdirSync(join(tmp.dir, 'incoming'));
  tmp.write('incoming/week-49.csv', `${[lines[0], ...lines.slice(301, 341)].join('\n')}\n`);
  const cli = (...argv: string[]) => runVerb(pipelineVerb, [...argv, '--project', file]);
  const imported = await runVerb(dataVerb, ['import', base, '--label', 'label_department', '--project', file]);
  assert.equal(imported.code, 0, imported.stderr);
  return { tmp, file, cli, home: join(tmp.dir, 'home') };
}

test('lading pipeline: list, show, run, pause, resume and history through the CLI, each with --json', async (t) => {
  const { cli } = await project(t);

  const listed = await cli('list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const [status] = JSON.parse(listed.stdout) as PipelineStatus[];
  assert.deepEqual([status!.spec.name, status!.spec.endpoint, status!.spec.model, status!.state.paused, status!.lastRun], ['grocery', 'shop', 'grocery', false, null]);
  assert.match(String(status!.nextCron), /T03:00:00\.000Z$/);

  const shown = await cli('show', 'grocery');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^pipeline grocery: endpoint shop, model grocery$/m);
  assert.match(shown.stdout, /^release: +shadow 1000 requests \(agreement >= 0\.8\) -> canary 10% -> canary 50%/m, 'the defaults are shown');
  assert.match(shown.stdout, /^triggers: cron "0 3 \* \* \*" UTC; new labels since the last run: 0; due now: nothing; next scheduled /m);

  const ran = await cli('run', 'grocery', '--json', '--actor', 'ana');
  assert.equal(ran.code, 0, ran.stderr);
  const result = JSON.parse(ran.stdout) as { run: PipelineRun; candidate: { ref: string; reused: boolean }; data: { dataset: string; counts: { base: number; files: number } } };
  assert.deepEqual([result.run.status, result.run.actor, result.candidate.ref, result.candidate.reused], ['succeeded', 'ana', 'grocery@1', false]);
  assert.deepEqual([result.data.counts.base, result.data.counts.files], [300, 40]);
  assert.equal(ran.stderr, '', '--json keeps progress off');

  const text = await cli('run', 'grocery');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^run run-\S+ of grocery: succeeded; candidate grocery@1 \(fasttext, already registered\) trained on ds-/m);
  assert.match(text.stderr, /^train:fasttext: accuracy 0\.\d+, macroF1 /m, 'each step is reported on stderr as it ends');

  const paused = await cli('pause', 'grocery', '--reason', 'relabelling', '--actor', 'bo', '--json');
  assert.equal(paused.code, 0, paused.stderr);
  assert.deepEqual((({ paused: p, pausedBy, pauseReason }: PipelineState) => ({ p, pausedBy, pauseReason }))(JSON.parse(paused.stdout) as PipelineState), { p: true, pausedBy: 'bo', pauseReason: 'relabelling' });
  assert.match((await cli('list')).stdout, /^grocery +shop +grocery +fasttext +cron "0 3 \* \* \*" UTC +yes \(bo\) +succeeded /m);
  const resumed = await cli('resume', 'grocery');
  assert.equal(resumed.code, 0);
  assert.match(resumed.stdout, /resumed grocery/);

  const history = await cli('history', 'grocery', '--json');
  const runs = JSON.parse(history.stdout) as PipelineRun[];
  assert.deepEqual(runs.map((r) => [r.status, r.trigger, r.candidate]), [['succeeded', 'manual', 'grocery@1'], ['succeeded', 'manual', 'grocery@1']]);
  assert.deepEqual(runs[1]!.steps.map((s) => s.name), ['data', 'train:fasttext', 'register', 'gates']);
  const historyText = await cli('history', 'grocery', '--last', '1');
  assert.match(historyText.stdout, /data \d+\.\d s, train:fasttext \d+\.\d s, register \d+\.\d s, gates/, 'the table cuts the long steps cell');
  assert.equal(historyText.stdout.trim().split('\n').length, 3, 'a header, a rule and one run');
});

test('lading pipeline: errors name what is wrong, exit 2 and change nothing', async (t) => {
  const { tmp, file, cli, home } = await project(t);
  const unknown = await cli('run', 'nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no pipeline "nope" in lading\.yaml; there are: grocery/);
  assert.equal((await cli('show')).code, 2);
  assert.match((await cli('pause', 'a', 'b')).stderr, /expected one pipeline NAME, got a b/);
  assert.match((await cli('frobnicate')).stderr, /unknown subcommand "frobnicate"/);
  assert.ok(!existsSync(join(home, 'pipelines.sqlite')), 'nothing has opened the pipeline store yet');

  tmp.write('lading.yaml', PROJECT.replace('kind: fasttext', 'kind: fasttexts'));
  const bad = await runVerb(pipelineVerb, ['run', 'grocery', '--project', file]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /lading\.yaml:7:\d+: pipelines\.grocery\.train\[0\]\.kind: unknown model kind "fasttexts"/);
  assert.ok(!existsSync(join(home, 'pipelines.sqlite')), 'a bad file runs nothing and records nothing');
  const datasets = await runVerb(dataVerb, ['list', '--json', '--project', file]);
  assert.equal((JSON.parse(datasets.stdout) as unknown[]).length, 1, 'only the imported dataset: no run assembled one');

  for (const sub of ['list', 'show', 'run', 'pause', 'resume', 'history']) {
    const help = await runVerb(pipelineVerb, [sub, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: lading pipeline ${sub}`));
  }
  const overview = await runVerb(pipelineVerb, ['--help']);
  assert.match(overview.stdout, /releases?: \{ steps: \[ \{ shadow: 2000 \}/);
});

const RELEASING_PROJECT = `home: ./home
pipelines:
  grocery:
    endpoint: shop
    data: { dataset: grocery-train, folder: incoming }
    train:
      - kind: fasttext
        params: { epochs: 2, dim: 16, buckets: 65536 }
    gates: { golden: grocery-golden, margin: { accuracy: 0.5, macroF1: 0.5 }, classRecall: { maxDrop: 1 } }
    release: { steps: [ { shadow: 200 }, { canary: 50 } ] }
`;

test('lading pipeline run gates and releases as the controller does: --no-release stops after the gates; without it the first step (shadow) is deployed', async (t) => {
  const { tmp, file, cli, home } = await project(t);
  tmp.write('lading.yaml', RELEASING_PROJECT);
  const lines = readFileSync(GROCERY, 'utf8').split('\n');
  const golden = tmp.write('grocery-golden.csv', `${[lines[0], ...lines.slice(400, 700)].join('\n')}\n`);
  assert.equal((await runVerb(dataVerb, ['import', golden, '--label', 'label_department', '--project', file])).code, 0);

  // First candidate, nothing served yet: the gates pass (no champion), --no-release records no release.
  const first = await cli('run', 'grocery', '--no-release', '--json');
  assert.equal(first.code, 0, first.stderr);
  const one = JSON.parse(first.stdout) as GatedRunResult;
  assert.deepEqual([one.candidate.ref, one.gates?.passed, one.gates?.champion, one.release.record], ['grocery@1', true, null, null]);
  assert.match(one.release.summary, /^not released: asked to stop after the gates/);

  // A person deploys it; new labelled data makes grocery@2, gated against grocery@1 on the golden set.
  const ws = openEmbeddedWorkspace(home);
  t.after(() => ws.close());
  await ws.deployments.append('shop', { endpoint: 'shop', mode: 'single', variants: [{ name: 'main', model: 'grocery@1', weight: 1, role: 'primary' }] }, 'deploy', 'ana', 'first deployment');
  tmp.write('incoming/week-50.csv', `${[lines[0], ...lines.slice(341, 400)].join('\n')}\n`);
  const gatedOnly = await cli('run', 'grocery', '--no-release');
  assert.equal(gatedOnly.code, 0, gatedOnly.stderr);
  assert.match(gatedOnly.stdout, /^gates: passed \(grocery@2 against grocery@1\)$/m);
  assert.match(gatedOnly.stdout, /^check +set +value +threshold +verdict$/m);
  assert.match(gatedOnly.stdout, /^accuracy +golden +[+-]\d\.\d{3} \(lower [+-]\d\.\d{3}\) +lower >= -0\.500 +pass$/m);
  assert.match(gatedOnly.stdout, /^accuracy +holdout +only 0 rows +>= 30 rows +skipped$/m, 'no feedback: the holdout checks are skipped, by name');
  assert.match(gatedOnly.stdout, /^release: not released: asked to stop after the gates/m);
  assert.equal((await ws.deployments.current('shop'))?.revision, 1, '--no-release changes no deployment');

  // The same run without --no-release (same data: grocery@2 again) releases it: approved, shadow deployed at once.
  const released = await cli('run', 'grocery', '--json', '--actor', 'bo');
  assert.equal(released.code, 0, released.stderr);
  const two = JSON.parse(released.stdout) as GatedRunResult;
  assert.deepEqual([two.candidate.ref, two.gates?.passed, two.release.firstStepDeployed, two.release.record?.step, two.release.record?.challenger], ['grocery@2', true, true, 0, 'grocery@2']);
  assert.match(two.release.summary, /^release \d+ of grocery@2 against grocery@1 on shop recorded; step 1 \(shadow \(200 requests\)\) deployed at revision 2; `lading controller` moves it on from here$/);
  const live = await ws.deployments.current('shop');
  assert.deepEqual([live?.revision, live?.actor, live?.spec?.mode, live?.spec?.variants.map((v) => [v.model, v.role])], [2, 'bo', 'shadow', [['grocery@1', 'primary'], ['grocery@2', 'shadow']]]);
  assert.equal((await ws.getModelVersion('grocery', 2)).approval.status, 'approved');

  // The bus heard the two datasets a person imported (\`lading data import\` publishes), then what the
  // controller would have said: each candidate registered, each gate verdict, each run's end, the
  // candidate approved as its release starts, the release and its first step. The third run found grocery@2
  // already registered (the same artifact): the registry's record is the same, and so is the event's
  // id, so the bus kept one.
  const heard = await withBus({ home, busUrl: undefined }, async (bus) => {
    const sub = await bus.subscribe('pipeline-cli-test');
    try {
      return (await sub.next(100, 1000)).map((d) => d.event.type);
    } finally {
      await sub.close();
    }
  });
  assert.deepEqual(heard, [
    'dataset.created', 'dataset.created',
    'model.registered', 'gate.passed', 'pipeline.run.finished', 'model.registered', 'gate.passed', 'pipeline.run.finished',
    'gate.passed', 'pipeline.run.finished', 'model.approved', 'experiment.started', 'deployment.changed',
  ]);
});
