import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StoredPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import { openMonitoringStore } from '../../../src/platform/index.js';
import { startServeChild } from '../../helpers/serve-child.js';
import { trainFixtureModels } from '../../serving/fixtures.js';
import { classify } from '../serving-fixture.js';

const fx = await trainFixtureModels();
const TEXTS = ['500 CTNS PLASTIC CUPS', 'LED TV 32 INCH', 'frozen shrimp 10kg'];

async function allRows(path: string): Promise<StoredPrediction[]> {
  const store = await openMonitoringStore({ kind: 'sqlite', path });
  try {
    const rows: StoredPrediction[] = [];
    for await (const page of store.scanPredictions({ endpoint: 'hs' }, 500)) rows.push(...page);
    return rows;
  } finally {
    await store.close();
  }
}

test('SIGTERM of a real `lading serve` loses no logged answer', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-sigterm-'));
  // A long flush interval: only the orderly shutdown can have written these rows.
  const s = await startServeChild(home, ['--model', fx.a, '--name', 'hs', '--log-flush-ms', '60000']);
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const round = await Promise.all(Array.from({ length: 5 }, (_, k) => classify(s.url, TEXTS, `term-${i}-${k}`)));
    for (const r of round) { assert.equal(r.status, 200); ids.push(r.body['requestId']); }
  }
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0, s.stderr());
  const rows = await allRows(join(home, 'monitoring.sqlite'));
  assert.equal(rows.length, 150);
  assert.deepEqual(new Set(rows.map((r) => r.requestId)), new Set(ids));
});

test('SIGKILL during flushes leaves a readable log holding whole batches', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-sigkill-'));
  const s = await startServeChild(home, ['--model', fx.a, '--name', 'hs', '--log-flush-ms', '10']);
  let stop = false;
  let answered = 0;
  const loop = async (n: number) => {
    for (let i = 0; !stop; i++) {
      const r = await classify(s.url, TEXTS, `kill-${n}-${i}`).catch(() => undefined);
      if (r?.status === 200) answered++;
    }
  };
  const loops = Array.from({ length: 6 }, (_, n) => loop(n));
  await new Promise((r) => setTimeout(r, 800));
  // The writer thread runs at nice 19: on a loaded machine it may not have committed a batch yet.
  // Kill once one is in, so the kill lands among flushes, not before the first.
  const segments = () => {
    const db = new Database(join(home, 'monitoring.sqlite'), { readonly: true, fileMustExist: true });
    try { return (db.prepare('SELECT COUNT(*) AS n FROM mon_segments').get() as { n: number }).n; } finally { db.close(); }
  };
  for (const started = Date.now(); segments() === 0 && Date.now() - started < 20_000;) await new Promise((r) => setTimeout(r, 50));
  s.child.kill('SIGKILL');
  await s.exited;
  stop = true;
  await Promise.all(loops);
  const rows = await allRows(join(home, 'monitoring.sqlite'));
  assert.ok(rows.length > 0 && answered > 0, `rows ${rows.length}, answered ${answered}`);
  const byRequest = new Map<string, number[]>();
  for (const r of rows) byRequest.set(r.requestId, [...(byRequest.get(r.requestId) ?? []), r.position]);
  for (const [id, positions] of byRequest) assert.deepEqual(positions.sort(), [0, 1, 2], `request ${id} is whole`);
  assert.ok(rows.length <= answered * 3);
  // What a SIGKILL may lose: the answers of the last flush interval (10 ms here) and the batch being written.
  console.log(`# SIGKILL: ${answered} requests answered (${answered * 3} texts), ${rows.length} rows logged`);
});

test('lading serve --no-log-text logs hashes only; --no-log logs nothing and mounts no feedback route', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-flags-'));
  const hashed = await startServeChild(home, ['--model', fx.a, '--name', 'hs', '--no-log-text']);
  assert.equal((await classify(hashed.url, ['CONFIDENTIAL widget'], 'flag-1')).status, 200);
  hashed.child.kill('SIGTERM');
  assert.equal(await hashed.exited, 0, hashed.stderr());
  const rows = await allRows(join(home, 'monitoring.sqlite'));
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.text, null);

  const off = await startServeChild(home, ['--model', fx.a, '--name', 'hs', '--no-log']);
  assert.equal((await classify(off.url, ['another one'], 'flag-2')).status, 200);
  const fb = await fetch(`${off.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items":[]}' });
  assert.equal(fb.status, 404);
  off.child.kill('SIGTERM');
  assert.equal(await off.exited, 0, off.stderr());
  assert.equal((await allRows(join(home, 'monitoring.sqlite'))).length, 1, 'nothing more was logged');
});

test('the log and review writer threads run at the lowest priority (nice 19) so they only take CPU serving leaves idle; the server\'s own threads keep theirs', { skip: process.platform !== 'linux' ? 'thread priorities are read from /proc' : false }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lading-nice-'));
  const s = await startServeChild(home, ['--model', fx.a, '--name', 'hs']);
  try {
    const pid = s.child.pid!;
    // Field 19 of /proc/PID/task/TID/stat is the nice value (after the command in parentheses).
    const niceOf = (tid: string) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16]);
    const tasks = readdirSync(`/proc/${pid}/task`);
    const nices = tasks.map(niceOf);
    assert.equal(niceOf(String(pid)), 0, 'the HTTP thread is untouched');
    assert.equal(nices.filter((n) => n === 19).length, 2, `two background threads at nice 19 (the log writer and the review queue's writer): ${nices.join(',')}`);
    assert.ok(nices.filter((n) => n === 0).length >= 2, 'the serving thread and the rest keep nice 0');
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});
