import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { BLOCK_TUPLES, Bloom, FANOUT, KeyRuns, levelOf, newestFirst, TEXT_KEYS, type KeyKind } from '../../../src/monitoring/store/sqlite/key-runs.js';
import { CATCH_UP_ROWS } from '../../../src/monitoring/store/sqlite/prediction-log.js';
import { openMonitoringDatabase } from '../../../src/monitoring/store/sqlite/connection.js';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { prediction } from './fixtures.js';

type Tuple = readonly [key: number, at: number, seq: number];

/** Deterministic pseudo-random (runs compare). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 0x100000000; };
}

/** What a lookup must see: the key's tuples at or before (at, seq), newest first. */
function oracle(all: readonly Tuple[], key: number, at: number, seq: number): number[] {
  return all.filter((t) => t[0] === key && (t[1] < at || (t[1] === at && t[2] <= seq)))
    .sort((a, b) => b[1] - a[1] || b[2] - a[2]).map((t) => t[2]);
}

function seen(runs: KeyRuns, kind: KeyKind, key: number, at: number, seq: number): number[] {
  const out: number[] = [];
  newestFirst([], runs.sources(kind, key, at, seq), (s) => { out.push(s); return false; });
  return out;
}

function withDb(name: string, body: (db: Database.Database) => void): void {
  const dir = mkdtempSync(join(tmpdir(), `lading-key-runs-${name}-`));
  const db = openMonitoringDatabase(join(dir, 'monitoring.sqlite'));
  try {
    body(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('key runs: every tuple of a key comes back newest first under any bound, across runs and blocks, before and after merges', () => {
  withDb('oracle', (db) => {
    const runs = new KeyRuns(db);
    const rand = lcg(7);
    const all: Tuple[] = [];
    let seq = 1;
    // One hot key spread over every run (more tuples than a block holds), a few warm ones, many cold.
    const keys = [2 ** 52 - 1, 5, 2 ** 40 + 3, ...Array.from({ length: 300 }, () => Math.floor(rand() * 2 ** 52))];
    for (let r = 0; r < FANOUT + 3; r++) {
      const flat: number[] = [];
      const n = 200 + Math.floor(rand() * 300);
      for (let i = 0; i < n; i++) {
        const key = i % 2 === 0 ? keys[0]! : keys[Math.floor(rand() * keys.length)]!;
        const t: Tuple = [key, 1_700_000_000_000 + Math.floor(rand() * 1000), seq++];
        all.push(t);
        flat.push(...t);
      }
      db.transaction(() => runs.write(TEXT_KEYS, flat))();
    }
    const check = (label: string) => {
      for (const key of keys.slice(0, 40)) {
        for (const [at, s] of [[Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], [1_700_000_000_500, Number.MAX_SAFE_INTEGER], [1_700_000_000_500, 900]]) {
          assert.deepEqual(seen(runs, TEXT_KEYS, key, at!, s!), oracle(all, key, at!, s!), `${label}: key ${key} at or before (${at}, ${s})`);
        }
      }
    };
    assert.ok(oracle(all, keys[0]!, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).length > 2 * BLOCK_TUPLES, 'the hot key spans blocks');
    check('before merging');
    // A key no run holds reads (almost) no block: each run's filter rules it out.
    const reads = runs.blockReads;
    for (let i = 0; i < 200; i++) assert.deepEqual(seen(runs, TEXT_KEYS, 2 ** 51 + i * 7919, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), []);
    assert.ok(runs.blockReads - reads <= 0.05 * 200 * (FANOUT + 3), `blocks read for 200 absent keys over ${FANOUT + 3} runs: ${runs.blockReads - reads}`);
    const before = runs.tuples(TEXT_KEYS);
    db.transaction(() => runs.compact(TEXT_KEYS, 0))();
    const left = (db.prepare('SELECT COUNT(*) AS n FROM mon_key_runs').get() as { n: number }).n;
    assert.ok(left < FANOUT, `FANOUT level-0 runs merged into one (${left} runs left)`);
    assert.equal(runs.tuples(TEXT_KEYS), before, 'a merge keeps every tuple');
    check('after merging');
    // Rows before seq 1000 pruned: a merge leaves their tuples out, and runs wholly before it go.
    // (FANOUT - 1 more runs of the merged run's level, so that the next merge takes it in.)
    const more = 2049;
    for (let r = 0; r < FANOUT - 1; r++) {
      db.transaction(() => runs.write(TEXT_KEYS, Array.from({ length: more }, () => [keys[1]!, 1_700_000_000_999, seq++]).flat()))();
    }
    db.transaction(() => runs.compact(TEXT_KEYS, 1000))();
    const kept = all.filter((t) => t[2] >= 1000);
    assert.equal(runs.tuples(TEXT_KEYS) - (FANOUT - 1) * more, kept.length, 'tuples of pruned rows left out of the merge');
    assert.deepEqual(seen(runs, TEXT_KEYS, keys[0]!, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), oracle(kept, keys[0]!, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    db.transaction(() => runs.dropBelow(seq))();
    assert.equal(runs.tuples(TEXT_KEYS), 0, 'runs wholly before the oldest kept row are dropped');
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM mon_key_blocks').get() as { n: number }).n, 0, 'with their blocks');
  });
});

test('a run\'s Bloom filter never rules out a key it holds, and rules out about 99% of the others', () => {
  const rand = lcg(11);
  const held = Array.from({ length: 20_000 }, () => Math.floor(rand() * 2 ** 52));
  const bloom = Bloom.sized(held.length);
  for (const k of held) bloom.add(k);
  const stored = Bloom.of(bloom.bytes());
  for (const k of held) assert.ok(stored.mayHold(k), `held key ${k}`);
  let false_ = 0;
  for (let i = 0; i < 20_000; i++) if (stored.mayHold(Math.floor(rand() * 2 ** 52))) false_++;
  assert.ok(false_ / 20_000 < 0.02, `false positives ${false_} of 20,000`);
  assert.ok(Bloom.of(undefined).mayHold(123), 'no filter holds everything');
});

test('key runs: level 0 holds catch-up sized runs, each level above FANOUT times more', () => {
  assert.equal(levelOf(1), 0);
  assert.equal(levelOf(2048), 0);
  assert.equal(levelOf(2049), 1);
  assert.equal(levelOf(100_000), 2, 'an append\'s catch-up');
  assert.equal(levelOf(8 * 100_000), 3);
  assert.equal(levelOf(8 * 8 * 100_000), 4);
});

test('the log keeps its lookups in runs: lookups between appends merge their small runs, the appending connection merges the rest, a second connection and a reopen all find every row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-key-runs-log-'));
  const file = join(dir, 'monitoring.sqlite');
  const T0 = 1_700_000_000_000;
  const store = openSqliteMonitoringStore(file);
  const other = openSqliteMonitoringStore(file);
  try {
    // A lookup between appends catches up a small run each time: more than FANOUT of them.
    let seq = 0;
    for (let b = 0; b < FANOUT + 4; b++) {
      await store.appendPredictions([0, 1, 2].map((i) => prediction(seq++, { requestId: `small-${b}`, position: i, at: T0 + b, textSha256: `${b}`.padStart(64, 'a') })));
      assert.equal((await (b % 2 === 0 ? store : other).findByRequestId(`small-${b}`, 2))?.position, 2);
    }
    const runsOf = () => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT COUNT(*) AS n FROM mon_key_runs WHERE kind = 1').get() as { n: number };
      } finally {
        db.close();
      }
    };
    assert.ok(runsOf().n < FANOUT, `a lookup's catch-up merges the small runs lookups leave (${runsOf().n} text runs after ${FANOUT + 4} lookups)`);
    // Appends past CATCH_UP_ROWS catch up themselves and merge what a level holds too many of.
    const batch = 10_000;
    for (let b = 0; b * batch <= CATCH_UP_ROWS; b++) {
      await store.appendPredictions(Array.from({ length: batch }, (_, i) => prediction(seq++, { requestId: `big-${b}-${i}`, position: 0, at: T0 + 1000 + b, textSha256: `${i % 500}`.padStart(64, 'b') })));
    }
    assert.ok(runsOf().n < FANOUT, `the small runs merged (${runsOf().n} left)`);
    for (const s of [store, other]) {
      for (let b = 0; b < FANOUT + 4; b++) assert.equal((await s.findByRequestId(`small-${b}`, 1))?.requestId, `small-${b}`);
      assert.equal((await s.findByRequestId('big-3-777'))?.requestId, 'big-3-777');
      assert.equal((await s.findLatestByText('hs', '7'.padStart(64, 'b')))?.at, T0 + 1000 + CATCH_UP_ROWS / batch, 'the newest of a repeated text');
      assert.equal((await s.findLatestByText('hs', '7'.padStart(64, 'b'), T0 + 1003))?.at, T0 + 1003, 'the newest before a time');
      assert.equal((await s.findLatestByText('hs', '3'.padStart(64, 'a')))?.requestId, 'small-3');
    }
  } finally {
    await store.close();
    await other.close();
  }
  const reopened = openSqliteMonitoringStore(file);
  try {
    assert.equal((await reopened.findByRequestId('big-9-9999'))?.requestId, 'big-9-9999');
    assert.equal((await reopened.findByRequestId('small-0', 2))?.position, 2);
  } finally {
    await reopened.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
