import { InputError } from '../../core/errors.js';
import type { GatePolicy } from '../pipeline/pipeline-spec.js';

/**
 * The pipeline parser validates lading.yaml, but a policy can also be built in code: these are the
 * values the gates cannot decide with, each named by its lading.yaml key.
 */
export function checkGatePolicy(policy: GatePolicy): void {
  const bad = (key: string, value: unknown, wanted: string): never => {
    throw new InputError('gate-bad-policy', `gates.${key} must be ${wanted}, got ${String(value)}`, { key: `gates.${key}`, value: String(value) });
  };
  if (!(policy.alpha > 0 && policy.alpha < 1)) bad('alpha', policy.alpha, 'between 0 and 1');
  if (!(policy.margin.accuracy >= 0 && policy.margin.accuracy < 1)) bad('margin.accuracy', policy.margin.accuracy, 'at least 0 and below 1');
  if (!(policy.margin.macroF1 >= 0 && policy.margin.macroF1 < 1)) bad('margin.macroF1', policy.margin.macroF1, 'at least 0 and below 1');
  if (!(Number.isInteger(policy.classRecall.minSupport) && policy.classRecall.minSupport >= 1)) bad('classRecall.minSupport', policy.classRecall.minSupport, 'a whole number of at least 1');
  if (!(policy.classRecall.maxDrop >= 0 && policy.classRecall.maxDrop <= 1)) bad('classRecall.maxDrop', policy.classRecall.maxDrop, 'between 0 and 1');
  if (!(policy.feedbackHoldout >= 0 && policy.feedbackHoldout < 1)) bad('feedbackHoldout', policy.feedbackHoldout, 'a share from 0 to below 1');
  for (const [key, value] of Object.entries(policy.budgets)) {
    if (value !== undefined && !(value > 0)) bad(`budgets.${key}`, value, 'above 0');
  }
  if (policy.golden !== undefined && policy.golden.trim() === '') bad('golden', '""', 'a dataset version');
}
