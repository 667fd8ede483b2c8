import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as dataVerb } from '../../src/cli/data.js';
import { verb as deployVerb } from '../../src/cli/deploy.js';
import { verb as experimentVerb } from '../../src/cli/experiment.js';
import { verb as feedbackVerb } from '../../src/cli/feedback.js';
import { verb as modelsVerb } from '../../src/cli/models.js';
import { verb as trainVerb } from '../../src/cli/train.js';
import type { LifecycleEvent } from '../../src/core/lifecycle-events.js';
import { generateInvoiceLines, invoiceLinesToCsv } from '../../src/demo/invoice-lines.js';
import { withBus } from '../../src/platform/open-bus.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';
import { classify, postFeedback, serveModel } from '../monitoring/serving-fixture.js';
import { writeSyntheticArtifact } from '../registry/models/fixtures.js';

/** Everything published on `home`'s embedded bus since this reader last looked (a durable subscription, acked). */
async function heardSince(home: string): Promise<LifecycleEvent[]> {
  return withBus({ home, busUrl: undefined }, async (bus) => {
    const sub = await bus.subscribe('verb-events-test');
    try {
      const got = await sub.next(1000, 200);
      for (const d of got) await d.ack();
      return got.map((d) => d.event);
    } finally {
      await sub.close();
    }
  });
}

/** The facts of an event: what a subscriber acts on (the envelope's id and time checked apart). */
function facts(e: LifecycleEvent): Record<string, unknown> {
  const { id: _id, time: _time, subject: _subject, ...rest } = e;
  return rest;
}

