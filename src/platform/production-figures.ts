import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import { classTable, type ClassMetrics, type Confusion } from '../training/confusion.js';

/** The version's answers that got a true label in production: the only place the true label of a wrong answer is known. */
export interface ProductionFigures {
  readonly rows: number;
  readonly accuracy: number;
  readonly macroF1: number;
  /** Every class in the truth or the answers; recall is here (true labels are known). */
  readonly perClass: readonly ClassMetrics[];
  readonly topConfusions: readonly Confusion[];
  /** The classes of the most frequent confusions and the counts among them: counts[t][p], true t answered p. */
  readonly heatmap: { readonly labels: readonly string[]; readonly counts: ReadonlyArray<readonly number[]> };
}

/** Newest labelled answers read per endpoint: enough for stable figures, bounded for a large log. */
const PRODUCTION_ROWS = 50_000;
/** Classes in the heat map: a 12 x 12 grid still reads on a phone. */
const HEATMAP_CLASSES = 12;

/** Labels only (listFeedbackLabels): the whole item with its text and hashes cost ~10x the time for nothing read here. */
export type FeedbackReader = Pick<MonitoringStore, 'listLoggedEndpoints' | 'listFeedbackLabels'>;

/**
 * A version's answers that got a true label later (feedback and review answers joined to its
 * logged predictions, every endpoint, the newest PRODUCTION_ROWS of each): accuracy, macro-F1,
 * per-class figures, the top confusions and a heat map among their classes; null without any.
 * Its cost grows with the labels read, bounded by PRODUCTION_ROWS per endpoint; the dashboard runs
 * it in its own thread (ui-work.ts), so a serving process never answers a prediction late for it.
 */
export async function productionFigures(store: FeedbackReader, labels: readonly string[], modelSha256: string): Promise<ProductionFigures | null> {
  const index = new Map(labels.map((l, i) => [l, i]));
  const classNames = [...labels];
  const trueIds: number[] = [];
  const predictedIds: number[] = [];
  for (const { endpoint } of await store.listLoggedEndpoints()) {
    for (const f of await store.listFeedbackLabels({ endpoint, modelSha256, last: PRODUCTION_ROWS })) {
      const p = f.predicted === null ? undefined : index.get(f.predicted);
      if (p === undefined) continue;
      // A label the model never had becomes an extra class after its own (confusion.ts's convention).
      let t = index.get(f.label);
      if (t === undefined) { t = classNames.length; index.set(f.label, t); classNames.push(f.label); }
      trueIds.push(t);
      predictedIds.push(p);
    }
  }
  if (trueIds.length === 0) return null;
  const trueClass = Int32Array.from(trueIds);
  const predicted = Int32Array.from(predictedIds);
  const table = classTable(classNames, labels.length, trueClass, predicted);
  let right = 0;
  for (let i = 0; i < trueClass.length; i++) if (trueClass[i] === predicted[i]) right++;
  return { rows: trueClass.length, accuracy: right / trueClass.length, macroF1: table.macroF1, perClass: table.perClass, topConfusions: table.topConfusions, heatmap: heatmapOf(table.topConfusions, classNames, trueClass, predicted) };
}

/** The counts among the classes of the most frequent confusions (diagonal included, so a cell reads against its row). */
function heatmapOf(top: readonly Confusion[], classNames: readonly string[], trueClass: Int32Array, predicted: Int32Array): ProductionFigures['heatmap'] {
  const chosen: string[] = [];
  for (const c of top) for (const l of [c.trueLabel, c.predictedLabel]) if (!chosen.includes(l) && chosen.length < HEATMAP_CLASSES) chosen.push(l);
  const at = new Map(chosen.map((l, i) => [l, i]));
  const counts = chosen.map(() => chosen.map(() => 0));
  for (let i = 0; i < trueClass.length; i++) {
    const t = at.get(classNames[trueClass[i]!]!);
    const p = at.get(classNames[predicted[i]!]!);
    if (t !== undefined && p !== undefined) counts[t]![p]!++;
  }
  return { labels: chosen, counts };
}
