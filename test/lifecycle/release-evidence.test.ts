import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatherEvidence } from '../../src/lifecycle/release/release-evidence.js';
import { challengerVariantName, championVariant } from '../../src/lifecycle/release/release-plan.js';
import { acceptFeedback } from '../../src/monitoring/feedback/accept-feedback.js';
import { prediction } from '../monitoring/store/fixtures.js';
import type { ReleaseRecord } from '../../src/lifecycle/release/release-record.js';
import { releaseWorld } from './release/release-fixture.js';
import { seeded, simulateTraffic } from './release/release-traffic.js';

describe('release evidence: latency of a step', () => {
  it('a canary step counts only the challenger\'s answers as a primary, not shadow answers of a server still on the shadow deployment', async () => {
    const w = await releaseWorld();
    try {
      const runner = w.runner();
      const random = seeded(3);
      const models = { 'm@1': { accuracy: 0.8, latencyMs: 2 }, 'm@2': { accuracy: 0.8, latencyMs: 2 } };
      let r: ReleaseRecord = await runner.start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, reason: 'test',
        plan: { steps: [{ kind: 'shadow', requests: 50, minAgreement: 0.1 }, { kind: 'canary', percent: 50 }], requireApproval: false, alpha: 0.05, minEffect: 0.05, maxLabels: 20_000,
          guardrails: { errorRate: 0.01, p99Ms: 50, drift: false, accuracy: true } } });
      r = (await runner.tick(r)).release;
      assert.equal(r.step, 0, r.reason);
      const shadowSpec = (await w.parts.workspace.deployments.current('hs'))!.spec!;
      w.clock.now += 1_000;
      await simulateTraffic(w.parts.monitoring, shadowSpec, models, { at: w.clock.now, requests: 100, labelled: 0, random, idPrefix: 'shadow' });
      w.clock.now += 1_000;
      r = (await runner.tick(r)).release;
      assert.equal(r.step, 1, `the release should be in its canary step: ${r.reason}`);
      const canarySpec = (await w.parts.workspace.deployments.current('hs'))!.spec!;
      w.clock.now += 1_000;
      // A server that has not yet seen the canary deployment still mirrors every text to the
      // challenger as a shadow, slowly (shadow calls run after the answer, off the request path).
      await simulateTraffic(w.parts.monitoring, shadowSpec, { 'm@1': models['m@1'], 'm@2': { accuracy: 0.8, latencyMs: 120 } },
        { at: w.clock.now, requests: 100, labelled: 0, random, idPrefix: 'stale' });
      await simulateTraffic(w.parts.monitoring, canarySpec, models, { at: w.clock.now, requests: 200, labelled: 0, random, idPrefix: 'canary' });
      w.clock.now += 1_000;
      const e = await gatherEvidence(w.parts.monitoring, r, 50, w.clock.now);
      assert.equal(e.challenger.slow, 0, `slow answers counted: ${JSON.stringify(e.challenger)}`);
      assert.ok(e.challenger.requests > 50 && e.challenger.requests < 150, `the challenger's canary answers only (about 100 of 200): ${JSON.stringify(e.challenger)}`);
      assert.equal(e.challenger.requests + e.champion.requests, 300, `the champion's primary answers of both servers and the challenger's canary ones: ${JSON.stringify(e)}`);
    } finally {
      await w.close();
    }
  });
});

describe('release evidence under a taxonomy remap', () => {
  it('compares what each variant answered in the active taxonomy: a champion remapped from HS 2017 and a challenger trained on HS 2022 agree', async () => {
    const w = await releaseWorld();
    try {
      const r = await w.runner().start({ endpoint: 'hs', challenger: 'm@2', pipeline: null, reason: 'test',
        plan: { steps: [{ kind: 'shadow', requests: 50, minAgreement: 0.1 }], requireApproval: false, alpha: 0.05, minEffect: 0.05, maxLabels: 20_000,
          guardrails: { errorRate: 0.01, p99Ms: 50, drift: false, accuracy: true } } });
      const champion = championVariant(r.baseSpec).name;
      const challenger = challengerVariantName(r.baseSpec);
      w.clock.now += 1_000;
      const at = w.clock.now;
      // The champion's model says 040310 (HS 2017), which went back as 040320; the challenger says 040320 itself.
      const rows = [0, 1, 2].flatMap((i) => [
        prediction(i, { requestId: `t-${i}`, at, endpoint: 'hs', variant: champion, role: 'primary', label: '040310', answered: '040320' }),
        prediction(i, { requestId: `t-${i}`, at, endpoint: 'hs', variant: challenger, role: 'shadow', label: '040320', answered: '040320' }),
      ]);
      await w.parts.monitoring.appendPredictions(rows);
      await acceptFeedback([0, 1, 2].map((i) => ({ requestId: `t-${i}`, label: '040320' })), { store: w.parts.monitoring, defaultSource: 'broker', now: at });
      const e = await gatherEvidence(w.parts.monitoring, r, 50, at + 1);
      assert.deepEqual([e.compared, e.agreed], [3, 3]);
      assert.deepEqual(e.labels.paired, { n: 3, bothRight: 3, championOnly: 0, challengerOnly: 0 });
      assert.deepEqual(e.labels.champion, { n: 3, right: 3 });
    } finally {
      await w.close();
    }
  });
});
