import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import { assembleRunData } from '../../src/lifecycle/pipeline/assemble-run-data.js';
import { parsePipelines } from '../../src/lifecycle/pipeline/pipeline-parser.js';
import { textSha256 } from '../../src/monitoring/log/text-key.js';
import { withMonitoringStore, withWorkspace } from '../../src/platform/index.js';
import { tempDir } from '../data/temp-dir.js';

test('an assembled run keeps review answers marked as reviewed rows, from the base (an earlier run) and from feedback, through the stored version', async (t) => {
  const tmp = tempDir(t, 'lading-assemble-review-');
  const settings = { home: join(tmp.dir, 'home'), registryUrl: undefined, registrySchema: 'public' };
  // An earlier run's data: row 1 was a review answer.
  const base: DatasetRows = { textColumn: 'text', labelColumns: ['label'], texts: ['cups', 'tv set', 'rice', 'nets'], labels: { label: ['3923', '8528', '1006', '5608'] }, reviewRows: [1] };
  await withWorkspace(settings, (ws) => ws.saveDataset(base, { file: 'earlier.csv', format: 'csv' }));
  const time = Date.parse('2026-12-07T10:00:00Z');
  await withMonitoringStore(settings, (store) => store.addFeedback([
    ['shrimp', '0306', 'review:ana'], ['RICE', '1006', 'broker'], ['hooks', '9507', 'review:ana'],
  ].map(([text, label, source]) => ({
    endpoint: 'hs4', time, receivedAt: time, label: label!, source: source!, requestId: null, position: null, text: text!, textSha256: textSha256(text!), prediction: null, newClass: false,
  }))));
  const [spec] = parsePipelines({ hs4: { data: { dataset: 'earlier' }, train: ['linear'], gates: { feedbackHoldout: 0 } } }, { baseDir: tmp.dir });
  const run = await withWorkspace(settings, (datasets) => withMonitoringStore(settings, (feedback) =>
    assembleRunData({ spec: spec!, runId: 'run-1', datasets, feedback, now: time })));
  // 'rice' is superseded by the broker's feedback; the base's reviewed 'tv set' and both review answers stay marked.
  assert.deepEqual(run.rows.texts, ['cups', 'tv set', 'nets', 'shrimp', 'RICE', 'hooks']);
  assert.deepEqual(run.rows.reviewRows, [1, 3, 5]);
  assert.deepEqual(await withWorkspace(settings, (ws) => ws.loadDatasetRows(run.dataset.id)), run.rows);
});
