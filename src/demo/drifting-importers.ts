/**
 * Importers whose trade drifts (issue 15 item 6): each importer declares mostly in a few chapters
 * (a textile importer, a hardware importer) and, month by month, swaps one of them for another, so
 * an importer's recent declaration history says something about its next line, and what it said a
 * year ago says less. The generator that shows what a point-in-time feature is worth (and what a
 * leaky one costs): bench/features-gain.ts on the hs-goods texts, `importerInvoiceLines` on the
 * demo's own invoice lines.
 */
import { createRandom } from '../core/random.js';
import { generateInvoiceLines, type InvoiceOptions } from './invoice-lines.js';

export interface ImporterLine {
  readonly importer: number;
  /** Epoch ms. */
  readonly time: number;
  readonly text: string;
  readonly label: string;
}

export interface DriftOptions {
  readonly importers: number;
  /** Chapters each importer trades in mostly. */
  readonly preferred: number;
  /** Share of an importer's lines in its preferred chapters. */
  readonly loyalty: number;
  /** Chance per month that an importer swaps one of its chapters for another. */
  readonly drift: number;
  readonly months: number;
  /** Lines of month m (0-based). */
  readonly linesInMonth: (month: number) => number;
  /** Epoch ms of the first month's start; months are 30 days. */
  readonly t0: number;
  readonly seed: number;
  /**
   * How unequal importers' volumes are: importer i declares in proportion to 1/(i+1)^volumeSkew
   * (Zipf). 0 (the default): every importer as often. Real trade is heavy-tailed (a few importers
   * declare most lines, many declare a handful), and a small importer's whole history is a few of
   * its own lines: what makes a join of the latest value leak the label.
   */
  readonly volumeSkew?: number;
}

export const DRIFT_MONTH_MS = 30 * 86_400_000;

/** Where line texts come from: the texts of `label` for a line of `month` (undefined: none, another label is drawn). */
export interface LabelledTexts {
  /** The labels to draw from, as often as they should come (a row's label per row of the data). */
  readonly labels: readonly string[];
  textsOf(label: string, month: number): readonly string[] | undefined;
}

/** The chapter of an HS code: what importers specialise in. */
const chapterOf = (label: string) => label.slice(0, 2);

/** The lines of every month, sorted by time. Deterministic by seed (and by the order `source` answers). */
export function driftingImporterLines(source: LabelledTexts, o: DriftOptions): ImporterLine[] {
  const r = createRandom(o.seed);
  const random = () => r.next();
  const labels = source.labels;
  // Headings by chapter, as often as the data has them: drawing a row draws by frequency.
  const byChapter = new Map<string, string[]>();
  for (const l of labels) byChapter.set(chapterOf(l), [...(byChapter.get(chapterOf(l)) ?? []), l]);
  const chapterDraws = labels.map(chapterOf);
  const anyChapter = () => chapterDraws[Math.floor(random() * chapterDraws.length)]!;
  const prefs = Array.from({ length: o.importers }, () => Array.from({ length: o.preferred }, anyChapter));
  const anyImporter = importerDraw(o.importers, o.volumeSkew ?? 0, random);
  const lines: ImporterLine[] = [];
  for (let month = 0; month < o.months; month++) {
    for (const p of prefs) if (random() < o.drift) p[Math.floor(random() * o.preferred)] = anyChapter();
    const n = o.linesInMonth(month);
    for (let k = 0; k < n; k++) {
      const importer = anyImporter();
      const chapter = random() < o.loyalty ? prefs[importer]![Math.floor(random() * o.preferred)]! : anyChapter();
      const inChapter = byChapter.get(chapter)!;
      let label = inChapter[Math.floor(random() * inChapter.length)]!;
      let texts = source.textsOf(label, month);
      while (texts === undefined) { label = labels[Math.floor(random() * labels.length)]!; texts = source.textsOf(label, month); }
      const time = o.t0 + month * DRIFT_MONTH_MS + Math.floor(random() * DRIFT_MONTH_MS);
      lines.push({ importer, time, text: texts[Math.floor(random() * texts.length)]!, label });
    }
  }
  return lines.sort((a, b) => a.time - b.time);
}

/** Draws an importer: uniformly, or by Zipf weights 1/(i+1)^skew (cumulative weights, binary search). */
function importerDraw(importers: number, skew: number, random: () => number): () => number {
  // The uniform draw is the generator's original one, so skew 0 gives the lines it always gave.
  if (skew === 0) return () => Math.floor(random() * importers);
  const cumulative = new Float64Array(importers);
  let sum = 0;
  for (let i = 0; i < importers; i++) cumulative[i] = sum += 1 / (i + 1) ** skew;
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = importers - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/**
 * The importers' declaration history as a feature file (`features ingest`): after every line, the
 * importer's two most frequent chapters and its most frequent heading over its last `history`
 * lines (its recent trade), and its most frequent chapter and heading over all its lines so far (a
 * lifetime profile, the kind of aggregate a nightly job keeps per customer), stamped 1 ms after the
 * line (a value never describes the line that made it). Joined point in time, the lifetime profile
 * is stale when trade drifts; joined by its latest value, it was counted from the example's own
 * line and the lines after it.
 */
export function importerHistoryCsv(lines: readonly ImporterLine[], history = 20, keyOf: (importer: number) => string = (i) => `imp${i}`): string {
  const recent = new Map<number, string[]>();
  const lifetime = new Map<number, { chapters: Map<string, number>; headings: Map<string, number> }>();
  const out = ['importer_id,event_time,top_chapter,second_chapter,top_heading,top_chapter_all,top_heading_all'];
  const ranked = (c: ReadonlyMap<string, number>) => [...c.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([x]) => x);
  const counted = (xs: readonly string[]) => {
    const c = new Map<string, number>();
    for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
    return c;
  };
  for (const l of lines) {
    const r = [...(recent.get(l.importer) ?? []), l.label].slice(-history);
    recent.set(l.importer, r);
    const all = lifetime.get(l.importer) ?? { chapters: new Map<string, number>(), headings: new Map<string, number>() };
    lifetime.set(l.importer, all);
    all.chapters.set(chapterOf(l.label), (all.chapters.get(chapterOf(l.label)) ?? 0) + 1);
    all.headings.set(l.label, (all.headings.get(l.label) ?? 0) + 1);
    const chapters = ranked(counted(r.map(chapterOf)));
    out.push(`${keyOf(l.importer)},${l.time + 1},${chapters[0]},${chapters[1] ?? ''},${ranked(counted(r))[0]},${ranked(all.chapters)[0]},${ranked(all.headings)[0]}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * The demo's invoice lines (generateInvoiceLines: its products, packaging words and class skew),
 * declared by importers whose trade drifts. `rows` of InvoiceOptions is the size of the text pool
 * lines are drawn from.
 */
export function importerInvoiceLines(invoice: InvoiceOptions, drift: DriftOptions): ImporterLine[] {
  const pool = generateInvoiceLines(invoice);
  const texts = new Map<string, string[]>();
  for (const l of pool) texts.set(l.label, [...(texts.get(l.label) ?? []), l.text]);
  return driftingImporterLines({
    labels: pool.map((l) => l.label),
    textsOf: (label) => texts.get(label),
  }, drift);
}
