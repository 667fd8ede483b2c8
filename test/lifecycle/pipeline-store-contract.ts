import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, NotFoundError } from '../../src/core/errors.js';
import type { PipelineStore } from '../../src/lifecycle/pipeline/pipeline-store.js';

/**
 * The pipeline store contract, run against every adapter. `open` returns a fresh, empty store
 * each call (`cleanup`, optional, runs after it is closed); `openTwin` (optional) a second connection to the same one, for the cross-connection
 * guarantee (one running run per pipeline). Pipeline names carry a random suffix.
 */
export function pipelineStoreContract(label: string, open: () => Promise<{ store: PipelineStore; openTwin?: () => Promise<PipelineStore>; cleanup?: () => Promise<void> }>): void {
  const owner = { host: 'test-host', pid: 4242 };
  const T0 = Date.parse('2026-12-05T09:00:00Z');

  test(`${label}: a pipeline is known from its first mention, unpaused; pause and resume record who and why`, async (t) => {
    const { store, cleanup } = await open();
    t.after(async () => { await store.close(); await cleanup?.(); });
    const first = await store.state('hs4', T0);
    assert.deepEqual(first, { pipeline: 'hs4', since: T0, paused: false, pausedBy: null, pausedAt: null, pauseReason: null, lastRun: null, activeRunId: null });
    assert.equal((await store.state('hs4', T0 + 999)).since, T0, 'since is the first mention');
    const paused = await store.setPaused('hs4', true, { by: 'ana', reason: 'label audit', now: T0 + 10 });
    assert.deepEqual([paused.paused, paused.pausedBy, paused.pausedAt, paused.pauseReason], [true, 'ana', T0 + 10, 'label audit']);
    const resumed = await store.setPaused('hs4', false, { by: 'bo', now: T0 + 20 });
    assert.deepEqual([resumed.paused, resumed.pausedBy, resumed.pauseReason], [false, 'bo', null]);
    await store.setPaused('grocery', true, { by: 'ana', now: T0 + 30 });
    assert.deepEqual((await store.listStates()).map((s) => [s.pipeline, s.paused]), [['grocery', true], ['hs4', false]]);
  });

  test(`${label}: one run at a time per pipeline; progress, finish and the watermark`, async (t) => {
    const { store, openTwin, cleanup } = await open();
    t.after(async () => { await store.close(); await cleanup?.(); });
    const run = await store.startRun({ pipeline: 'hs4', trigger: 'new-labels', actor: 'controller', owner, now: T0 });
    assert.match(run.id, /^run-20261205T090000000Z-[0-9a-f]{6}$/);
    assert.deepEqual({ ...run, id: undefined }, {
      id: undefined, pipeline: 'hs4', trigger: 'new-labels', actor: 'controller', startedAt: T0, finishedAt: null, status: 'running', steps: [],
      dataset: null, holdout: null, candidate: null, error: null, owner, heartbeatAt: T0,
    });
    assert.equal((await store.state('hs4', T0)).activeRunId, run.id);
    await assert.rejects(store.startRun({ pipeline: 'hs4', trigger: 'manual', actor: 'ana', owner, now: T0 + 1 }), (e: unknown) => e instanceof ConflictError && e.code === 'pipeline-running');
    if (openTwin) {
      const twin = await openTwin();
      await assert.rejects(twin.startRun({ pipeline: 'hs4', trigger: 'manual', actor: 'ana', owner, now: T0 + 1 }), ConflictError, 'a second connection is refused too');
      await twin.close();
    }
    const other = await store.startRun({ pipeline: 'grocery', trigger: 'manual', actor: 'ana', owner, now: T0 + 2 });
    assert.equal(other.status, 'running', 'another pipeline runs beside it');

    const steps = [{ name: 'data', startedAt: T0, finishedAt: T0 + 500, detail: '300 rows' }, { name: 'train:linear', startedAt: T0 + 500, finishedAt: null, detail: null }];
    await store.recordProgress(run.id, { now: T0 + 600, steps, dataset: 'ds-0123', holdout: 'ds-4567' });
    await store.recordProgress(run.id, { now: T0 + 700, candidate: 'hs4@3' });
    const mid = await store.getRun(run.id);
    assert.deepEqual([mid.steps, mid.dataset, mid.holdout, mid.candidate, mid.heartbeatAt], [steps, 'ds-0123', 'ds-4567', 'hs4@3', T0 + 700], 'a later progress keeps what an earlier one recorded');

    const done = await store.finishRun(run.id, { status: 'succeeded', now: T0 + 900, watermark: { feedbackId: 77, feedbackCount: 60 } });
    assert.deepEqual([done.status, done.finishedAt, done.error], ['succeeded', T0 + 900, null]);
    const state = await store.state('hs4', T0 + 1000);
    assert.deepEqual(state.lastRun, { runId: run.id, time: T0, feedbackId: 77, feedbackCount: 60 });
    assert.equal(state.activeRunId, null);
    await assert.rejects(store.finishRun(run.id, { status: 'failed', now: T0 + 1000 }), ConflictError, 'a run ends once');
    await store.recordProgress(run.id, { now: T0 + 5000, candidate: 'hs4@9' });
    assert.equal((await store.getRun(run.id)).candidate, 'hs4@3', 'an ended run no longer changes');

    const gated = await store.startRun({ pipeline: 'hs4', trigger: 'cron', actor: 'controller', owner, now: T0 + 2000 });
    await store.finishRun(gated.id, { status: 'gated', now: T0 + 3000, error: 'gated: accuracy worse' });
    assert.deepEqual((await store.state('hs4', T0)).lastRun, { runId: gated.id, time: T0 + 2000, feedbackId: 77, feedbackCount: 60 }, 'no watermark given: the feedback part stays');
    assert.deepEqual((await store.listRuns('hs4')).map((r) => [r.id, r.status]), [[gated.id, 'gated'], [run.id, 'succeeded']]);
    assert.equal((await store.listRuns('hs4', 1)).length, 1);
    await assert.rejects(store.getRun('run-nope'), NotFoundError);
  });

  test(`${label}: reaping ends the runs whose owner is gone as failed (interrupted), and only those`, async (t) => {
    const { store, cleanup } = await open();
    t.after(async () => { await store.close(); await cleanup?.(); });
    const dead = await store.startRun({ pipeline: 'hs4', trigger: 'drift', actor: 'controller', owner: { host: 'h', pid: 1 }, now: T0 });
    const alive = await store.startRun({ pipeline: 'grocery', trigger: 'manual', actor: 'ana', owner: { host: 'h', pid: 2 }, now: T0 });
    const reaped = await store.reapRuns((r) => r.owner.pid === 1, T0 + 100);
    assert.deepEqual(reaped.map((r) => [r.id, r.status]), [[dead.id, 'failed']]);
    assert.match(reaped[0]!.error!, /^interrupted: its process \(pid 1 on h\) stopped/);
    assert.equal((await store.getRun(alive.id)).status, 'running');
    assert.equal((await store.state('hs4', T0)).lastRun?.runId, dead.id, 'a reaped run counts as the last run, so its trigger does not re-fire at once');
    const again = await store.startRun({ pipeline: 'hs4', trigger: 'manual', actor: 'ana', owner, now: T0 + 200 });
    assert.equal(again.status, 'running', 'the pipeline can run again');
  });
}
