import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { tempDir } from '../data/temp-dir.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GROCERY = join(ROOT, '..', 'shared', 'datasets', 'grocery', 'train.csv');

interface Step { name?: string; run?: string; uses?: string }
const github = parse(readFileSync(join(ROOT, 'deploy', 'ci', 'github-actions.yml'), 'utf8')) as { on: Record<string, { paths?: string[] }>; env: Record<string, string>; jobs: { pipeline: { steps: Step[] } } };
const gitlab = parse(readFileSync(join(ROOT, 'deploy', 'ci', 'gitlab-ci.yml'), 'utf8')) as { 'lading-pipeline': { script: string[]; variables: Record<string, string>; rules: { changes: string[] }[]; artifacts: { paths: string[] } } };

/** The templates' own commands, minus installing lading (the test runs this checkout's, through a `lading` on PATH). */
const installs = (command: string) => /^npm install --global lading$/.test(command.trim());
const githubScripts = github.jobs.pipeline.steps.filter((s) => s.run !== undefined && !installs(s.run)).map((s) => s.run!);
const gitlabScript = gitlab['lading-pipeline'].script.filter((l) => !installs(l)).join('\n');

const PROJECT = (budget: string) => `home: ./home
pipelines:
  shop:
    data: { dataset: grocery-train, folder: data }
    train:
      - kind: fasttext
        params: { epochs: 2, dim: 16, buckets: 65536 }
    gates: { golden: grocery-golden, margin: { accuracy: 0.5, macroF1: 0.5 }, budgets: { ${budget} } }
    release: { steps: [ { shadow: 200 }, { canary: 50 } ] }
`;

/** A repository as the templates expect one: lading.yaml, data/ with a new labelled file, the base dataset already in the (embedded) registry. */
function repository(t: { after(fn: () => void): void }, budget = 'artifactMb: 200') {
  const tmp = tempDir(t, 'lading-ci-template-');
  const lines = readFileSync(GROCERY, 'utf8').split('\n');
  tmp.write('lading.yaml', PROJECT(budget));
  tmp.write('grocery-train.csv', `${lines.slice(0, 301).join('\n')}\n`);
  tmp.write('grocery-golden.csv', `${[lines[0], ...lines.slice(2000, 2100)].join('\n')}\n`);
  mkdirSync(join(tmp.dir, 'data'));
  tmp.write('data/week-49.csv', `${[lines[0], ...lines.slice(301, 341)].join('\n')}\n`);
  const bin = join(tmp.dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'lading'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'lading.js')}" "$@"\n`);
  chmodSync(join(bin, 'lading'), 0o755);
  const env = { PATH: `${bin}:${process.env['PATH'] ?? ''}`, HOME: tmp.dir, PIPELINE: 'shop' };
  for (const file of ['grocery-train.csv', 'grocery-golden.csv']) {
    const imported = spawnSync('lading', ['data', 'import', file, '--label', 'label_department'], { cwd: tmp.dir, env, encoding: 'utf8' });
    assert.equal(imported.status, 0, imported.stderr);
  }
  /** Runs one script as the CI runner would (bash, stop at the first failure), in the repository, with the template's variables and the runner's. */
  const sh = (script: string, vars: Record<string, string>) => spawnSync('bash', ['-e', '-c', script], { cwd: tmp.dir, env: { ...env, ...vars }, encoding: 'utf8' });
  return { dir: tmp.dir, env, sh };
}

/** The workflow's env without the secrets (a runner fills them; unset here, the embedded default serves). */
const githubEnv = Object.fromEntries(Object.entries(github.env).filter(([, v]) => !String(v).includes('${{')));

test('both templates run on a change to the project file or to the data folder, and keep the gate report', () => {
  assert.deepEqual(github.on['push']!.paths, ['lading.yaml', 'data/**']);
  assert.deepEqual(github.on['pull_request']!.paths, ['lading.yaml', 'data/**']);
  assert.deepEqual(gitlab['lading-pipeline'].rules[0]!.changes, ['lading.yaml', 'data/**/*']);
  assert.deepEqual(gitlab['lading-pipeline'].artifacts.paths, ['lading-gates.md']);
  assert.ok(github.jobs.pipeline.steps.some((s) => s.uses?.startsWith('actions/upload-artifact') === true));
});

