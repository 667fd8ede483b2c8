import { classifyCorrelation, type ChangeKind } from './correlation-kinds.js';
import type { CorrelationTable } from './taxonomy.js';

export interface AffectedClass {
  readonly label: string;
  /** How the table changes it, or `not-in-new`: the new taxonomy lacks it and the table says nothing. */
  readonly kind: ChangeKind | 'not-in-new';
  readonly targets: readonly string[];
  /** Recent answers of the model with this label (0 when no traffic was logged). */
  readonly predictions: number;
}

export interface AffectedReport {
  /** Classes of the model the change touches; a one-to-one to itself is not a change and is left out. */
  readonly classes: readonly AffectedClass[];
  readonly modelClasses: number;
  /** Recent answers counted, and those that named an affected class. */
  readonly predictions: number;
  readonly affectedPredictions: number;
  /** affectedPredictions / predictions; null without traffic. */
  readonly affectedShare: number | null;
}

/**
 * Which of a model's classes a correlation table changes, and what share of its recent answers named
 * one of them (`predictionCounts`: label -> answers, from the prediction log).
 */
export function affectedClasses(input: {
  readonly labels: readonly string[];
  readonly table: CorrelationTable;
  readonly newCodes: ReadonlySet<string>;
  readonly predictionCounts: ReadonlyMap<string, number>;
}): AffectedReport {
  const changes = classifyCorrelation(input.table.pairs);
  const classes: AffectedClass[] = [];
  for (const label of input.labels) {
    const change = changes.get(label);
    const predictions = input.predictionCounts.get(label) ?? 0;
    if (change !== undefined && !(change.kind === 'one-to-one' && change.targets[0] === label)) {
      classes.push({ label, kind: change.kind, targets: change.targets, predictions });
    } else if (change === undefined && !input.newCodes.has(label)) {
      classes.push({ label, kind: 'not-in-new', targets: [], predictions });
    }
  }
  classes.sort((a, b) => b.predictions - a.predictions || (a.label < b.label ? -1 : 1));
  const predictions = [...input.predictionCounts.values()].reduce((a, b) => a + b, 0);
  const affectedPredictions = classes.reduce((n, c) => n + c.predictions, 0);
  return {
    classes, modelClasses: input.labels.length, predictions, affectedPredictions, affectedShare: predictions === 0 ? null : affectedPredictions / predictions,
  };
}
