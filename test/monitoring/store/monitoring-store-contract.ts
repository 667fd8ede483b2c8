import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { columnsOfBatch, rowsOfColumns } from '../../../src/monitoring/log/batch-columns.js';
import type { LoggedPrediction, StoredPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import { columnsFromRows, StreamNumbering, type PredictionColumns } from '../../../src/monitoring/store/prediction-columns.js';
import type { AlertEventRecord, FeedbackRecord, LogQuery, MonitoringStore, StoredFeedback } from '../../../src/monitoring/store/monitoring-store.js';
import type { ServingCostRecord } from '../../../src/monitoring/store/serving-cost.js';
import type { TimelineWindowRecord } from '../../../src/monitoring/store/timeline-windows.js';
import { variedBatch } from '../log/varied-batch.js';
import { manyRows, prediction, rows } from './fixtures.js';

/** A fresh, empty store on one back-end; `reopen` closes nothing itself and opens the same data again. */
export interface MonitoringStoreUnderTest {
  readonly store: MonitoringStore;
  reopen(): Promise<MonitoringStore>;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;

async function scanAll(store: MonitoringStore, query: LogQuery, pageSize?: number): Promise<StoredPrediction[][]> {
  const pages: StoredPrediction[][] = [];
  for await (const page of store.scanPredictions(query, pageSize)) pages.push([...page]);
  return pages;
}
const flat = async (store: MonitoringStore, query: LogQuery, pageSize?: number) => (await scanAll(store, query, pageSize)).flat();
const withoutSeq = ({ seq: _seq, ...rest }: StoredPrediction): LoggedPrediction => rest;

function feedback(i: number, over: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    endpoint: 'hs', time: T0 + i * 1000, receivedAt: T0 + i * 1000 + 5, label: `true-${i}`, source: 'broker',
    requestId: `req-${i}`, position: 0, text: `text ${i}`, textSha256: 'f'.repeat(64),
    prediction: { seq: 10 + i, variant: 'main', model: 'hs-model', version: '3', modelSha256: 'a'.repeat(64), label: `class-${i}`, score: 0.75, at: T0 + i * 900 },
    newClass: false,
    ...over,
  };
}

function alert(i: number, over: Partial<AlertEventRecord> = {}): AlertEventRecord {
  return {
    id: `drift:hs:main:${i}`, state: i % 2 === 0 ? 'fired' : 'resolved', rule: 'drift', endpoint: 'hs', variant: 'main',
    at: T0 + i * 1000, value: 0.3 + i / 100, threshold: 0.25, message: `drift ${i}`, ...over,
  };
}

/** One process's cumulative figures for one variant; a CPU-second figure that a double holds exactly. */
function cost(over: Partial<ServingCostRecord> = {}): ServingCostRecord {
  return {
    processId: 'node-1/4711', processStartedAt: T0, endpoint: 'hs', variant: 'main', model: 'hs-model', version: '3',
    texts: 1000, cpuSeconds: 0.375, at: T0 + 60_000, ...over,
  };
}

/** A stored timeline window of `hs`, 1-minute cells, the i-th cell after T0. */
function timelineWindow(i: number, over: Partial<TimelineWindowRecord> = {}): TimelineWindowRecord {
  return {
    endpoint: 'hs', widthMs: 60_000, since: T0 + i * 60_000, basis: 'v1 a:p1', logFirst: T0, figures: `{"window":${i},"text":"tab\\t ü"}`,
    computedAt: T0 + 3_600_000, ...over,
  };
}

/**
 * Scans `query` as columns and as rows and asserts they hold the same rows, every field the columns
 * carry, with pages of at most `pageSize` rows; returns what it saw.
 */
async function assertColumnsMatchRows(s: MonitoringStore, query: LogQuery, pageSize: number): Promise<{ pages: number; at: number[] }> {
  const expected = columnsFromRows(await flat(s, query), new StreamNumbering());
  const pages: PredictionColumns[] = [];
  for await (const page of s.scanPredictionColumns(query, pageSize)) pages.push(page);
  const what = `${JSON.stringify(query)} pages of ${pageSize}`;
  assert.ok(pages.every((p) => p.length <= pageSize && p.length > 0), `pages of 1..pageSize rows: ${what}`);
  const streams = pages.at(-1)?.streams ?? [];
  const got = { seq: [] as number[], at: [] as number[], stream: [] as string[], label: [] as string[], score: [] as number[], latency: [] as number[],
    stats: [] as number[][], hashes: [] as number[][], text: [] as (string | null)[] };
  for (const p of pages) {
    assert.equal(p.tokenStart.length, p.length + 1, what);
    for (let i = 0; i < p.length; i++) {
      got.seq.push(p.seq[i]!); got.at.push(p.at[i]!); got.stream.push(JSON.stringify(streams[p.stream[i]!])); got.label.push(p.label[i]!);
      got.score.push(p.score[i]!); got.latency.push(p.latencyMs[i]!);
      got.stats.push([p.chars[i]!, p.tokens[i]!, p.digits[i]!, p.upper[i]!, p.nonAscii[i]!]);
      got.hashes.push([...p.tokenHashes.subarray(p.tokenStart[i]!, p.tokenStart[i + 1]!)]);
      got.text.push(p.text[i]!);
    }
  }
  const e = expected;
  assert.deepEqual(got.seq, [...e.seq], what);
  assert.deepEqual(got.at, [...e.at], what);
  assert.deepEqual(got.stream, [...e.stream].map((k) => JSON.stringify(e.streams[k])), what);
  assert.deepEqual(got.label, e.label, what);
  assert.deepEqual(got.score, [...e.score], what);
  assert.deepEqual(got.latency, [...e.latencyMs], what);
  assert.deepEqual(got.stats, Array.from({ length: e.length }, (_, i) => [e.chars[i]!, e.tokens[i]!, e.digits[i]!, e.upper[i]!, e.nonAscii[i]!]), what);
  assert.deepEqual(got.hashes, Array.from({ length: e.length }, (_, i) => [...e.tokenHashes.subarray(e.tokenStart[i]!, e.tokenStart[i + 1]!)]), what);
  assert.deepEqual(got.text, e.text, what);
  return { pages: pages.length, at: got.at };
}

/**
 * The MonitoringStore contract (monitoring/store/monitoring-store.ts) run against one adapter, with
 * a fresh, empty store per test.
 */
export function monitoringStoreContract(label: string, open: () => Promise<MonitoringStoreUnderTest>): void {
  const withStore = async (fn: (s: MonitoringStore, under: MonitoringStoreUnderTest) => Promise<void>) => {
    const under = await open();
    try {
      await fn(under.store, under);
    } finally {
      await under.store.close();
      await under.cleanup();
    }
  };

  describe(`monitoring store contract: ${label}`, () => {
    it('reads back every field of a logged row: null text, Uint32Array hashes, top-k in order, exact scores', () => withStore(async (s) => {
      const written = [
        prediction(0),
        prediction(1, { text: null, requestId: '', position: 3 }),
        prediction(2, { role: 'shadow', variant: 'challenger', topK: [{ label: 'z', score: 0.9 }], label: 'z', score: 0.9 }),
        prediction(3, { text: 'Größe 10 × Émile — 中文 ✓', stats: { chars: 1, tokens: 0, digits: 0, upper: 0, nonAscii: 0, tokenHashes: new Uint32Array([0, 1, 0xffffffff]) } }),
      ];
      await s.appendPredictions(written);
      const back = await flat(s, { endpoint: 'hs', role: 'any' });
      assert.equal(back.length, 4);
      assert.deepEqual(back.map(withoutSeq), written);
      for (const r of back) assert.ok(r.stats.tokenHashes instanceof Uint32Array);
      assert.deepEqual([...back[3]!.stats.tokenHashes], [0, 1, 0xffffffff]);
      assert.equal(back[1]!.text, null);
      assert.deepEqual(back[0]!.topK.map((k) => k.label), ['class-0', 'class-b', 'class-c', 'class-d', 'class-e']);
      assert.equal(back[0]!.topK[4]!.score, 0.0123456789);
      for (let i = 1; i < back.length; i++) assert.ok(back[i]!.seq > back[i - 1]!.seq, 'seq increases with insertion');
    }));

    it('keeps the entity features an answer used, "text alone" (null), and none for models without features', () => withStore(async (s) => {
      const written = [
        prediction(0, { requestId: 'f-used', features: { 'importer_history:top_chapter': '61', 'importer_history:lines': 12, 'importer_history:new': false, 'importer_history:note': null } }),
        prediction(1, { requestId: 'f-alone', features: null }),
        prediction(2, { requestId: 'f-none' }),
        prediction(3, { requestId: 'f-odd', features: { 'v:f': 'tab\there \\N "quoted"' } }),
      ];
      await s.appendPredictions(written);
      const back = await flat(s, { endpoint: 'hs', role: 'any' });
      assert.deepEqual(back.map(withoutSeq), written);
      assert.deepEqual((await s.findByRequestId('f-used'))!.features, written[0]!.features);
      assert.equal((await s.findByRequestId('f-alone'))!.features, null);
      assert.equal('features' in (await s.findByRequestId('f-none'))!, false);
      await assert.rejects(s.appendPredictions([prediction(4, { features: { 'v:f': [1] } as never })]), (e: unknown) => e instanceof InputError && /"features"/.test(e.message));
    }));

    it('keeps the code answered under a taxonomy beside the model\'s own label, \'\' for a text sent to review, and none without a taxonomy', () => withStore(async (s) => {
      const written = [
        prediction(0, { requestId: 'a-renamed', label: '040310', answered: '040320' }),
        prediction(1, { requestId: 'a-review', answered: '' }),
        prediction(2, { requestId: 'a-none' }),
        prediction(3, { requestId: 'a-odd', role: 'shadow', answered: 'tab\there \\N' }),
      ];
      await s.appendPredictions(written);
      assert.deepEqual((await flat(s, { endpoint: 'hs', role: 'any' })).map(withoutSeq), written);
      assert.equal((await s.findByRequestId('a-renamed'))!.answered, '040320');
      assert.equal((await s.findByRequestId('a-review'))!.answered, '');
      assert.equal('answered' in (await s.findByRequestId('a-none'))!, false);
      await assert.rejects(s.appendPredictions([prediction(4, { answered: 7 as never })]), (e: unknown) => e instanceof InputError && /"answered"/.test(e.message));
      assert.equal(await s.countPredictions({ endpoint: 'hs', role: 'any' }), written.length, 'the refused batch stored nothing');
    }));

    it('stores a log batch\'s columns as the rows they make, in time order per endpoint; a bad call stores none of its batch', () => withStore(async (s) => {
      const cols = columnsOfBatch(variedBatch(), () => undefined);
      await s.appendColumns(cols);
      const expected = rowsOfColumns(cols);
      for (const [endpoint, role] of [['hs', 'primary'], ['hs', 'shadow'], ['offers', 'primary']] as const) {
        const want = expected.filter((r) => r.endpoint === endpoint && r.role === role).sort((a, b) => a.at - b.at);
        assert.deepEqual((await flat(s, { endpoint, role })).map(withoutSeq), want, `${endpoint} ${role}`);
      }
      assert.equal((await s.findByRequestId('m-2'))?.text, 'Mobile phone 5G');
      const bad = variedBatch(60_000);
      (bad.callAt as Float64Array)[2] = T0 + 0.5;
      await assert.rejects(s.appendColumns(columnsOfBatch(bad, () => undefined)),
        (e: unknown) => e instanceof InputError && /row 6 of 10: field "at"/.test(e.message));
      assert.equal(await s.countPredictions({ endpoint: 'hs', role: 'any' }), 8);
    }));

    it('stores text fields holding tabs, newlines, carriage returns, backslashes and \\N exactly', () => withStore(async (s) => {
      const odd = 'a\tb\nc\rd\\e \\N \\x00 \\\\t end\\';
      const written = [
        prediction(0, { requestId: `req\t${odd}`, text: odd, label: odd, topK: [{ label: odd, score: 0.5 }, { label: 'b\\', score: 0.25 }], score: 0.5,
          variant: 'v\\1', model: 'm\n', version: '\\N', modelSha256: 'sha\r' }),
        prediction(1, { text: '\\N' }),
        prediction(2, { text: '' }),
      ];
      await s.appendPredictions(written);
      const back = await flat(s, { endpoint: 'hs', role: 'any' });
      assert.deepEqual(back.map(withoutSeq), written);
      assert.equal((await s.findByRequestId(`req\t${odd}`))!.text, odd);
    }));

    it('filters by endpoint, time range [since, until), variant, model, role (primary by default) and keeps the newest `last`', () => withStore(async (s) => {
      await s.appendPredictions([
        ...rows(10),
        ...rows(3, (i) => ({ endpoint: 'grocery', requestId: `g-${i}` }), 100),
        ...rows(4, (i) => ({ role: 'shadow', variant: 'challenger', modelSha256: 'b'.repeat(64), requestId: `r-${i}` }), 0),
        ...rows(2, () => ({ variant: 'b', modelSha256: 'c'.repeat(64) }), 20),
      ]);
      const ats = async (q: LogQuery) => (await flat(s, q)).map((r) => (r.at - T0) / 1000);
      assert.deepEqual(await ats({ endpoint: 'hs' }), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21]);
      assert.deepEqual(await ats({ endpoint: 'grocery' }), [100, 101, 102]);
      assert.deepEqual(await ats({ endpoint: 'nope' }), []);
      assert.deepEqual(await ats({ endpoint: 'hs', since: T0 + 2000, until: T0 + 5000 }), [2, 3, 4], 'since inclusive, until exclusive');
      assert.deepEqual(await ats({ endpoint: 'hs', since: T0 + 2001, until: T0 + 5001 }), [3, 4, 5]);
      assert.deepEqual(await ats({ endpoint: 'hs', variant: 'b' }), [20, 21]);
      assert.deepEqual(await ats({ endpoint: 'hs', modelSha256: 'c'.repeat(64) }), [20, 21]);
      assert.deepEqual(await ats({ endpoint: 'hs', role: 'shadow' }), [0, 1, 2, 3]);
      assert.equal((await flat(s, { endpoint: 'hs', role: 'any' })).length, 16);
      assert.deepEqual(await ats({ endpoint: 'hs', last: 3 }), [9, 20, 21], 'newest 3, oldest first');
      assert.deepEqual(await ats({ endpoint: 'hs', until: T0 + 5000, last: 2 }), [3, 4]);
      assert.deepEqual(await ats({ endpoint: 'hs', last: 100 }), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21]);
      assert.deepEqual(await ats({ endpoint: 'hs', last: 0 }), []);
      assert.equal(await s.countPredictions({ endpoint: 'hs' }), 12);
      assert.equal(await s.countPredictions({ endpoint: 'hs', role: 'any' }), 16);
      assert.equal(await s.countPredictions({ endpoint: 'hs', since: T0 + 2000, until: T0 + 5000 }), 3);
      assert.equal(await s.countPredictions({ endpoint: 'hs', last: 5 }), 5);
      assert.equal(await s.countPredictions({ endpoint: 'hs', variant: 'b', last: 5 }), 2);
      await assert.rejects(s.countPredictions({ endpoint: '' }), InputError);
      await assert.rejects(flat(s, { endpoint: 'hs', last: -1 }), InputError);
    }));

    it('pages oldest first without repeats or gaps, also across equal times and rows appended out of time order', () => withStore(async (s) => {
      // 25 rows; times repeat in threes, and the second batch is older than the first.
      await s.appendPredictions(rows(15, (i) => ({ at: T0 + 100_000 + Math.floor(i / 3) * 10 }), 10));
      await s.appendPredictions(rows(10, (i) => ({ at: T0 + Math.floor(i / 3) * 10 }), 0));
      const pages = await scanAll(s, { endpoint: 'hs' }, 7);
      assert.deepEqual(pages.map((p) => p.length), [7, 7, 7, 4]);
      const all = pages.flat();
      assert.deepEqual(all.map((r) => r.requestId), Array.from({ length: 25 }, (_, i) => `req-${i}`));
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1]!, all[i]!];
        assert.ok(a.at < b.at || (a.at === b.at && a.seq < b.seq), 'ordered by time, then insertion');
      }
      const lastPages = await scanAll(s, { endpoint: 'hs', last: 12 }, 5);
      assert.deepEqual(lastPages.map((p) => p.length), [5, 5, 2]);
      assert.deepEqual(lastPages.flat().map((r) => r.requestId), all.slice(13).map((r) => r.requestId));
      assert.deepEqual((await scanAll(s, { endpoint: 'hs' }, 25)).map((p) => p.length), [25]);
      assert.deepEqual((await scanAll(s, { endpoint: 'hs' })).map((p) => p.length), [25], 'default page size 10,000');
    }));

    it('scans the same rows as columns: equal to the row scan, streams numbered stably across pages', () => withStore(async (s) => {
      await s.appendPredictions(rows(9, (i) => (i === 4 ? { variant: 'main', text: null } : { variant: i % 3 === 0 ? 'b' : 'main' }), 0));
      await s.appendPredictions(rows(6, (i) => ({ modelSha256: 'b'.repeat(64), version: '4', role: i % 2 === 0 ? 'shadow' : 'primary' }), 9));
      for (const query of [{ endpoint: 'hs', role: 'any' as const }, { endpoint: 'hs', last: 7 }, { endpoint: 'hs', variant: 'b' }]) {
        await assertColumnsMatchRows(s, query, 4);
      }
    }));

    it('scans columns at the page edges, over a time range and the newest `last`, equal to the row scan', () => withStore(async (s) => {
      // 12 primary rows (one with many token hashes, one without text), 3 shadow rows between them.
      const many = new Uint32Array(200).map((_, i) => (i * 2654435761) >>> 0);
      await s.appendPredictions(rows(12, (i) => (i === 5 ? { stats: { ...prediction(5).stats, tokenHashes: many } }
        : i === 7 ? { text: null, stats: { ...prediction(7).stats, tokenHashes: new Uint32Array(0) } } : {})));
      await s.appendPredictions(rows(3, (i) => ({ role: 'shadow', variant: 'challenger', requestId: `s-${i}` }), 3));
      const all = { endpoint: 'hs' };
      const pageSizes = async (q: LogQuery, size: number) => {
        const out: number[] = [];
        for await (const p of s.scanPredictionColumns(q, size)) out.push(p.length);
        return out;
      };
      assert.deepEqual(await pageSizes(all, 12), [12], 'a page size equal to the row count: one page, no empty page after it');
      assert.deepEqual(await pageSizes(all, 11), [11, 1]);
      assert.deepEqual(await pageSizes(all, 13), [12]);
      assert.deepEqual(await pageSizes(all, 1), Array.from({ length: 12 }, () => 1));
      assert.deepEqual(await pageSizes(all, 6), [6, 6]);
      assert.deepEqual(await pageSizes({ endpoint: 'nope' }, 5), [], 'no rows: no page');
      assert.deepEqual(await pageSizes({ endpoint: 'hs', last: 0 }, 5), []);
      for (const size of [1, 5, 6, 11, 12, 13, 10_000]) await assertColumnsMatchRows(s, all, size);
      const range = { endpoint: 'hs', since: T0 + 2000, until: T0 + 9000 };
      assert.deepEqual(await pageSizes(range, 3), [3, 3, 1], 'since inclusive, until exclusive: rows 2..8');
      await assertColumnsMatchRows(s, range, 3);
      await assertColumnsMatchRows(s, { ...range, role: 'any' }, 4);
      await assertColumnsMatchRows(s, { endpoint: 'hs', role: 'shadow' }, 2);
      for (const last of [1, 4, 5, 12, 100]) {
        const got = await assertColumnsMatchRows(s, { endpoint: 'hs', last }, 4);
        assert.deepEqual(got.at.map((t) => (t - T0) / 1000), Array.from({ length: Math.min(last, 12) }, (_, i) => 12 - Math.min(last, 12) + i), `newest ${last}, oldest first`);
      }
      assert.deepEqual(await pageSizes({ endpoint: 'hs', last: 5 }, 4), [4, 1]);
      await assertColumnsMatchRows(s, { ...range, last: 3 }, 2);
    }));

    it('scans a page larger than 10,000 rows into one column page', () => withStore(async (s) => {
      await s.appendPredictions(manyRows(10_500, (i) => (i === 10_400 ? { stats: { ...prediction(0).stats, tokenHashes: new Uint32Array([7, 8, 9]) } } : {})));
      const pages: PredictionColumns[] = [];
      for await (const page of s.scanPredictionColumns({ endpoint: 'hs' }, 20_000)) pages.push(page);
      assert.equal(pages.length, 1);
      const p = pages[0]!;
      assert.equal(p.length, 10_500);
      assert.deepEqual([p.seq.length, p.at.length, p.score.length, p.nonAscii.length, p.tokenStart.length, p.label.length, p.text.length], [10_500, 10_500, 10_500, 10_500, 10_501, 10_500, 10_500]);
      assert.deepEqual([...p.at.subarray(10_398, 10_402)].map((t) => (t - T0) / 1000), [10_398, 10_399, 10_400, 10_401]);
      assert.deepEqual([...p.tokenHashes.subarray(p.tokenStart[10_400]!, p.tokenStart[10_401]!)], [7, 8, 9]);
      assert.deepEqual([...p.tokenHashes.subarray(p.tokenStart[10_499]!, p.tokenStart[10_500]!)], [...prediction(10_499).stats.tokenHashes]);
      assert.equal(p.latencyMs[10_499], 1.25 + 10_499);
    }));

    it('finds the row of a request id and position, preferring the primary answer; none for unknown or empty ids', () => withStore(async (s) => {
      await s.appendPredictions([
        prediction(1, { requestId: 'batch-1', position: 0 }),
        prediction(2, { requestId: 'batch-1', position: 1 }),
        prediction(3, { requestId: 'batch-1', position: 1, role: 'shadow', variant: 'challenger' }),
        prediction(4, { requestId: '' }),
      ]);
      assert.equal((await s.findByRequestId('batch-1'))!.position, 0);
      const p1 = await s.findByRequestId('batch-1', 1);
      assert.equal(p1!.role, 'primary');
      assert.equal(p1!.textSha256, prediction(2).textSha256);
      assert.equal(await s.findByRequestId('batch-1', 2), undefined);
      assert.equal(await s.findByRequestId('nope'), undefined);
      assert.equal(await s.findByRequestId(''), undefined);
    }));

    it('finds the latest primary row of a text on an endpoint, at or before `before`', () => withStore(async (s) => {
      const sha = prediction(0).textSha256;
      await s.appendPredictions([
        prediction(0, { at: T0 + 1000, requestId: 'a' }),
        prediction(0, { at: T0 + 5000, requestId: 'b' }),
        prediction(0, { at: T0 + 9000, requestId: 'c', role: 'shadow' }),
        prediction(0, { at: T0 + 9999, requestId: 'd', endpoint: 'other' }),
        prediction(1, { at: T0 + 9000, requestId: 'e' }),
      ]);
      assert.equal((await s.findLatestByText('hs', sha))!.requestId, 'b');
      assert.equal((await s.findLatestByText('hs', sha, T0 + 5000))!.requestId, 'b', 'before is inclusive');
      assert.equal((await s.findLatestByText('hs', sha, T0 + 4999))!.requestId, 'a');
      assert.equal(await s.findLatestByText('hs', sha, T0 + 999), undefined);
      assert.equal((await s.findLatestByText('other', sha))!.requestId, 'd');
      assert.equal(await s.findLatestByText('hs', '0'.repeat(64)), undefined);
    }));

    it('finds rows by request id and by text in a log larger than one lookup catch-up, also rows appended since the last one', () => withStore(async (s) => {
      // 3 x 25,000 rows, then a few more: the SQLite adapter indexes them all in its first lookup's catch-up (the SIGKILL test crosses an append's catch-up).
      for (let b = 0; b < 3; b++) await s.appendPredictions(manyRows(25_000, (i) => ({ requestId: `big-${i >> 2}`, position: i & 3 }), b * 25_000));
      await s.appendPredictions([prediction(7, { requestId: 'late', text: 'a late text', textSha256: 'late'.padEnd(64, '0'), at: T0 + 1 })]);
      for (const i of [0, 24_999, 25_000, 49_999, 50_000, 74_999]) {
        const p = await s.findByRequestId(`big-${i >> 2}`, i & 3);
        assert.equal(p?.at, T0 + i * 1000, `row ${i} by request id`);
      }
      assert.equal((await s.findByRequestId('late'))!.text, 'a late text');
      assert.equal(await s.findByRequestId('big-3', 4), undefined, 'position beyond the request');
      const sha = prediction(0).textSha256;
      assert.equal((await s.findLatestByText('hs', sha))!.at, T0 + 74_995 * 1000, 'the newest of 15,000 rows of this text');
      assert.equal((await s.findLatestByText('hs', sha, T0 + 30_001_000))!.at, T0 + 30_000 * 1000);
      assert.equal((await s.findLatestByText('hs', 'late'.padEnd(64, '0')))!.requestId, 'late');
      assert.equal(await s.findLatestByText('hs', 'late'.padEnd(64, '0'), T0), undefined);
      // Appended after the lookups above caught up: found too.
      await s.appendPredictions([prediction(8, { requestId: 'later', at: T0 + 2 })]);
      assert.equal((await s.findByRequestId('later'))!.at, T0 + 2);
    }));

    it('lists logged endpoints with their row count and time span', () => withStore(async (s) => {
      assert.deepEqual(await s.listLoggedEndpoints(), []);
      await s.appendPredictions([...rows(3), ...rows(2, () => ({ endpoint: 'grocery' }), 50), prediction(7, { endpoint: 'hs', role: 'shadow' })]);
      assert.deepEqual(await s.listLoggedEndpoints(), [
        { endpoint: 'grocery', rows: 2, first: T0 + 50_000, last: T0 + 51_000 },
        { endpoint: 'hs', rows: 4, first: T0, last: T0 + 7000 },
      ]);
    }));

    it('prunes by age, then the oldest rows beyond maxRows, and says how many went', () => withStore(async (s) => {
      await s.appendPredictions([...rows(20), ...rows(10, () => ({ endpoint: 'grocery' }), 5)]);
      const now = T0 + 30_000;
      assert.equal(await s.prunePredictions({ now, maxAgeMs: 22_000 }), 8 + 3, 'rows with at < now - maxAge');
      assert.equal(await s.countPredictions({ endpoint: 'hs' }), 12);
      assert.equal(await s.countPredictions({ endpoint: 'grocery' }), 7);
      assert.equal(await s.prunePredictions({ now, maxAgeMs: 22_000, maxRows: 15 }), 4);
      // The 4 oldest insertions were hs rows 8..11.
      assert.deepEqual((await flat(s, { endpoint: 'hs' })).map((r) => r.requestId), Array.from({ length: 8 }, (_, i) => `req-${12 + i}`));
      assert.equal(await s.prunePredictions({ now, maxRows: 100 }), 0);
      assert.equal(await s.prunePredictions({ now }), 0);
      await assert.rejects(s.prunePredictions({ now, maxRows: -1 }), InputError);
      assert.equal(await s.prunePredictions({ now, maxRows: 0 }), 15);
      assert.deepEqual(await s.listLoggedEndpoints(), []);
      await s.appendPredictions(rows(1));
      const [again] = await flat(s, { endpoint: 'hs' });
      assert.ok(again!.seq > 30, 'a seq is never reused, even after the log was emptied');
    }));

    it('prunes a large log in chunks', () => withStore(async (s) => {
      for (let b = 0; b < 6; b++) await s.appendPredictions(rows(2000, (i) => ({ requestId: `r${i}` }), b * 2000));
      assert.equal(await s.prunePredictions({ now: T0 + 12_000_000, maxAgeMs: 12_000_000 - 7_000_000 }), 7000);
      assert.equal(await s.prunePredictions({ now: T0, maxRows: 1000 }), 4000);
      assert.equal(await s.countPredictions({ endpoint: 'hs' }), 1000);
      assert.equal((await flat(s, { endpoint: 'hs' }))[0]!.requestId, 'r11000');
    }));

    it('stores a batch all or none: one bad row (NaN score, missing field) stores nothing and names the row', () => withStore(async (s) => {
      await s.appendPredictions(rows(2));
      const nan = rows(5, (i) => (i === 13 ? { score: Number.NaN } : {}), 10);
      await assert.rejects(s.appendPredictions(nan), (e: unknown) => e instanceof InputError && e.facts['row'] === 3 && e.facts['field'] === 'score');
      const missing = rows(5, () => ({}), 20).map((r, i) => (i === 4 ? { ...r, textSha256: undefined as unknown as string } : r));
      await assert.rejects(s.appendPredictions(missing), (e: unknown) => e instanceof InputError && e.facts['row'] === 4 && e.facts['field'] === 'textSha256');
      const badHashes = rows(3, (i) => (i === 31 ? { stats: { ...prediction(0).stats, tokenHashes: [1, 2] as unknown as Uint32Array } } : {}), 30);
      await assert.rejects(s.appendPredictions(badHashes), (e: unknown) => e instanceof InputError && e.facts['field'] === 'stats.tokenHashes');
      assert.equal(await s.countPredictions({ endpoint: 'hs', role: 'any' }), 2);
      await s.appendPredictions([]);
      assert.equal(await s.countPredictions({ endpoint: 'hs', role: 'any' }), 2);
    }));

    it('stores feedback with its joined prediction, returns ids, lists it by time with filters and `last`', () => withStore(async (s) => {
      const records = [
        feedback(3),
        feedback(1, { prediction: null, requestId: null, position: null, text: null, newClass: true, source: 'labels.csv' }),
        feedback(2, { prediction: { ...feedback(2).prediction!, variant: 'b', modelSha256: 'b'.repeat(64) } }),
        feedback(4, { endpoint: 'grocery' }),
      ];
      const ids = await s.addFeedback(records);
      assert.equal(ids.length, 4);
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!);
      const hs = await s.listFeedback({ endpoint: 'hs' });
      assert.deepEqual(hs, [
        { ...records[1]!, id: ids[1]! },
        { ...records[2]!, id: ids[2]! },
        { ...records[0]!, id: ids[0]! },
      ], 'oldest time first, every field back');
      assert.deepEqual((await s.listFeedback({ endpoint: 'hs', since: T0 + 2000, until: T0 + 3000 })).map((f) => f.label), ['true-2']);
      assert.deepEqual((await s.listFeedback({ endpoint: 'hs', variant: 'main' })).map((f) => f.label), ['true-3']);
      assert.deepEqual((await s.listFeedback({ endpoint: 'hs', modelSha256: 'b'.repeat(64) })).map((f) => f.label), ['true-2']);
      assert.deepEqual((await s.listFeedback({ endpoint: 'hs', last: 2 })).map((f) => f.label), ['true-2', 'true-3']);
      assert.deepEqual((await s.listFeedback({ endpoint: 'grocery' })).map((f) => f.label), ['true-4']);
      // The labels-only read: the same items in the same order, for every filter.
      const labelsOf = (fs: readonly StoredFeedback[]) => fs.map((f) => ({ label: f.label, predicted: f.prediction?.label ?? null }));
      for (const q of [{ endpoint: 'hs' }, { endpoint: 'hs', modelSha256: 'b'.repeat(64) }, { endpoint: 'hs', last: 2 }, { endpoint: 'hs', since: T0 + 2000 }, { endpoint: 'grocery' }]) {
        assert.deepEqual((await s.listFeedbackLabels(q)).map((f) => ({ ...f })), labelsOf(await s.listFeedback(q)), JSON.stringify(q));
      }
      assert.equal((await s.listFeedbackLabels({ endpoint: 'hs' }))[0]!.predicted, null, 'no joined prediction: null');
      await assert.rejects(s.addFeedback([feedback(5), feedback(6, { time: Number.NaN })]), (e: unknown) => e instanceof InputError && e.facts['row'] === 1);
      assert.equal((await s.listFeedback({ endpoint: 'hs' })).length, 3, 'a bad record stores none of its batch');
      assert.deepEqual(await s.addFeedback([]), []);
    }));

    it('lists only feedback with an id above `afterId`, in the same order, so a reader that kept what it read gets what came since', () => withStore(async (s) => {
      const first = await s.addFeedback([feedback(5), feedback(2)]);
      // Labelled later but dated earlier than what was read: still after the watermark.
      const later = await s.addFeedback([feedback(1), feedback(7), feedback(3, { endpoint: 'grocery' })]);
      const since = await s.listFeedback({ endpoint: 'hs', afterId: Math.max(...first) });
      assert.deepEqual(since.map((f) => f.id), [later[0]!, later[1]!]);
      assert.deepEqual(since.map((f) => f.label), ['true-1', 'true-7'], 'time order, as listFeedback gives');
      assert.equal((await s.listFeedback({ endpoint: 'hs', afterId: Math.max(...later) })).length, 0);
      assert.equal((await s.listFeedback({ endpoint: 'hs', afterId: 0 })).length, 4);
      await assert.rejects(s.listFeedback({ endpoint: 'hs', afterId: 1.5 }), (e: unknown) => e instanceof InputError && e.facts['field'] === 'afterId');
    }));

    it('counts feedback as listFeedback lists it, `throughId` keeping ids at most it: a reader checks its mark still holds', () => withStore(async (s) => {
      const first = await s.addFeedback([feedback(5), feedback(2), feedback(4, { endpoint: 'grocery' })]);
      const later = await s.addFeedback([feedback(1), feedback(7)]);
      assert.equal(await s.countFeedback({ endpoint: 'hs' }), 4);
      assert.equal(await s.countFeedback({ endpoint: 'hs', throughId: Math.max(...first) }), 2, 'the grocery item is not the endpoint\'s');
      assert.deepEqual((await s.listFeedback({ endpoint: 'hs', throughId: later[0]! })).map((f) => f.id).sort((a, b) => a - b), [first[0]!, first[1]!, later[0]!]);
      assert.equal(await s.countFeedback({ endpoint: 'hs', afterId: first[1]!, throughId: later[1]! }), 2);
      assert.equal(await s.countFeedback({ endpoint: 'nothing' }), 0);
      await assert.rejects(s.countFeedback({ endpoint: 'hs', throughId: Number.NaN }), (e: unknown) => e instanceof InputError && e.facts['field'] === 'throughId');
      await assert.rejects(s.countFeedback({ endpoint: 'hs', last: 2 }), (e: unknown) => e instanceof InputError && e.facts['field'] === 'last');
    }));

    it('records alert events and lists them newest first, by endpoint, since and limit', () => withStore(async (s) => {
      for (const i of [2, 0, 3, 1]) await s.recordAlertEvent(alert(i));
      await s.recordAlertEvent(alert(5, { endpoint: 'grocery', variant: null }));
      const all = await s.listAlertEvents({});
      assert.deepEqual(all.map((e) => e.id), [5, 3, 2, 1, 0].map((i) => (i === 5 ? alert(5).id : `drift:hs:main:${i}`)));
      assert.deepEqual(all[0], alert(5, { endpoint: 'grocery', variant: null }));
      assert.deepEqual(all[1], alert(3));
      assert.deepEqual((await s.listAlertEvents({ endpoint: 'hs', since: T0 + 1000 })).map((e) => e.at), [T0 + 3000, T0 + 2000, T0 + 1000]);
      assert.deepEqual((await s.listAlertEvents({ limit: 2 })).map((e) => e.at), [T0 + 5000, T0 + 3000]);
      await assert.rejects(s.recordAlertEvent(alert(9, { value: Number.NaN })), InputError);
      assert.equal((await s.listAlertEvents({})).length, 5);
    }));

    it('saves, replaces and reads reference profiles by model sha256', () => withStore(async (s) => {
      assert.equal(await s.getProfile('a'.repeat(64)), undefined);
      await s.saveProfile('a'.repeat(64), '{"v":1}', { model: 'hs-model', version: '3' });
      await s.saveProfile('b'.repeat(64), '{"v":"b"}', { model: 'hs-model', version: '4' });
      assert.equal(await s.getProfile('a'.repeat(64)), '{"v":1}');
      await s.saveProfile('a'.repeat(64), '{"v":2}', { model: 'hs-model', version: '3' });
      assert.equal(await s.getProfile('a'.repeat(64)), '{"v":2}');
      assert.equal(await s.getProfile('b'.repeat(64)), '{"v":"b"}');
    }));

    it('records serving cost per process, variant and version; a later figure replaces the cumulative one, an older one does not', () => withStore(async (s) => {
      assert.deepEqual(await s.listServingCost({ endpoint: 'hs' }), []);
      await s.recordServingCost([cost(), cost({ variant: 'challenger', version: '4', texts: 10, cpuSeconds: 0.5 })]);
      await s.recordServingCost([cost({ texts: 2500, cpuSeconds: 1.25, at: T0 + 120_000 })]);
      // A write taken before the stored one (two writes of one process crossing) changes nothing.
      await s.recordServingCost([cost({ texts: 1700, cpuSeconds: 0.75, at: T0 + 90_000 })]);
      assert.deepEqual(await s.listServingCost({ endpoint: 'hs' }), [
        cost({ texts: 2500, cpuSeconds: 1.25, at: T0 + 120_000 }),
        cost({ variant: 'challenger', version: '4', texts: 10, cpuSeconds: 0.5 }),
      ].sort((a, b) => a.variant.localeCompare(b.variant)));
      // A restart is a new process life (new start time): its own row beside the old one, never a replacement.
      await s.recordServingCost([cost({ processStartedAt: T0 + 200_000, texts: 7, cpuSeconds: 0.125, at: T0 + 260_000 })]);
      const main = (await s.listServingCost({ endpoint: 'hs' })).filter((r) => r.variant === 'main');
      assert.deepEqual(main.map((r) => [r.processStartedAt, r.texts, r.cpuSeconds]), [[T0, 2500, 1.25], [T0 + 200_000, 7, 0.125]]);
      await s.recordServingCost([]);
    }));

    it('lists serving cost of one endpoint whose process recorded in [since, until), and rejects a bad record storing none', () => withStore(async (s) => {
      await s.recordServingCost([
        cost({ processId: 'a/1', processStartedAt: T0, at: T0 + 60_000 }),
        cost({ processId: 'b/2', processStartedAt: T0 + 100_000, at: T0 + 160_000 }),
        cost({ processId: 'c/3', processStartedAt: T0 + 300_000, at: T0 + 360_000 }),
        cost({ processId: 'd/4', endpoint: 'grocery', at: T0 + 160_000 }),
      ]);
      const ids = async (since?: number, until?: number) => (await s.listServingCost({ endpoint: 'hs', since, until })).map((r) => r.processId);
      assert.deepEqual(await ids(), ['a/1', 'b/2', 'c/3']);
      // Last recorded before `since`: that process had stopped before the window.
      assert.deepEqual(await ids(T0 + 100_000), ['b/2', 'c/3']);
      // Started at or after `until`: it had not answered yet.
      assert.deepEqual(await ids(T0 + 100_000, T0 + 300_000), ['b/2']);
      assert.deepEqual((await s.listServingCost({ endpoint: 'grocery' })).map((r) => r.processId), ['d/4']);
      await assert.rejects(s.recordServingCost([cost({ processId: 'e/5' }), cost({ processId: 'f/6', cpuSeconds: Number.NaN })]),
        (e: unknown) => e instanceof InputError && e.facts['row'] === 1 && e.facts['field'] === 'cpuSeconds');
      await assert.rejects(s.recordServingCost([cost({ processId: 'g/7', texts: 1.5 })]), InputError);
      assert.deepEqual(await ids(), ['a/1', 'b/2', 'c/3'], 'a bad record stores none of its batch');
    }));

    it('stores timeline windows by endpoint, width and start, replaces one on the same key, and lists a range oldest first', () => withStore(async (s) => {
      assert.deepEqual(await s.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 }), []);
      await s.saveTimelineWindows([timelineWindow(2), timelineWindow(0), timelineWindow(1), timelineWindow(0, { widthMs: 300_000 }), timelineWindow(0, { endpoint: 'grocery' })]);
      assert.deepEqual(await s.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 }), [timelineWindow(0), timelineWindow(1), timelineWindow(2)]);
      assert.deepEqual(await s.listTimelineWindows({ endpoint: 'hs', widthMs: 300_000 }), [timelineWindow(0, { widthMs: 300_000 })]);
      assert.deepEqual(await s.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000, since: T0 + 60_000, until: T0 + 120_000 }), [timelineWindow(1)]);
      // Recomputed on a new basis (a reference profile replaced): the new figures replace the old.
      const again = timelineWindow(1, { basis: 'v1 a:p2', figures: '{"window":1,"again":true}', computedAt: T0 + 7_200_000, logFirst: T0 + 5 });
      await s.saveTimelineWindows([again]);
      assert.deepEqual(await s.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 }), [timelineWindow(0), again, timelineWindow(2)]);
      await assert.rejects(s.saveTimelineWindows([timelineWindow(5), timelineWindow(6, { widthMs: 0 })]),
        (e: unknown) => e instanceof InputError && e.facts['row'] === 1 && e.facts['field'] === 'widthMs');
      await assert.rejects(s.saveTimelineWindows([timelineWindow(7, { since: 1.5 })]), InputError);
      assert.equal((await s.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 })).length, 3, 'a bad window stores none of its batch');
      await s.saveTimelineWindows([]);
    }));

    it('drops stored timeline windows that start before an endpoint\'s oldest kept row when retention removes rows', () => withStore(async (s) => {
      await s.appendPredictions(rows(600)); // hs: one row a second from T0
      await s.saveTimelineWindows([0, 1, 2, 5, 9].map((i) => timelineWindow(i)).concat(timelineWindow(0, { endpoint: 'gone' })));
      assert.equal(await s.prunePredictions({ now: T0 + 3_600_000, maxAgeMs: 3_600_000 }), 0);
      assert.equal((await s.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 })).length, 5, 'nothing pruned: every window stays');
      // Rows before T0 + 150 s go: windows 0 and 1 lost all their rows, window 2 (from T0 + 120 s) some.
      assert.ok(await s.prunePredictions({ now: T0 + 150_000, maxAgeMs: 0 }) > 0);
      assert.deepEqual((await s.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 })).map((w) => w.since), [T0 + 300_000, T0 + 540_000]);
      assert.deepEqual(await s.listTimelineWindows({ endpoint: 'gone', widthMs: 60_000 }), [], 'an endpoint with no row left keeps no window');
    }));

    it('keeps everything across close and reopen', () => withStore(async (s, under) => {
      const written = rows(5);
      await s.appendPredictions(written);
      const [id] = await s.addFeedback([feedback(1)]);
      await s.saveProfile('a'.repeat(64), '{"p":1}', { model: 'm', version: '1' });
      await s.recordAlertEvent(alert(1));
      await s.recordServingCost([cost()]);
      await s.saveTimelineWindows([timelineWindow(1)]);
      await s.close();
      const again = await under.reopen();
      try {
        assert.deepEqual((await flat(again, { endpoint: 'hs' })).map(withoutSeq), written);
        assert.deepEqual(await again.listFeedback({ endpoint: 'hs' }), [{ ...feedback(1), id: id! }]);
        assert.equal(await again.getProfile('a'.repeat(64)), '{"p":1}');
        assert.deepEqual(await again.listAlertEvents({}), [alert(1)]);
        assert.deepEqual(await again.listServingCost({ endpoint: 'hs' }), [cost()]);
        assert.deepEqual(await again.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 }), [timelineWindow(1)]);
        await again.appendPredictions(rows(1, () => ({}), 9));
        assert.equal(await again.countPredictions({ endpoint: 'hs' }), 6);
      } finally {
        await again.close();
      }
    }));
  });
}
