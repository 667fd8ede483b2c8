import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DRIFT_MONTH_MS, importerHistoryCsv, importerInvoiceLines, type DriftOptions, type ImporterLine } from '../../src/demo/drifting-importers.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const drift: DriftOptions = { importers: 50, preferred: 2, loyalty: 0.8, drift: 0.3, months: 12, linesInMonth: () => 2000, t0: T0, seed: 3 };
const invoice = { rows: 5000, seed: 7 };

/** Each importer's chapters by count over `lines`, most first. */
function chaptersOf(lines: readonly ImporterLine[]): Map<number, string[]> {
  const counts = new Map<number, Map<string, number>>();
  for (const l of lines) {
    const c = counts.get(l.importer) ?? new Map<string, number>();
    c.set(l.label.slice(0, 2), (c.get(l.label.slice(0, 2)) ?? 0) + 1);
    counts.set(l.importer, c);
  }
  return new Map([...counts].map(([i, c]) => [i, [...c].sort((a, b) => b[1] - a[1]).map(([ch]) => ch)]));
}

test('demo invoice lines by importers: each trades mostly in two chapters, and those drift month by month', () => {
  const lines = importerInvoiceLines(invoice, drift);
  assert.equal(lines.length, 12 * 2000);
  assert.deepEqual(importerInvoiceLines(invoice, drift), lines, 'the same seed gives the same lines');
  assert.ok(lines.every((l, i) => i === 0 || lines[i - 1]!.time <= l.time), 'sorted by time');
  const month = (m: number) => lines.filter((l) => l.time >= T0 + m * DRIFT_MONTH_MS && l.time < T0 + (m + 1) * DRIFT_MONTH_MS);
  // Within one month, an importer's two most frequent chapters hold most of its lines (loyalty 0.8, plus chance).
  const first = month(0);
  const top = chaptersOf(first);
  const inTop = first.filter((l) => top.get(l.importer)!.slice(0, 2).includes(l.label.slice(0, 2))).length / first.length;
  assert.ok(inTop > 0.75, `share of a month's lines in the importer's top two chapters: ${inTop}`);
  // A year later most importers lead with another chapter.
  const late = chaptersOf(month(11));
  const changed = [...top].filter(([i, ch]) => late.get(i)?.[0] !== undefined && !late.get(i)!.slice(0, 2).includes(ch[0]!)).length / top.size;
  assert.ok(changed > 0.3, `importers whose leading chapter left their top two a year later: ${changed}`);
});

test('the importer history feature file: stamped 1 ms after each line, from that line and the ones before only', () => {
  const lines = importerInvoiceLines(invoice, { ...drift, months: 2, linesInMonth: () => 300 });
  const csv = importerHistoryCsv(lines, 20).trim().split('\n');
  assert.equal(csv[0], 'importer_id,event_time,top_chapter,second_chapter,top_heading,top_chapter_all,top_heading_all');
  assert.equal(csv.length, lines.length + 1);
  const seen = new Set<number>();
  lines.forEach((l, i) => {
    const [key, time, topChapter, , topHeading] = csv[i + 1]!.split(',');
    assert.equal(key, `imp${l.importer}`);
    assert.equal(Number(time), l.time + 1);
    if (!seen.has(l.importer)) {
      // An importer's first line: its history is that line alone.
      assert.equal(topChapter, l.label.slice(0, 2));
      assert.equal(topHeading, l.label);
      seen.add(l.importer);
    }
  });
});

test('volumeSkew: importers declare Zipf-distributed volumes (a few big, many small); 0 keeps the uniform draw', () => {
  const skewed = importerInvoiceLines(invoice, { ...drift, importers: 100, months: 2, volumeSkew: 1 });
  const count = (lines: readonly ImporterLine[], i: number) => lines.filter((l) => l.importer === i).length;
  // Zipf(1) over 100 importers: importer 0 has about 19% of 4,000 lines, importer 99 about 0.2%.
  assert.ok(count(skewed, 0) > 500, `biggest importer: ${count(skewed, 0)}`);
  assert.ok(count(skewed, 99) < 30, `smallest importer: ${count(skewed, 99)}`);
  assert.ok(count(skewed, 0) > 4 * count(skewed, 9), 'the 10th importer declares a tenth of the first');
  assert.deepEqual(importerInvoiceLines(invoice, { ...drift, volumeSkew: 0 }), importerInvoiceLines(invoice, drift), 'skew 0 is the uniform draw');
});
