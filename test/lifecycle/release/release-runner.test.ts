import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFinal, type ReleaseRecord } from '../../../src/lifecycle/release/release-record.js';
import type { ReleaseRunner } from '../../../src/lifecycle/release/release-runner.js';
import { releaseWorld, TEST_PLAN, type ReleaseWorld } from './release-fixture.js';
import { seeded, simulateTraffic, type SimulatedModel } from './release-traffic.js';

type Models = Readonly<Record<string, SimulatedModel>>;
const GOOD: Models = { 'm@1': { accuracy: 0.7, latencyMs: 2 }, 'm@2': { accuracy: 0.9, latencyMs: 2 } };

/** Ticks the release, with `requests` answers (all labelled) logged under the live spec between ticks, until it ends or `maxTicks`. */
async function drive(w: ReleaseWorld, runner: ReleaseRunner, r0: ReleaseRecord, models: Models, o: { requests?: number; maxTicks?: number; seed?: number; between?: (r: ReleaseRecord, tick: number) => Promise<void> } = {}): Promise<ReleaseRecord> {
  const random = seeded(o.seed ?? 7);
  let r = r0;
  for (let t = 0; t < (o.maxTicks ?? 60) && !isFinal(r.status); t++) {
    r = (await runner.tick(r)).release;
    if (isFinal(r.status)) break;
    await o.between?.(r, t);
    const live = await w.parts.workspace.deployments.current('hs');
    w.clock.now += 1_000;
    if (live?.spec && r.step >= 0) await simulateTraffic(w.parts.monitoring, live.spec, models, { at: w.clock.now, requests: o.requests ?? 300, labelled: o.requests ?? 300, random, idPrefix: `t${t}` });
    w.clock.now += 1_000;
    r = (await w.parts.releases.get(r.id))!;
  }
  return r;
}

/** A fresh world per test, always closed. */
const withWorld = async (fn: (w: ReleaseWorld) => Promise<void>) => {
  const w = await releaseWorld();
  try {
    await fn(w);
  } finally {
    await w.close();
  }
};

const tags = async (w: ReleaseWorld) => (await w.parts.workspace.deployments.history('hs')).filter((h) => h.actor === 'controller').map((h) => `${h.action} ${/\[release \d+ ([^\]]+)\]/.exec(h.reason ?? '')?.[1]}`);

