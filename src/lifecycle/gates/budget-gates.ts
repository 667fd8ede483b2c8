import type { ModelVersionRecord } from '../../registry/model-registry.js';
import { calibration } from '../../training/calibration.js';
import type { GateResult } from './gate-report.js';
import type { ModelAnswers } from './gate-model.js';
import type { LatencyProbe } from './latency-probe.js';
import { f3 } from './comparison-gates.js';

/** Artifact budgets are in MB of 10^6 bytes, as disks and object stores count them. */
const BYTES_PER_MB = 1_000_000;

export function latencyGate(probe: LatencyProbe, budgetMs: number): GateResult {
  const passed = probe.p99Ms <= budgetMs;
  return {
    gate: 'p99Latency', source: null, passed, skipped: false,
    reason: `p99 latency of single-text predictions ${probe.p99Ms.toFixed(3)} ms ${passed ? 'is within' : 'exceeds'} the budget of ${budgetMs} ms (${probe.calls} timed calls after ${probe.warmupCalls} warm-up calls; p50 ${probe.p50Ms.toFixed(3)} ms, max ${probe.maxMs.toFixed(3)} ms)`,
    figures: { p99Ms: probe.p99Ms, p50Ms: probe.p50Ms, maxMs: probe.maxMs, calls: probe.calls, warmupCalls: probe.warmupCalls, budgetMs },
  };
}

export function artifactSizeGate(record: ModelVersionRecord, budgetMb: number): GateResult {
  const mb = record.artifactBytes / BYTES_PER_MB;
  const passed = mb <= budgetMb;
  return {
    gate: 'artifactSize', source: null, passed, skipped: false,
    reason: `artifact size ${mb.toFixed(3)} MB (${record.artifactBytes.toLocaleString('en-US')} bytes) ${passed ? 'is within' : 'exceeds'} the budget of ${budgetMb} MB`,
    figures: { megabytes: mb, bytes: record.artifactBytes, budgetMb },
  };
}

/**
 * Expected calibration error (15 equal-width bins of top-1 confidence, src/training/calibration.ts)
 * of the candidate on every gate text: routing by confidence is only as good as this.
 */
export function calibrationGate(texts: number, truth: readonly string[], answers: ModelAnswers | null, budget: number): GateResult {
  if (answers === null || texts === 0) {
    return {
      gate: 'calibration', source: null, passed: false, skipped: false,
      reason: `no gate texts to measure calibration error on (budget ${budget}): the policy names no golden set and no held-out feedback was large enough`,
      figures: { texts: 0, budget },
    };
  }
  const correct = Uint8Array.from(answers.labels, (l, i) => (l === truth[i] ? 1 : 0));
  const { ece } = calibration(answers.confidence, correct);
  const passed = ece <= budget;
  return {
    gate: 'calibration', source: null, passed, skipped: false,
    reason: `expected calibration error ${f3(ece)} on ${texts.toLocaleString('en-US')} gate texts ${passed ? 'is within' : 'exceeds'} the budget of ${budget}`,
    figures: { ece, texts, budget },
  };
}
