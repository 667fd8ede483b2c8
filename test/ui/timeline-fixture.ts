import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { decodeProfile, encodeProfile } from '../../src/monitoring/profile/profile-codec.js';
import { buildMonitorReport } from '../../src/monitoring/report/monitor-report.js';
import type { MonitoringStore } from '../../src/monitoring/store/monitoring-store.js';
import { openMonitoringStore } from '../../src/platform/index.js';
import type { MonitoringStoreSpec } from '../../src/platform/monitoring-store.js';
import type { TimelineWindow } from '../../src/server/routes/ui-backend.js';
import { syntheticProfile } from '../monitoring/drift/synthetic-traffic.js';
import { prediction, rows } from '../monitoring/store/fixtures.js';

/** What the monitoring timeline's tests share: a seeded monitoring store, and the report each window must equal. */

export const T0 = 1_700_000_000_000; // the fixture rows' first time; row i is at T0 + i s

export async function withStore(work: (store: MonitoringStore, path: string, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lading-ui-timeline-'));
  const path = join(dir, 'monitoring.sqlite');
  const store = await openMonitoringStore({ kind: 'sqlite', path });
  try {
    await work(store, path, dir);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh monitoring store on SQLite, or PostgreSQL (a schema of its own, dropped after) when `pgUrl` is given; `spec` opens it again. */
export async function withStoreOn(pgUrl: string | undefined, work: (store: MonitoringStore, spec: MonitoringStoreSpec, dir: string) => Promise<void>): Promise<void> {
  if (pgUrl === undefined) return withStore((store, path, dir) => work(store, { kind: 'sqlite', path }, dir));
  const spec = { kind: 'postgres', url: pgUrl, schema: `ui_tl_${randomBytes(5).toString('hex')}` } as const;
  const dir = mkdtempSync(join(tmpdir(), 'lading-ui-timeline-'));
  const store = await openMonitoringStore(spec);
  try {
    await work(store, spec, dir);
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${spec.schema} CASCADE`).finally(() => client.end());
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 600 rows over 10 minutes, two variants, a reference profile for one, labels for every 4th row (a third of them wrong). */
export async function seed(store: MonitoringStore): Promise<void> {
  await store.saveProfile('a'.repeat(64), encodeProfile(syntheticProfile(7)), { model: 'hs-model', version: '3' });
  await store.appendPredictions(rows(600, (i) => (i % 5 === 4 ? { variant: 'b', version: '4', modelSha256: 'b'.repeat(64) } : {})));
  await store.addFeedback(Array.from({ length: 150 }, (_, k) => {
    const i = k * 4;
    const p = prediction(i, i % 5 === 4 ? { variant: 'b', version: '4', modelSha256: 'b'.repeat(64) } : {});
    return {
      endpoint: 'hs', time: p.at + 30_000, receivedAt: p.at + 30_000, label: k % 3 ? p.label : 'other', source: 'test', requestId: p.requestId, position: 0,
      text: p.text, textSha256: p.textSha256, newClass: false,
      prediction: { seq: i + 1, variant: p.variant, model: p.model, version: p.version, modelSha256: p.modelSha256, label: p.label, score: p.score, at: p.at },
    };
  }));
}

/** Asserts each window's figures are those of the monitor report over its time range; returns how many drift tests it saw. */
export async function assertFiguresOfReport(store: MonitoringStore, windows: readonly TimelineWindow[]): Promise<number> {
  const profile = async (sha: string) => { const json = await store.getProfile(sha); return json === undefined ? undefined : decodeProfile(json); };
  let drifted = 0;
  for (const w of windows) {
    const report = await buildMonitorReport(store, 'hs', { since: w.since, until: w.until }, profile);
    assert.deepEqual(w.variants.map((v) => v.variant), report.variants.map((v) => v.variant));
    for (const v of w.variants) {
      const r = report.variants.find((x) => x.variant === v.variant)!;
      const real = report.realAccuracy.byModel.find((m) => m.variant === v.variant && m.version === v.version);
      assert.equal(v.predictions, r.predictions);
      assert.equal(v.estimatedAccuracy, r.estimatedAccuracy?.estimated ?? null);
      assert.deepEqual(v.drift, (r.drift?.tests ?? []).map((t) => ({ name: t.name, value: t.value, threshold: t.threshold, drift: t.drift })));
      assert.deepEqual(v.separatingTokens, (r.drift?.separatingTokens.current ?? []).slice(0, 10).map((t) => t.token));
      assert.deepEqual([v.realAccuracy, v.labelled], [real?.accuracy ?? null, real?.labelled ?? 0]);
      drifted += v.drift.length;
    }
  }
  return drifted;
}