describe('release runner: a challenger through shadow, canaries and the sequential decision', () => {
  it('a better challenger goes shadow -> canary 20% -> canary 50% -> promoted: the alias moves once and every step is one tagged revision', () => withWorld(async (w) => {
    const runner = w.runner();
    const started = await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    const r = await drive(w, runner, started, GOOD);
    assert.equal(r.status, 'promoted', r.reason);
    assert.match(r.reason, /challenger is better/);
    assert.deepEqual(await tags(w), ['deploy step 1', 'canary step 2', 'canary step 3', 'promote promote']);
    const champion = (await w.parts.workspace.listAliases('m')).find((a) => a.alias === 'champion');
    assert.equal(champion?.version, 2);
    const moves = (await w.parts.workspace.auditLog({ model: 'm' })).filter((a) => a.actor === 'controller');
    assert.equal(moves.length, 1, JSON.stringify(moves));
    const live = await w.parts.workspace.deployments.current('hs');
    assert.deepEqual(live?.spec?.variants.map((v) => [v.name, v.model, v.role]), [['main', 'm@champion', 'primary']]);
    assert.deepEqual(w.notices.map((n) => n.type), ['release-started', 'step-started', 'step-started', 'step-started', 'promoted']);
  }));

  it('a worse challenger is rolled back by the accuracy test, and the endpoint serves the spec it had before', () => withWorld(async (w) => {
    const runner = w.runner();
    const started = await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    const r = await drive(w, runner, started, { 'm@1': { accuracy: 0.85, latencyMs: 2 }, 'm@2': { accuracy: 0.6, latencyMs: 2 } });
    assert.equal(r.status, 'rolled-back');
    assert.match(r.reason, /less accurate|worse/);
    const live = await w.parts.workspace.deployments.current('hs');
    assert.deepEqual(live?.spec, r.baseSpec);
    assert.equal(live?.action, 'rollback');
    assert.equal((await w.parts.workspace.listAliases('m')).find((a) => a.alias === 'champion')?.version, 1);
  }));

  it('a challenger slower than the p99 budget is rolled back by the latency guardrail, naming the figures', () => withWorld(async (w) => {
    const runner = w.runner();
    const started = await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    const r = await drive(w, runner, started, { 'm@1': { accuracy: 0.7, latencyMs: 2 }, 'm@2': { accuracy: 0.9, latencyMs: 120 } });
    assert.equal(r.status, 'rolled-back');
    assert.match(r.reason, /took over 50 ms \(p99 120\.00 ms\)/);
  }));

  it('a person always wins: a `deploy rollback` during the canary stops the release, which then changes nothing', () => withWorld(async (w) => {
    const runner = w.runner();
    const started = await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    let meddled = false;
    const r = await drive(w, runner, started, GOOD, {
      between: async (rec) => {
        if (meddled || rec.step !== 1) return;
        meddled = true;
        const { DeploymentControl } = await import('../../../src/lifecycle/deployment-control.js');
        await new DeploymentControl(w.parts.workspace.deployments).rollback('hs', 'ops-bo', 'customer complaint');
      },
    });
    assert.equal(r.status, 'stopped');
    assert.match(r.reason, /rollback by ops-bo: customer complaint/);
    const last = await w.parts.workspace.deployments.current('hs');
    assert.equal(last?.actor, 'ops-bo');
  }));

  it('killed between writing its intent and making the change, a new runner makes the change once; killed after it, it recognises the change', () => withWorld(async (w) => {
    const crash = new Error('simulated kill');
    const started = await w.runner().start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    await assert.rejects(w.runner(() => { throw crash; }).tick(started), /simulated kill/);
    const pending = (await w.parts.releases.get(started.id))!;
    assert.equal(pending.intent?.action, 'step');
    assert.equal((await w.parts.workspace.deployments.current('hs'))?.revision, 1);
    const resumed = (await w.runner().tick(pending)).release;
    assert.equal(resumed.step, 0);
    assert.equal(resumed.intent, null);
    assert.deepEqual(await tags(w), ['deploy step 1']);

    // Now the change lands but the runner "dies" before recording it: the intent stays, the revision exists.
    let landed = false;
    const runner = w.runner(async (intent) => {
      if (landed) return;
      landed = true;
      const { stepDeployment } = await import('../../../src/lifecycle/release/release-plan.js');
      const { DeploymentControl } = await import('../../../src/lifecycle/deployment-control.js');
      const r = (await w.parts.releases.get(started.id))!;
      await new DeploymentControl(w.parts.workspace.deployments).apply(stepDeployment(r.baseSpec, r.challenger, r.plan.steps, intent.toStep), 'canary', 'controller', `${intent.reason} ${intent.tag}`, intent.fromRevision);
      throw crash;
    });
    const after = await drive(w, runner, resumed, GOOD, { maxTicks: 20 }).catch((e: unknown) => e);
    assert.equal(after, crash);
    const stuck = (await w.parts.releases.get(started.id))!;
    assert.equal(stuck.intent?.action, 'step');
    const done = (await w.runner().tick(stuck)).release;
    assert.equal(done.step, 1);
    assert.deepEqual(await tags(w), ['deploy step 1', 'canary step 2']);
  }));

  it('killed after the alias moved and before the promotion landed, then overruled by a person: the alias goes back', () => withWorld(async (w) => {
    const runner = w.runner();
    const started = await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    const r = (await runner.tick(started)).release;
    const tag = `[release ${r.id} promote]`;
    const pending = await w.parts.releases.update(r.id, r.rev, { intent: { action: 'promote', toStep: r.step, fromRevision: r.revision, tag, reason: 'better' } }, null, w.clock.now);
    // What release() did before the kill: the alias half only.
    await w.parts.workspace.setAlias({ name: 'm', alias: 'champion', version: 2, actor: 'controller', reason: `better ${tag}` });
    const { DeploymentControl } = await import('../../../src/lifecycle/deployment-control.js');
    await new DeploymentControl(w.parts.workspace.deployments).rollback('hs', 'ops-bo', 'not now');
    const after = (await w.runner().tick(pending)).release;
    assert.equal(after.status, 'stopped');
    assert.equal((await w.parts.workspace.listAliases('m')).find((a) => a.alias === 'champion')?.version, 1);
  }));

  it('experiment stop restores the spec the release started from, audited as the person', () => withWorld(async (w) => {
    const runner = w.runner();
    const started = await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    await runner.tick(started);
    const stopped = await runner.stop('hs', 'ana', 'not today');
    assert.equal(stopped.status, 'stopped');
    const live = await w.parts.workspace.deployments.current('hs');
    assert.equal(live?.actor, 'ana');
    assert.deepEqual(live?.spec, started.baseSpec);
    await assert.rejects(runner.stop('hs', 'ana', 'again'), /no release in progress/);
  }));

  it('refuses to start a second release on an endpoint, or a challenger that is not pinned, changing nothing', () => withWorld(async (w) => {
    const runner = w.runner();
    await assert.rejects(runner.start({ endpoint: 'hs', challenger: 'm@champion', pipeline: null, plan: TEST_PLAN, reason: 'test' }), /pinned registered version \(name@N\), got m@champion/);
    await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, plan: TEST_PLAN, reason: 'test' });
    await assert.rejects(runner.start({ endpoint: 'hs', challenger: 'm@3', pipeline: null, plan: TEST_PLAN, reason: 'again' }), /already has release 1 in progress/);
    assert.equal((await w.parts.releases.list('hs')).length, 1);
  }));
});
