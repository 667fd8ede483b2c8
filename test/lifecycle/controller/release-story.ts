import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReleaseRecord } from '../../../src/lifecycle/release/release-record.js';
import type { ReleaseWorld } from '../release/release-fixture.js';
import { seeded, simulateTraffic, type SimulatedModel } from '../release/release-traffic.js';
import { isFinal } from '../../../src/lifecycle/release/release-record.js';

/** The challenger m@2 is clearly better than m@1; after promotion the endpoint serves it through the alias. */
export const BETTER_CHALLENGER: Readonly<Record<string, SimulatedModel>> = {
  'm@1': { accuracy: 0.7, latencyMs: 2 }, 'm@2': { accuracy: 0.9, latencyMs: 2 }, 'm@champion': { accuracy: 0.9, latencyMs: 2 },
};

/** Polls release `id` until `done` holds; returns it then, or as it is after `timeoutMs` (for the caller's assertion to name). */
export async function waitForRelease(w: ReleaseWorld, id: number, done: (r: ReleaseRecord) => boolean, timeoutMs: number): Promise<ReleaseRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await w.parts.releases.get(id))!;
    if (done(r) || Date.now() > deadline) return r;
    await sleep(50);
  }
}

/**
 * What must be true after release `id` of m@2 on hs (the test plan: shadow, two canaries) was
 * promoted, however often its controllers died: the only release, promoted, no intent pending; the
 * alias moved once, by the controller; one tagged revision per step and one promotion, consecutive,
 * nobody else's; the endpoint follows the alias; the release's story matches the revisions one to one.
 */
export async function assertPromotedOnce(w: ReleaseWorld, id: number, baseRevision: number): Promise<void> {
  // Exactly one promotion, and the alias moved once, by the controller.
  const releases = await w.parts.releases.list();
  assert.deepEqual(releases.map((r) => [r.id, r.status]), [[id, 'promoted']]);
  assert.ok(releases.every((r) => r.intent === null), 'a release was left with a pending intent');
  const ws = w.parts.workspace;
  assert.equal((await ws.listAliases('m')).find((a) => a.alias === 'champion')?.version, 2);
  const moves = (await ws.auditLog({ model: 'm' })).filter((a) => a.actor === 'controller');
  assert.equal(moves.length, 1, JSON.stringify(moves));
  assert.equal(moves[0]?.alias, 'champion');

  // One revision per step and one promotion, in order, consecutive, each tagged once, nobody else's.
  const history = (await ws.deployments.history('hs')).filter((h) => h.revision > baseRevision);
  assert.deepEqual(history.map((h) => [h.revision, h.actor, h.action, /\[release \d+ [^\]]+\]/.exec(h.reason ?? '')?.[0]]), [
    [baseRevision + 1, 'controller', 'deploy', `[release ${id} step 1]`],
    [baseRevision + 2, 'controller', 'canary', `[release ${id} step 2]`],
    [baseRevision + 3, 'controller', 'canary', `[release ${id} step 3]`],
    [baseRevision + 4, 'controller', 'promote', `[release ${id} promote]`],
  ]);
  const live = await ws.deployments.current('hs');
  assert.deepEqual(live?.spec?.variants.map((v) => [v.model, v.role]), [['m@champion', 'primary']]);

  // The release's story matches the deployment revisions one to one.
  const story = (await w.parts.releases.get(id))!.events;
  assert.match(story[0]?.what ?? '', /^release of m@2 against m@1 on hs created/);
  assert.deepEqual(story.slice(1).map((e) => [e.revision, e.what.replace(/[:(].*$/s, '').trim()]), [
    [baseRevision + 1, 'step 1'], [baseRevision + 2, 'step 2'], [baseRevision + 3, 'step 3'], [baseRevision + 4, 'promoted m@2'],
  ]);
  assert.equal((await w.parts.releases.get(id))!.revision, baseRevision + 4);
}

/**
 * What the servers would log while the release runs: every 100 ms a batch of answers, all
 * labelled, under whatever deployment is live at that moment (read after taking the timestamp, so
 * a batch never counts as evidence for a step whose deployment it was not answered under). Paused
 * while no controller is up, so the release moves while one acts, at moments no test chose.
 */
export function feedTraffic(w: ReleaseWorld, releaseId: number): { on: boolean; stop(): Promise<number> } {
  const random = seeded(17);
  let stopped = false;
  let batches = 0;
  const feed = { on: false, async stop() { stopped = true; await loop; return batches; } };
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      const live = await w.parts.workspace.deployments.current('hs');
      const r = await w.parts.releases.get(releaseId);
      if (r === undefined || isFinal(r.status)) break;
      if (feed.on && live?.spec) await simulateTraffic(w.parts.monitoring, live.spec, BETTER_CHALLENGER, { at, requests: 60, labelled: 60, random, idPrefix: `b${batches++}` });
      await sleep(100);
    }
  })();
  return feed;
}

