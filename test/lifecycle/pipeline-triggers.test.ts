import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePipelines } from '../../src/lifecycle/pipeline/pipeline-parser.js';
import type { PipelineSpec } from '../../src/lifecycle/pipeline/pipeline-spec.js';
import type { PipelineState } from '../../src/lifecycle/pipeline/pipeline-store.js';
import { dueTrigger, nextScheduledRun } from '../../src/lifecycle/pipeline/triggers.js';

const at = (iso: string) => Date.parse(iso);

function spec(triggers: Record<string, unknown>): PipelineSpec {
  return parsePipelines({ hs4: { data: { dataset: 'hs4-train' }, triggers } })[0]!;
}

function state(over: Partial<PipelineState> = {}): PipelineState {
  return {
    pipeline: 'hs4', since: at('2026-12-01T00:00:00Z'), paused: false, pausedBy: null, pausedAt: null, pauseReason: null,
    lastRun: { runId: 'run-1', time: at('2026-12-04T03:00:05Z'), feedbackId: 40, feedbackCount: 40 }, activeRunId: null, ...over,
  };
}

const none = { newLabelsSinceLastRun: 0, driftAlertFiredSince: false };

test('cron: due once the first scheduled time after the last run has come, not before', () => {
  const daily = spec({ cron: '0 3 * * *' });
  assert.equal(dueTrigger(daily, state(), at('2026-12-05T02:59:59Z'), none), null);
  assert.equal(dueTrigger(daily, state(), at('2026-12-05T03:00:00Z'), none), 'cron');
  assert.equal(dueTrigger(daily, state(), at('2026-12-09T12:00:00Z'), none), 'cron', 'missed days: one run, not one per day');
  const ranToday = state({ lastRun: { runId: 'run-2', time: at('2026-12-05T03:00:01Z'), feedbackId: 40, feedbackCount: 40 } });
  assert.equal(dueTrigger(daily, ranToday, at('2026-12-05T23:59:00Z'), none), null, 'the run at 03:00 today covers today');
  assert.equal(nextScheduledRun(daily, ranToday), at('2026-12-06T03:00:00Z'));
});

test('cron before any run counts from when the pipeline was first seen; six fields mean seconds', () => {
  const fresh = state({ lastRun: null, since: at('2026-12-05T10:00:00Z') });
  assert.equal(dueTrigger(spec({ cron: '0 3 * * *' }), fresh, at('2026-12-05T12:00:00Z'), none), null);
  assert.equal(dueTrigger(spec({ cron: '0 3 * * *' }), fresh, at('2026-12-06T03:00:00Z'), none), 'cron');
  assert.equal(dueTrigger(spec({ cron: '*/30 * * * * *' }), fresh, at('2026-12-05T10:00:29Z'), none), null);
  assert.equal(dueTrigger(spec({ cron: '*/30 * * * * *' }), fresh, at('2026-12-05T10:00:30Z'), none), 'cron');
});

test('new labels: due at the threshold, counting only labels after the watermark the caller read', () => {
  const s = spec({ newLabels: 500 });
  assert.equal(dueTrigger(s, state(), at('2026-12-05T12:00:00Z'), { newLabelsSinceLastRun: 499 }), null);
  assert.equal(dueTrigger(s, state(), at('2026-12-05T12:00:00Z'), { newLabelsSinceLastRun: 500 }), 'new-labels');
  assert.equal(dueTrigger(spec({}), state(), at('2026-12-05T12:00:00Z'), { newLabelsSinceLastRun: 10_000 }), null, 'no newLabels trigger declared');
});

test('drift: only when the pipeline asks for it; it is named before new labels and the schedule', () => {
  const all = spec({ cron: '0 3 * * *', drift: true, newLabels: 10 });
  const late = at('2026-12-06T04:00:00Z');
  assert.equal(dueTrigger(all, state(), late, { newLabelsSinceLastRun: 50, driftAlertFiredSince: true }), 'drift');
  assert.equal(dueTrigger(all, state(), late, { newLabelsSinceLastRun: 50, driftAlertFiredSince: false }), 'new-labels');
  assert.equal(dueTrigger(all, state(), late, { newLabelsSinceLastRun: 5 }), 'cron');
  assert.equal(dueTrigger(spec({ drift: false }), state(), late, { newLabelsSinceLastRun: 0, driftAlertFiredSince: true }), null);
});

test('a paused pipeline, or one with a run in progress, is never due', () => {
  const s = spec({ cron: '* * * * *', drift: true, newLabels: 1 });
  const facts = { newLabelsSinceLastRun: 100, driftAlertFiredSince: true };
  const now = at('2026-12-06T04:00:00Z');
  assert.equal(dueTrigger(s, state(), now, facts), 'drift');
  assert.equal(dueTrigger(s, state({ paused: true }), now, facts), null);
  assert.equal(dueTrigger(s, state({ activeRunId: 'run-x' }), now, facts), null);
  assert.equal(nextScheduledRun(spec({}), state()), null);
});
