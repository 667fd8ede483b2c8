import { decideInto, fitDecisionPolicy, type DecisionEvidence, type DecisionEvidenceMeta } from '../core/decision-policy.js';

/** The decide-or-route policy at one target: what its validation rows expect, and (given labelled rows) what it gets. */
export interface DecisionCheck {
  readonly target: number;
  /** Weighted share of the validation rows decided automatically, and their precision (null: none decided). */
  readonly expectedCoverage: number;
  readonly expectedPrecision: number | null;
  /** Classes decided at a lower / higher confidence than an average class; the threshold on the adjusted confidence. */
  readonly lowered: number;
  readonly raised: number;
  readonly adjustedThreshold: number | null;
  /** On the rows checked: share decided automatically and their precision (null: none decided, or no rows given). */
  readonly coverage: number | null;
  readonly precision: number | null;
  readonly autoRows: number | null;
}

/** The targets a report shows when none is asked for. */
export const DEFAULT_DECISION_TARGETS: readonly number[] = [0.95, 0.98, 0.99];

/**
 * Fits the policy at each target from the artifact's validation rows and, when `rows` is given
 * (each row's top-1 class and confidence, and its true class, -1 for a label the model never saw),
 * measures it there: the precision and automation rate really reached on data nothing was fitted on.
 */
export function checkDecisions(evidence: DecisionEvidence, classes: number, targets: readonly number[],
  rows?: { readonly topIds: Int32Array; readonly topScores: Float32Array; readonly yTrue: Int32Array }): DecisionCheck[] {
  const auto = new Uint8Array(rows?.topIds.length ?? 0);
  return targets.map((target) => {
    const p = fitDecisionPolicy(evidence, classes, target);
    let coverage: number | null = null, precision: number | null = null, autoRows: number | null = null;
    if (rows && rows.topIds.length > 0) {
      decideInto(p.thresholds, rows.topIds, rows.topScores, auto);
      let n = 0, right = 0;
      for (let i = 0; i < auto.length; i++) if (auto[i] === 1) { n++; if (rows.topIds[i] === rows.yTrue[i]) right++; }
      coverage = n / auto.length; precision = n > 0 ? right / n : null; autoRows = n;
    }
    return {
      target, expectedCoverage: p.expectedCoverage, expectedPrecision: p.expectedPrecision,
      lowered: p.lowered, raised: p.raised, adjustedThreshold: p.adjustedThreshold, coverage, precision, autoRows,
    };
  });
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

/** Where the thresholds' rows came from, for a report ("the 812 validation rows"). Absent meta: an artifact from before the header said. */
export function describeDecisionSource(meta: DecisionEvidenceMeta | undefined): string {
  if (meta === undefined) return 'the validation rows';
  const leftOut = meta.reviewRowsLeftOut ? ` (${meta.reviewRowsLeftOut} reviewed rows left out: review answers teach, but do not stand for traffic)` : '';
  if (meta.fittedOn === 'cross-fit') {
    return `${meta.rows} rows: ${meta.crossFitRows ?? '?'} training rows scored out of ${meta.folds ?? '?'} folds and ${meta.rows - (meta.crossFitRows ?? 0)} validation rows${leftOut}`;
  }
  return `the ${meta.rows} validation rows${leftOut}`;
}

/**
 * Text lines for a report: one per target. `measuredOn`: what the rows checked were (absent:
 * expectations only); `source`: the artifact's decision header, to say where the thresholds came from.
 */
export function renderDecisionChecks(checks: readonly DecisionCheck[] | null, measuredOn?: string, source?: DecisionEvidenceMeta): string[] {
  if (checks === null) return ['Decide or route: the model stores no validation rows to fit thresholds from (an older artifact or an imported model): every answer would be "review".'];
  const out = [`Decide or route (per-class thresholds fitted on ${describeDecisionSource(source)}${measuredOn ? `; measured on ${measuredOn}` : ''}):`];
  for (const c of checks) {
    const expected = `expected ${pct(c.expectedCoverage)} automated at ${pct(c.expectedPrecision)} precision`;
    const measured = measuredOn ? `; here ${pct(c.coverage)} automated (${c.autoRows ?? 0} rows) at ${pct(c.precision)} precision` : '';
    out.push(`  target ${c.target}: ${expected}${measured} (${c.lowered} classes trusted more than average, ${c.raised} less)`);
  }
  return out;
}
