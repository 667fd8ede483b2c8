import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from '../../../src/core/random.js';
import { InputError } from '../../../src/core/errors.js';
import { DriftAccumulator, driftColumnPages } from '../../../src/monitoring/drift/drift-accumulator.js';
import { HashSet32 } from '../../../src/monitoring/drift/hash-set-32.js';
import { hasHash } from '../../../src/monitoring/profile/text-descriptors.js';
import { runDriftReport, runDriftReportOnSummary } from '../../../src/monitoring/drift/drift-report.js';
import type { DriftWindow } from '../../../src/monitoring/drift/drift-window.js';
import { reservoirRows, ReservoirSampler } from '../../../src/monitoring/drift/reservoir-sample.js';
import { ValueCounts } from '../../../src/monitoring/drift/value-counts.js';
import { wassersteinDistance } from '../../../src/monitoring/drift/wasserstein.js';
import { generateTexts, syntheticProfile, windowOf } from './synthetic-traffic.js';

const profile = syntheticProfile(1);

function summarise(w: DriftWindow, pageSize: number, settings = {}) {
  const acc = new DriftAccumulator(profile, settings);
  for (const p of driftColumnPages(w, pageSize)) acc.addColumns(p);
  return acc.summary();
}

describe('DriftAccumulator', () => {
  it('gives the report runDriftReport gives on the same rows in memory, value for value', () => {
    // New words in part of the traffic, so some tests drift and some do not; some texts not logged.
    const t = generateTexts(3000, 7, { extraWords: ['palletised', 'shrinkwrapped'], extraShare: 0.2 });
    const w = windowOf(t, 8);
    const texts = w.texts.map((x, i) => (i % 9 === 0 ? null : x));
    const window: DriftWindow = { ...w, texts };
    const memory = runDriftReport(profile, window);
    const streamed = runDriftReportOnSummary(profile, summarise(window, 700));
    assert.ok(memory.tests.some((x) => x.drift) && memory.tests.some((x) => !x.drift), 'the fixture has drifting and quiet tests');
    assert.deepEqual(streamed, memory);
  });

  it('samples a window above the domain classifier cap as runDriftReport does, and the previous window too', () => {
    const settings = { domainMaxRowsPerSide: 600 };
    const w = windowOf(generateTexts(2500, 17, { upper: true }), 18);
    const previous = windowOf(generateTexts(1800, 19), 20);
    const memory = runDriftReport(profile, w, { previous, settings });
    const streamed = runDriftReportOnSummary(profile, summarise(w, 333, settings), { previous: summarise(previous, 1000, settings) });
    assert.deepEqual(streamed, memory);
    assert.equal(memory.rows.current, 2500);
    assert.throws(() => runDriftReportOnSummary(profile, summarise(w, 333, settings), { previous: summarise(previous, 1000) }),
      (e: unknown) => e instanceof InputError && e.code === 'drift-summary-settings');
  });

  it('keeps the distinct values of a descriptor, not its rows', () => {
    const w = windowOf(generateTexts(4000, 27), 28);
    const s = summarise(w, 1000);
    assert.equal(s.rows, 4000);
    const lengths = s.side.numericCounts!.length;
    let total = 0;
    for (let i = 0; i < lengths.length; i++) total += lengths[i]!;
    assert.equal(total, 4000);
    assert.ok(s.side.numeric.length.length < 100, `${s.side.numeric.length.length} distinct lengths`);
    assert.equal(s.domainRows.hashes.length, 4000, 'within the cap every row is the sample');
  });

  it('refuses an empty summary as runDriftReport refuses an empty window', () => {
    assert.throws(() => runDriftReportOnSummary(profile, new DriftAccumulator(profile).summary()),
      (e: unknown) => e instanceof InputError && e.code === 'drift-empty-window');
  });
});

describe('ValueCounts', () => {
  it('gives the quantiles and the Wasserstein distance of the sorted column, across many merges', () => {
    const random = createRandom(5);
    const column = Float64Array.from({ length: 30_000 }, () => (random.next() < 0.5 ? random.int(50) : Math.fround(random.next())));
    const counts = new ValueCounts();
    for (const v of column) counts.add(v);
    const sorted = Float64Array.from(column).sort();
    for (const q of [0, 0.01, 0.5, 0.99, 1]) assert.equal(counts.quantile(q), sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    const other = Float64Array.from({ length: 999 }, () => random.int(60)).sort();
    const { values, counts: c } = counts.sorted();
    assert.equal(wassersteinDistance(other, values, undefined, c), wassersteinDistance(other, sorted));
    assert.equal(new ValueCounts().quantile(0.5), 0);
  });

  it('counts -0 as 0 and keeps every distinct value through its growth', () => {
    const counts = new ValueCounts();
    counts.add(-0);
    counts.add(0);
    for (let i = 0; i < 50_000; i++) counts.add(i / 7);
    const { values, counts: c } = counts.sorted();
    assert.equal(values.length, 50_000);
    assert.equal(c[0], 3, '-0, 0 and 0/7');
    assert.equal(counts.total, 50_002);
    for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!);
  });
});

describe('HashSet32', () => {
  it('answers membership as a search of the sorted members does, 0 and 2^32 - 1 included', () => {
    const random = createRandom(11);
    const members = Uint32Array.from({ length: 30_000 }, () => random.int(2 ** 32));
    members[0] = 0;
    members[1] = 2 ** 32 - 1;
    const set = new HashSet32(members);
    const sorted = Uint32Array.from(members).sort();
    for (let i = 0; i < 60_000; i++) {
      const probe = i < 30_000 ? members[i]! : random.int(2 ** 32);
      assert.equal(set.has(probe), hasHash(sorted, probe), `hash ${probe}`);
    }
    assert.equal(new HashSet32([5]).has(0), false);
  });
});

describe('reservoir sample', () => {
  it('keeps every row within its capacity and draws nothing', () => {
    assert.deepEqual([...reservoirRows(5, 10, 1)], [0, 1, 2, 3, 4]);
  });

  it('keeps `capacity` distinct rows, spread over the whole stream, the same streamed or at once', () => {
    const rows = reservoirRows(100_000, 1000, 3);
    assert.equal(new Set(rows).size, 1000);
    const late = rows.filter((r) => r >= 50_000).length;
    assert.ok(late > 430 && late < 570, `${late} of 1000 from the second half`);
    const sampler = new ReservoirSampler(1000, 3);
    const kept = new Int32Array(1000);
    for (let i = 0; i < 100_000; i++) { const s = sampler.offer(); if (s >= 0) kept[s] = i; }
    assert.deepEqual(kept.sort(), rows);
  });
});
