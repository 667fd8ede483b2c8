import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { openPlatformWorkspace, startUiProcess, type UiProcess } from '../../src/platform/index.js';
import { ENDPOINT, MODEL, PIPELINE, registryState as registryStateAt, seededHome, seedPipelineRuns, TOKEN, uiSettings, type RegistryAt } from './ui-fixture.js';

const auth = { authorization: `Bearer ${TOKEN}` };
const json = { 'content-type': 'application/json' };

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const pgUrl = process.env['LADING_TEST_PG_URL'];
const BACKENDS: ReadonlyArray<{ name: string; registry: RegistryAt | undefined; skip?: string }> = [
  { name: 'SQLite', registry: { registryUrl: undefined, registrySchema: 'public' } },
  pgUrl ? { name: 'PostgreSQL', registry: { registryUrl: pgUrl, registrySchema: `ui_test_${randomBytes(4).toString('hex')}` } }
    : { name: 'PostgreSQL', registry: undefined, skip: 'LADING_TEST_PG_URL is not set (.ci/run sets it)' },
];

for (const backend of BACKENDS) {
  describe(`lading ui: the dashboard and its JSON API over a ${backend.name} registry (real HTTP)`, { skip: backend.skip }, () => {
    const registry = backend.registry!;
    let home: string;
    let ui: UiProcess;
    const registryState = (h: string) => registryStateAt(h, registry);
    before(async () => {
      ({ home } = await seededHome(registry));
      await seedPipelineRuns(home, registry);
      ui = await startUiProcess(uiSettings(home, registry), { warn: () => undefined });
    });
    after(async () => {
      await ui?.close();
      if (registry.registryUrl !== undefined) {
        const client = new pg.Client({ connectionString: registry.registryUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${registry.registrySchema} CASCADE`);
        await client.end();
      }
    });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${ui.url}${path}`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });

    it('serves the built app at /ui/ without a token, and its hashed assets for good', async () => {
      const page = await fetch(`${ui.url}/ui/`);
      assert.equal(page.status, 200);
      const html = await page.text();
      const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, `index.html names its script: ${html}`);
      const js = await fetch(`${ui.url}${script}`);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      assert.match(js.headers.get('cache-control') ?? '', /immutable/);
      assert.equal((await fetch(`${ui.url}/ui/assets/nothing.js`)).status, 404);
      assert.equal((await fetch(`${ui.url}/ui`, { redirect: 'manual' })).headers.get('location'), '/ui/');
    });

    it('lists models with their versions, approval and aliases, and the deployments with their history', async () => {
      const { models } = await (await fetch(`${ui.url}/v1/ui/models`)).json() as { models: Array<{ name: string; aliases: Array<{ alias: string; version: number }> }> };
      assert.deepEqual(models.map((m) => m.name), [MODEL]);
      assert.deepEqual(models[0]!.aliases.map((a) => [a.alias, a.version]), [['champion', 1]]);
      const { versions } = await (await fetch(`${ui.url}/v1/ui/models/${MODEL}/versions`)).json() as { versions: Array<{ version: number; kind: string; labelCount: number; approval: { status: string } }> };
      assert.deepEqual(versions.map((v) => [v.version, v.kind, v.approval.status]), [[1, 'fasttext', 'approved'], [2, 'fasttext', 'approved'], [3, 'fasttext', 'pending']]);
      assert.equal(versions[0]!.labelCount, 12);
      assert.equal((await fetch(`${ui.url}/v1/ui/models/nope/versions`)).status, 404);
      const h = await (await fetch(`${ui.url}/v1/ui/deployments/${ENDPOINT}/history`)).json() as { history: Array<{ revision: number; action: string }>; rollback: unknown };
      assert.deepEqual(h.history.map((r) => [r.revision, r.action]), [[1, 'deploy'], [2, 'deploy']]);
      assert.deepEqual(h.rollback, { from: 2, to: 1 });
    });

    it('answers a model\'s lineage: each version with the deployment variants and alias periods it served in', async () => {
      const r = await fetch(`${ui.url}/v1/ui/models/${MODEL}/lineage`);
      assert.equal(r.status, 200);
      const l = await r.json() as { model: string; versions: Array<{ version: number; datasetId: string | null; aliasHistory: Array<{ alias: string; until: string | null }>; deployments: Array<{ endpoint: string; variant: string; revision: number; weight: number; until: string | null }> }>; datasets: Array<{ datasetId: string | null; versions: number[] }> };
      assert.deepEqual(l.versions.map((v) => v.version), [1, 2, 3]);
      assert.deepEqual(l.datasets, [{ datasetId: null, versions: [1, 2, 3] }]);
      // v1 served alone in revision 1, then as variant a (weight 9) of the canary, still now; v2 as b since revision 2; v3 nowhere.
      assert.deepEqual(l.versions[0]!.deployments.map((d) => [d.endpoint, d.variant, d.revision, d.weight, d.until === null]), [[ENDPOINT, 'a', 1, 1, false], [ENDPOINT, 'a', 2, 9, true]]);
      assert.deepEqual(l.versions[1]!.deployments.map((d) => [d.variant, d.revision, d.until === null]), [['b', 2, true]]);
      assert.deepEqual(l.versions[2]!.deployments, []);
      assert.deepEqual(l.versions[0]!.aliasHistory.map((a) => [a.alias, a.until]), [['champion', null]]);
      const missing = await fetch(`${ui.url}/v1/ui/models/nope/lineage`);
      assert.equal(missing.status, 404);
      assert.match(((await missing.json()) as { error: string }).error, /model "nope" is not registered/);
    });

    it('answers a version\'s evaluation from the validation rows its artifact stores; a bad model or version is a 404 naming it', async () => {
      const r = await fetch(`${ui.url}/v1/ui/models/${MODEL}/versions/2/evaluation`);
      assert.equal(r.status, 200);
      const e = await r.json() as { labels: number; validationRows: number; metrics: Record<string, number>; hierarchy: Array<{ level: number; accuracy: number }>;
        calibration: { ece: number; bins: Array<{ count: number }> }; coverageCurve: Array<{ coverage: number }>; perClass: Array<{ label: string; answered: number }>; decisions: unknown[]; missing: string[] };
      assert.equal(e.labels, 12);
      assert.ok(e.validationRows > 100, `validation rows ${e.validationRows}`);
      // Six-digit codes: HS2, HS4, HS6 as recorded at training; the reliability bins recomputed from the stored rows give the recorded ECE.
      assert.deepEqual(e.hierarchy.map((h) => h.level), [2, 4, 6]);
      assert.ok(Math.abs(e.calibration.ece - e.metrics['validEce']!) < 1e-6, `ECE ${e.calibration.ece} against ${e.metrics['validEce']}`);
      assert.equal(e.calibration.bins.reduce((s, b) => s + b.count, 0), e.validationRows);
      assert.equal(e.perClass.reduce((s, c) => s + c.answered, 0), e.validationRows);
      assert.equal(e.perClass.length, 12);
      assert.ok(e.coverageCurve.length > 5);
      assert.equal(e.decisions.length, 3);
      assert.ok(e.missing.some((m) => /confusion matrix/.test(m)));
      for (const [path, message] of [[`/v1/ui/models/${MODEL}/versions/9/evaluation`, /model "hs-codes" has no version 9/], [`/v1/ui/models/nope/versions/1/evaluation`, /model "nope" is not registered/]] as const) {
        const bad = await fetch(`${ui.url}${path}`);
        assert.equal(bad.status, 404, path);
        assert.match(((await bad.json()) as { error: string }).error, message);
      }
      const notANumber = await fetch(`${ui.url}/v1/ui/models/${MODEL}/versions/two/evaluation`);
      assert.equal(notANumber.status, 400);
    });

    it('lists pipelines with their newest runs, steps and the gates\' verdict', async () => {
      const r = await fetch(`${ui.url}/v1/ui/pipelines?runs=5`);
      assert.equal(r.status, 200);
      const { pipelines } = await r.json() as { pipelines: Array<{ state: { pipeline: string; paused: boolean }; runs: Array<{ status: string; candidate: string; steps: Array<{ name: string; detail: string }> }> }> };
      assert.deepEqual(pipelines.map((p) => [p.state.pipeline, p.state.paused]), [[PIPELINE, false]]);
      // Newest first: the gated run, then the one released.
      assert.deepEqual(pipelines[0]!.runs.map((x) => [x.status, x.candidate]), [['gated', `${MODEL}@2`], ['succeeded', `${MODEL}@3`]]);
      assert.match(pipelines[0]!.runs[0]!.steps.find((s) => s.name === 'gates')!.detail, /^failed: accuracy/);
      assert.equal((await fetch(`${ui.url}/v1/ui/pipelines?runs=500`)).status, 400);
      const info = await (await fetch(`${ui.url}/v1/ui/info`)).json() as { pipelines: boolean; review: boolean };
      assert.deepEqual([info.pipelines, info.review], [true, true]);
    });

    it('refuses a change without the token (401) and changes nothing', async () => {
      const before = await registryState(home);
      const r = await post(`/v1/ui/models/${MODEL}/versions/3/approve`, { actor: 'mallory' });
      assert.equal(r.status, 401);
      assert.equal((await post(`/v1/ui/deployments/${ENDPOINT}/rollback`, {}, { authorization: 'Bearer wrong' })).status, 401);
      assert.deepEqual(await registryState(home), before);
    });

    it('approves with the token through the registry, recorded in the audit log under the actor given', async () => {
      const r = await post(`/v1/ui/models/${MODEL}/versions/3/approve`, { actor: 'carol', reason: 'looks good' }, auth);
      assert.equal(r.status, 200);
      const { versions, audit } = await registryState(home);
      assert.equal(versions[2]!.approval.status, 'approved');
      const last = audit.at(-1)!;
      assert.deepEqual([last.action, last.version, last.actor, last.reason], ['approve', 3, 'carol', 'looks good']);
    });

    it('answers bad input with an error naming the field, and changes nothing', async () => {
      const before = await registryState(home);
      const reject = await post(`/v1/ui/models/${MODEL}/versions/2/reject`, {}, auth);
      assert.equal(reject.status, 400);
      assert.match(((await reject.json()) as { error: string }).error, /reason/);
      const badVersion = await post(`/v1/ui/models/${MODEL}/versions/two/approve`, {}, auth);
      assert.equal(badVersion.status, 400);
      assert.match(((await badVersion.json()) as { error: string }).error, /version/);
      const badAction = await fetch(`${ui.url}/v1/ui/audit?action=promote`);
      assert.equal(badAction.status, 400);
      assert.match(((await badAction.json()) as { error: string }).error, /action must be one of/);
      // A rollback decided on an old revision is refused rather than applied over a newer change.
      const stale = await post(`/v1/ui/deployments/${ENDPOINT}/rollback`, { fromRevision: 1 }, auth);
      assert.equal(stale.status, 409);
      assert.deepEqual(await registryState(home), before);
    });

    it('rolls a deployment back with the token: a new revision restoring the previous spec', async () => {
      const r = await post(`/v1/ui/deployments/${ENDPOINT}/rollback`, { actor: 'dave', fromRevision: 2 }, auth);
      assert.equal(r.status, 200);
      const { deployment } = await registryState(home);
      assert.deepEqual(deployment.map((d) => [d.revision, d.action, d.actor]), [[1, 'deploy', 'alice'], [2, 'deploy', 'bob'], [3, 'rollback', 'dave']]);
      assert.deepEqual(deployment[2]!.spec, deployment[0]!.spec);
    });

    it('filters the audit log by action and actor, newest first', async () => {
      const { entries } = await (await fetch(`${ui.url}/v1/ui/audit?action=approve`)).json() as { entries: Array<{ action: string; version: number; actor: string }> };
      assert.deepEqual(entries.map((e) => [e.version, e.actor]), [[3, 'carol'], [2, 'alice'], [1, 'alice']]);
      const byCarol = await (await fetch(`${ui.url}/v1/ui/audit?actor=carol`)).json() as { entries: unknown[] };
      assert.equal(byCarol.entries.length, 1);
    });

    it('keeps a model\'s version list and lineage while nothing changed, and answers a change made by another process at once', async () => {
      type Lineage = { versions: Array<{ version: number; aliasHistory: Array<{ alias: string }>; deployments: Array<{ revision: number }> }> };
      type Versions = { versions: Array<{ version: number; deletedAt: string | null }> };
      const get = async (path: string) => {
        const r = await fetch(`${ui.url}${path}`);
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
        return r.text();
      };
      const versionsPath = `/v1/ui/models/${MODEL}/versions`;
      const lineagePath = `/v1/ui/models/${MODEL}/lineage`;
      const [versions, lineage] = [await get(versionsPath), await get(lineagePath)];
      assert.equal(await get(versionsPath), versions);
      assert.equal(await get(lineagePath), lineage);

      // Another process (its own connection): an alias moved, a version deleted, a deployment revision appended.
      const other = await openPlatformWorkspace({ home, ...registry });
      try {
        await other.setAlias({ name: MODEL, alias: 'staging', version: 3, actor: 'eve' });
        const l1 = JSON.parse(await get(lineagePath)) as Lineage;
        assert.deepEqual(l1.versions[2]!.aliasHistory.map((a) => a.alias), ['staging'], 'the alias move is in the lineage');
        await other.deleteModelVersion({ name: MODEL, version: 2, actor: 'eve', reason: 'superseded' });
        const v = JSON.parse(await get(versionsPath)) as Versions;
        assert.notEqual(v.versions.find((x) => x.version === 2)!.deletedAt, null, 'the deletion is in the version list');
        const last = (await other.deployments.history(ENDPOINT)).at(-1)!;
        await other.deployments.append(ENDPOINT, last.spec, 'deploy', 'frank', null);
        const l2 = JSON.parse(await get(lineagePath)) as Lineage;
        assert.ok(l2.versions[0]!.deployments.some((d) => d.revision === last.revision + 1), 'the new revision is in the lineage');
      } finally {
        other.close();
      }
      assert.equal((await fetch(`${ui.url}/v1/ui/models/nope/lineage`)).status, 404, 'an unknown model is still a 404');
    });
  });
}
