import type { StoredThresholdCheck } from '../training/coverage.js';
import type { EvalReport } from '../training/evaluate.js';
import { table } from './output.js';

export interface RenderOptions {
  /** Print every class, not only the worst ones. */
  readonly all?: boolean;
  /** How many of the worst classes to list without `all`. */
  readonly worst?: number;
}

const pct = (v: number | null): string => (v === null ? '-' : `${(100 * v).toFixed(2)}%`);

/** The evaluation report for a person: headline figures first, then the detail that explains them. */
export function renderEvalReport(r: EvalReport, options: RenderOptions = {}): string {
  const out: string[] = [];
  const headline: Array<[string, string]> = [
    ['rows', String(r.rows)],
    ['classes (model)', String(r.classes)],
    ['accuracy', pct(r.accuracy)],
    ['macro-F1', r.macroF1.toFixed(4)],
    ['weighted F1', r.weightedF1.toFixed(4)],
    ...r.topK.map((t): [string, string] => [`top-${t.k} accuracy`, pct(t.accuracy)]),
    ['log-loss', `${r.logLoss.toFixed(4)}${r.logLossRows < r.rows ? ` (over ${r.logLossRows} rows with known labels)` : ''}`],
    ['ECE (15 bins)', r.calibration.ece.toFixed(4)],
  ];
  if (r.unknownLabelRows > 0) {
    headline.push(['unknown labels', `${r.unknownLabelRows} rows (${r.unknownLabels} distinct labels the model never saw), counted as errors`]);
  }
  const width = Math.max(...headline.map(([k]) => k.length));
  out.push(...headline.map(([k, v]) => `${k.padEnd(width)}  ${v}`));

  if (r.hierarchy.length > 0) {
    out.push('', 'Hierarchical accuracy: the prefix of the best code, and the prefix whose codes\' probabilities sum highest');
    out.push(table(['prefix', 'of the best code', 'by summed probability'], r.hierarchy.map((h) => [`${h.level} digits`, pct(h.accuracy), h.marginalAccuracy === undefined ? '' : pct(h.marginalAccuracy)])));
  }

  out.push('', ...renderStoredThresholds(r.storedThresholds));
  out.push('', 'Thresholds fitted on this file itself (optimistic: the best any threshold could do on these very rows)');
  out.push(table(['target', 'threshold', 'auto-classified', 'routed to person', 'accuracy'], r.coverage.map((c) =>
    [pct(c.targetAccuracy), c.threshold === null ? 'none reaches it' : c.threshold.toFixed(4), `${pct(c.coverage)} (${c.rows})`, pct(c.routedToPerson), pct(c.accuracy)])));

  out.push('', `Calibration (top-1 confidence; ECE ${r.calibration.ece.toFixed(4)}, max gap ${r.calibration.maxCalibrationError.toFixed(4)})`);
  out.push(table(['confidence', 'rows', 'mean confidence', 'accuracy', 'gap'], r.calibration.bins.filter((b) => b.count > 0).map((b) =>
    [`${b.lower.toFixed(2)}-${b.upper.toFixed(2)}`, b.count, b.confidence, b.accuracy,
      b.accuracy === null || b.confidence === null ? null : b.accuracy - b.confidence])));

  const classes = [...r.perClass];
  if (options.all) {
    out.push('', `Per class (${classes.length} present in truth or predictions)`);
    classes.sort((a, b) => b.support - a.support || a.label.localeCompare(b.label));
  } else {
    const n = options.worst ?? 15;
    classes.splice(0, classes.length, ...classes.filter((c) => c.support > 0)
      .sort((a, b) => a.f1 - b.f1 || b.support - a.support || a.label.localeCompare(b.label)).slice(0, n));
    out.push('', `Worst ${classes.length} classes by F1 (with support; --all lists every class)`);
  }
  out.push(table(['label', 'precision', 'recall', 'f1', 'support', 'predicted'], classes.map((c) => [c.label, c.precision, c.recall, c.f1, c.support, c.predicted])));

  if (r.topConfusions.length > 0) {
    out.push('', 'Most frequent confusions');
    out.push(table(['true', 'predicted', 'rows'], r.topConfusions.map((c) => [c.trueLabel, c.predictedLabel, c.count])));
  }
  return out.join('\n');
}

/** The model's own thresholds (stored at training time) and what they really give on this file. */
function renderStoredThresholds(s: StoredThresholdCheck | null): string[] {
  if (s === null) {
    return ['Auto-classification with the model\'s stored thresholds: none stored (an older artifact or an imported ONNX model); only the optimistic figures below exist.'];
  }
  return [
    `Auto-classification with the thresholds stored at training time (fitted on ${s.fittedOnRows} validation rows; confidence >= threshold is decided without a person)`,
    table(['target', 'threshold', 'auto-classified here', 'precision here', 'expected at training'], s.points.map((p) =>
      [pct(p.target), p.threshold === null ? 'none reached it' : p.threshold.toFixed(4), `${pct(p.coverage)} (${p.rows})`, pct(p.precision), pct(p.expectedCoverage)])),
  ];
}