test('GitHub Actions, pull request: the pipeline runs once, its gates pass, the report is the artifact and the summary, nothing is released', (t) => {
  const repo = repository(t);
  const summary = join(repo.dir, 'step-summary.md');
  writeFileSync(summary, '');
  for (const script of githubScripts) {
    const r = repo.sh(script, { ...githubEnv, PIPELINE: 'shop', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_STEP_SUMMARY: summary });
    assert.equal(r.status, 0, `${script}\n${r.stderr}`);
  }
  const report = readFileSync(join(repo.dir, 'lading-gates.md'), 'utf8');
  assert.match(report, /^# Pipeline shop: run \S+ succeeded$/m);
  assert.match(report, /^Candidate \*\*shop@1\*\* \(fasttext, new\)/m);
  assert.match(report, /^## Gates: passed$/m);
  assert.match(report, /^\| artifactSize \| - \| [0-9.]+ MB \| <= 200 MB \| pass \|$/m);
  assert.match(report, /^Release: not released/m);
  assert.equal(readFileSync(summary, 'utf8'), report);
  const experiments = spawnSync('lading', ['experiment', 'list', '--json'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
  assert.equal(experiments.status, 0, experiments.stderr);
  assert.deepEqual(JSON.parse(experiments.stdout), []);
});

test('GitLab CI, default branch: the same run hands the release to the controller (its first step deployed)', (t) => {
  const repo = repository(t);
  // The endpoint serves a first version already (a release needs a champion to stand against).
  for (const argv of [['pipeline', 'run', 'shop', '--no-release'], ['models', 'approve', 'shop', '1'], ['deploy', 'set', 'shop', '--variant', 'main=shop@1']]) {
    const r = spawnSync('lading', argv, { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
    assert.equal(r.status, 0, `lading ${argv.join(' ')}: ${r.stderr}`);
  }
  const lines = readFileSync(GROCERY, 'utf8').split('\n');
  writeFileSync(join(repo.dir, 'data', 'week-50.csv'), `${[lines[0], ...lines.slice(341, 400)].join('\n')}\n`);
  const r = repo.sh(gitlabScript, { ...gitlab['lading-pipeline'].variables, PIPELINE: 'shop', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', GITLAB_USER_LOGIN: 'ana' });
  assert.equal(r.status, 0, r.stderr);
  const report = readFileSync(join(repo.dir, 'lading-gates.md'), 'utf8');
  assert.match(report, /^## Gates: passed$/m);
  assert.doesNotMatch(report, /^Release: not released/m);
  const experiments = spawnSync('lading', ['experiment', 'list', '--json'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
  assert.equal(experiments.status, 0, experiments.stderr);
  const [release] = JSON.parse(experiments.stdout) as { endpoint: string; challenger: string; champion: string }[];
  assert.deepEqual([release?.endpoint, release?.challenger, release?.champion], ['shop', 'shop@2', 'shop@1']);
});

test('a candidate the gates refuse fails the CI job (exit 3) and the report says why', (t) => {
  const repo = repository(t, 'artifactMb: 0.001');
  const run = githubScripts.find((s) => s.includes('pipeline run'))!;
  const r = repo.sh(run, { ...githubEnv, PIPELINE: 'shop', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' });
  assert.equal(r.status, 3, r.stderr);
  const report = readFileSync(join(repo.dir, 'lading-gates.md'), 'utf8');
  assert.match(report, /^# Pipeline shop: run \S+ gated$/m);
  assert.match(report, /^## Gates: FAILED$/m);
  assert.match(report, /^- .*artifact/im);
  assert.ok(existsSync(join(repo.dir, 'home')));
});