test('a person\'s verbs each publish exactly their event on the embedded bus, with actor and reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-verb-events-'));
  const home = join(dir, 'home');
  const as = (who: string) => ['--home', home, '--actor', who];
  try {
    // data import: dataset.created, once; the same rows again create nothing and publish nothing.
    const csv = join(dir, 'train.csv');
    writeFileSync(csv, invoiceLinesToCsv(generateInvoiceLines({ rows: 600, seed: 5 })));
    const imported = await runVerb(dataVerb, ['import', csv, '--home', home, '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    const dataset = (JSON.parse(imported.stdout) as { dataset: { id: string; contentSha256: string } }).dataset;
    const [created, ...moreData] = await heardSince(home);
    assert.deepEqual(moreData, []);
    assert.deepEqual(facts(created!), { type: 'dataset.created', dataset: dataset.id, version: 1, rows: 600, sha256: dataset.contentSha256 });
    assert.equal(created!.id, `dataset-created-${dataset.id}`);
    assert.equal((await runVerb(dataVerb, ['import', csv, '--home', home])).code, 0);
    assert.deepEqual(await heardSince(home), [], 'an import that stored nothing new publishes nothing');

    // train --register on the stored dataset: model.registered (no dataset event: nothing was imported).
    const trained = await runVerb(trainVerb, ['--data', dataset.id, '--model', 'linear', '--register', 'hs', '--json', ...as('tom')]);
    assert.equal(trained.code, 0, trained.stderr);
    const sha = (JSON.parse(trained.stdout) as { sha256: string }).sha256;
    assert.deepEqual((await heardSince(home)).map(facts), [{ type: 'model.registered', model: 'hs', version: 1, sha256: sha, dataset: dataset.id, actor: 'tom' }]);

    // models register / approve / reject.
    const registered = await runVerb(modelsVerb, ['register', 'hs', writeSyntheticArtifact(dir, 7), '--json', ...as('ana')]);
    assert.equal(registered.code, 0, registered.stderr);
    const v2 = JSON.parse(registered.stdout) as { artifactSha256: string };
    assert.deepEqual((await heardSince(home)).map(facts), [{ type: 'model.registered', model: 'hs', version: 2, sha256: v2.artifactSha256, dataset: 'ds-0123456789abcdef', actor: 'ana' }]);
    assert.equal((await runVerb(modelsVerb, ['approve', 'hs', '1', '--reason', 'beats the baseline', ...as('bo')])).code, 0);
    const [approved, ...moreApproved] = await heardSince(home);
    assert.deepEqual(moreApproved, []);
    assert.deepEqual(facts(approved!), { type: 'model.approved', model: 'hs', version: 1, actor: 'bo', reason: 'beats the baseline' });
    assert.match(approved!.id, /^model-approved-hs-1-\d+$/, 'the id is the registry\'s record of the approval (name, version, time)');
    assert.equal((await runVerb(modelsVerb, ['reject', 'hs', '2', '--reason', 'synthetic', ...as('bo')])).code, 0);
    assert.deepEqual((await heardSince(home)).map(facts), [{ type: 'model.rejected', model: 'hs', version: 2, actor: 'bo', reason: 'synthetic' }]);
    // Reading verbs publish nothing.
    assert.equal((await runVerb(modelsVerb, ['list', ...as('bo')])).code, 0);
    assert.deepEqual(await heardSince(home), []);

    // models alias: a move is model.alias.moved (from where to where, who, why; the id is its audit
    // row); pointing it where it already points changes nothing and publishes nothing; a delete says where it pointed.
    assert.equal((await runVerb(modelsVerb, ['alias', 'hs', 'champion', '1', '--reason', 'first champion', ...as('bo')])).code, 0);
    const [moved, ...moreMoved] = await heardSince(home);
    assert.deepEqual(moreMoved, []);
    assert.deepEqual(facts(moved!), { type: 'model.alias.moved', model: 'hs', alias: 'champion', version: 1, previousVersion: null, actor: 'bo', reason: 'first champion' });
    assert.match(moved!.id, /^model-alias-moved-hs-champion-\d+$/);
    assert.equal((await runVerb(modelsVerb, ['alias', 'hs', 'champion', '1', ...as('bo')])).code, 0);
    assert.deepEqual(await heardSince(home), [], 'an alias set where it already points publishes nothing');
    assert.equal((await runVerb(modelsVerb, ['alias', 'hs', 'champion', '--delete', '--reason', 'retired', ...as('cy')])).code, 0);
    assert.deepEqual((await heardSince(home)).map(facts), [
      { type: 'model.alias.moved', model: 'hs', alias: 'champion', version: null, previousVersion: 1, actor: 'cy', reason: 'retired' },
    ]);

    // deploy: every revision is deployment.changed, a rollback is rollback.done naming the revision it restored.
    const deploy = (...argv: string[]) => runVerb(deployVerb, [...argv, ...as('cy')]);
    assert.equal((await deploy('set', 'shop', '--variant', 'main=hs@1', '--reason', 'first')).code, 0);
    assert.equal((await deploy('set', 'shop', '--mode', 'canary', '--variant', 'main=hs@1:90', '--variant', 'next=hs@1:10')).code, 0);
    assert.equal((await deploy('canary', 'shop', 'next', '--share', '50', '--reason', 'looks fine')).code, 0);
    assert.equal((await deploy('rollback', 'shop', '--reason', 'errors')).code, 0);
    assert.deepEqual((await heardSince(home)).map(facts), [
      { type: 'deployment.changed', endpoint: 'shop', revision: 1, action: 'deploy', actor: 'cy', reason: 'first' },
      { type: 'deployment.changed', endpoint: 'shop', revision: 2, action: 'deploy', actor: 'cy' },
      { type: 'deployment.changed', endpoint: 'shop', revision: 3, action: 'canary', actor: 'cy', reason: 'looks fine' },
      { type: 'rollback.done', endpoint: 'shop', revision: 4, toRevision: 2, actor: 'cy', reason: 'errors' },
    ]);

    // experiment start / approve / stop: experiment.started, experiment.approved, experiment.decided (stopped).
    assert.equal((await deploy('set', 'shop', '--variant', 'main=hs@1')).code, 0);
    assert.deepEqual((await heardSince(home)).map((e) => e.type), ['deployment.changed']);
    const experiment = (...argv: string[]) => runVerb(experimentVerb, [...argv, ...as('di')]);
    const started = await experiment('start', 'shop', '--challenger', 'hs@1', '--reason', 'try it', '--json');
    assert.equal(started.code, 0, started.stderr);
    const release = (JSON.parse(started.stdout) as { id: number }).id;
    assert.deepEqual((await heardSince(home)).map(facts), [
      { type: 'experiment.started', endpoint: 'shop', experiment: `release-${release}`, mode: 'shadow', champion: 'hs@1', challenger: 'hs@1' },
    ]);
    assert.equal((await experiment('approve', 'shop')).code, 0);
    assert.deepEqual((await heardSince(home)).map(facts), [{ type: 'experiment.approved', endpoint: 'shop', experiment: `release-${release}`, actor: 'di' }]);
    assert.equal((await experiment('stop', 'shop', '--reason', 'not now')).code, 0);
    // Its first step was never deployed (no controller ran), so stopping changes no deployment.
    assert.deepEqual((await heardSince(home)).map(facts), [
      { type: 'experiment.decided', endpoint: 'shop', experiment: `release-${release}`, decision: 'stopped', reason: 'stopped by di: not now' },
    ]);

    // feedback import: feedback.received per endpoint, with how many labels the answering model does not know.
    const labels = join(dir, 'labels.csv');
    writeFileSync(labels, 'text,label\nsteel screws,7318\ncotton shirt,6205\nsteel nuts,7318\n');
    const fed = await runVerb(feedbackVerb, ['import', labels, '--endpoint', 'shop', '--text', 'text', '--home', home]);
    assert.equal(fed.code, 0, fed.stderr);
    assert.deepEqual((await heardSince(home)).map(facts), [{ type: 'feedback.received', endpoint: 'shop', count: 3, newLabels: 0 }]);
    // to-dataset: the feedback becomes a dataset version: dataset.created (the workspace's second).
    assert.equal((await runVerb(feedbackVerb, ['to-dataset', '--endpoint', 'shop', '--home', home])).code, 0);
    assert.deepEqual((await heardSince(home)).map((e) => [e.type, 'version' in e ? e.version : null]), [['dataset.created', 2]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bus that cannot be reached is a warning on stderr: the verb succeeds and its change is stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-verb-events-down-'));
  const home = join(dir, 'home');
  try {
    // Port 1 on this machine: nothing listens, the connection is refused.
    const r = await runVerb(modelsVerb, ['register', 'hs', writeSyntheticArtifact(dir, 3), '--home', home, '--actor', 'ana', '--bus-url', 'nats://127.0.0.1:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /registered hs@1/);
    assert.match(r.stderr, /warning: event model\.registered \(model-registered-hs-1-\d+\) was not published on the NATS JetStream bus \(busUrl\): .*; the change itself is done/);
    assert.doesNotMatch(r.stderr, /127\.0\.0\.1:1/, 'the bus URL (it may hold credentials) is not printed');
    const ws = openEmbeddedWorkspace(home);
    try {
      assert.equal((await ws.getModelVersion('hs', 1)).registeredBy, 'ana');
    } finally {
      ws.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('POST /v1/feedback publishes feedback.received after it stored the items, and an admin deployment change publishes deployment.changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-verb-events-serve-'));
  const home = join(dir, 'home');
  try {
    const csv = join(dir, 'train.csv');
    writeFileSync(csv, invoiceLinesToCsv(generateInvoiceLines({ rows: 600, seed: 6 })));
    const model = join(dir, 'hs.lading');
    const trained = await runVerb(trainVerb, ['--data', csv, '--model', 'linear', '--out', model, '--home', home]);
    assert.equal(trained.code, 0, trained.stderr);
    assert.deepEqual((await heardSince(home)).map((e) => e.type), ['dataset.created'], 'train imported its file: a dataset was created');
    const served = await serveModel(model, { home, logFlushMs: 20, token: 'tok' });
    try {
      const answered = await classify(served.url, ['steel screws', 'cotton shirt'], 'req-1');
      assert.equal(answered.status, 200);
      const fb = await postFeedback(served.url, { endpoint: 'hs', items: [{ requestId: 'req-1', position: 0, label: 'a-label-nobody-knows' }, { requestId: 'req-1', position: 1, label: 'another' }] });
      assert.equal(fb.status, 201, JSON.stringify(fb.body));
      const spec = { endpoint: 'side', mode: 'single', variants: [{ name: 'main', model, weight: 1, role: 'primary' }] };
      const admin = await fetch(`${served.url}/admin/deployments`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer tok' }, body: JSON.stringify({ spec, actor: 'eve', reason: 'over the API' }),
      });
      assert.equal(admin.status, 200, await admin.text());
    } finally {
      await served.close(); // flushes the publishing queue
    }
    const heard = await heardSince(home);
    assert.deepEqual(heard.map(facts), [
      { type: 'feedback.received', endpoint: 'hs', count: 2, newLabels: 2 },
      { type: 'deployment.changed', endpoint: 'side', revision: 1, action: 'deploy', actor: 'eve', reason: 'over the API' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('POST /v1/feedback answers at once while the bus hangs: the publish waits in its own queue, then is a warning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-verb-events-hang-'));
  const home = join(dir, 'home');
  // A "NATS server" that accepts connections and never says a word: connecting hangs.
  const sockets: Socket[] = [];
  const silent = createServer((s) => { sockets.push(s); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    const csv = join(dir, 'train.csv');
    writeFileSync(csv, invoiceLinesToCsv(generateInvoiceLines({ rows: 600, seed: 6 })));
    const model = join(dir, 'hs.lading');
    assert.equal((await runVerb(trainVerb, ['--data', csv, '--model', 'linear', '--out', model, '--home', home])).code, 0);
    const warnings: string[] = [];
    const served = await serveModel(model, { home, logFlushMs: 20, busUrl: `nats://127.0.0.1:${port}` }, warnings);
    try {
      assert.equal((await classify(served.url, ['steel screws'], 'req-1')).status, 200);
      const t0 = performance.now();
      const fb = await postFeedback(served.url, { endpoint: 'hs', items: [{ requestId: 'req-1', label: '7318' }] });
      const ms = performance.now() - t0;
      assert.equal(fb.status, 201, JSON.stringify(fb.body));
      // The answer did not wait for the publish: it came before the publish gave up (5,000 ms), and
      // no warning was written yet. (A wall-clock bound tighter than that flakes on a loaded machine.)
      assert.ok(ms < 4000, `POST /v1/feedback took ${ms.toFixed(0)} ms while the bus hangs (a publish gives up after 5,000 ms)`);
      assert.equal(warnings.filter((w) => /was not published/.test(w)).length, 0, warnings.join('\n'));
    } finally {
      await served.close();
    }
    assert.equal(warnings.filter((w) => /event feedback\.received \(feedback-received-hs-1-1-\d+\) was not published .*no answer within 5000 ms; the change itself is done/.test(w)).length, 1, warnings.join('\n'));
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
