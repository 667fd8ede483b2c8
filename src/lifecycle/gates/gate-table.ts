import type { GateFigure, GateReport, GateResult } from './gate-report.js';

/** One check of a gate report as people read it: what, on which texts, measured, against what, and the verdict. */
export interface GateRow {
  readonly check: string;
  /** `golden`, `holdout`, or `-` for budgets measured once. */
  readonly set: string;
  readonly value: string;
  readonly threshold: string;
  /** `pass`, `FAIL`, `FAIL (worse)`, `FAIL (not shown)` or `skipped`. */
  readonly verdict: string;
}

const num = (f: GateFigure | undefined): number | undefined => (typeof f === 'number' ? f : undefined);
const f3 = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(3));
const signed = (x: number | undefined): string => (x === undefined ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(3)}`);

/**
 * The report as rows for `lading pipeline run` and the controller's status lines. The reasons stay
 * the full story (with every count); a row is what fits a table: the decisive figure and its bar.
 */
export function gateRows(report: GateReport): GateRow[] {
  return report.results.map(gateRow);
}

export function gateRow(r: GateResult): GateRow {
  const g = r.figures;
  const set = r.source ?? '-';
  const verdict = r.skipped ? 'skipped' : r.passed ? 'pass' : g['verdict'] === 'worse' ? 'FAIL (worse)' : g['verdict'] === 'not-shown' ? 'FAIL (not shown)' : 'FAIL';
  const row = (value: string, threshold: string): GateRow => ({ check: r.gate, set, value, threshold, verdict });
  if (r.skipped) return row(`only ${num(g['texts']) ?? 0} rows`, `>= ${num(g['minTexts']) ?? '?'} rows`);
  switch (r.gate) {
    case 'accuracy':
    case 'macroF1':
      if (g['verdict'] === undefined) return row(`candidate ${f3(num(g['candidate']))} (no champion)`, '-');
      return row(`${signed(num(g['difference']))} (lower ${signed(num(g['lower']))})`, `lower >= -${f3(num(g['margin']))}`);
    case 'classRecall':
      if (g['maxDrop'] === undefined) return row(`candidate ${f3(num(g['candidate']))} (no champion)`, '-');
      return row(g['largestDropClass'] === null ? 'no class checked' : `largest drop ${f3(num(g['largestDrop']))} (${String(g['largestDropClass'])})`,
        `drop <= ${f3(num(g['maxDrop']))} (support >= ${num(g['minSupport'])})`);
    case 'p99Latency':
      return row(`${f3(num(g['p99Ms']))} ms`, `<= ${num(g['budgetMs'])} ms`);
    case 'artifactSize':
      return row(`${f3(num(g['megabytes']))} MB`, `<= ${num(g['budgetMb'])} MB`);
    case 'calibration':
      return row(`ECE ${f3(num(g['ece']))}`, `<= ${num(g['budget'])}`);
    case 'evidence':
      return row(`${num(g['texts']) ?? 0} texts`, 'a gate set');
  }
}
