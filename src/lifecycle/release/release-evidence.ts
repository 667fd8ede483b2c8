import { answeredLabel } from '../../monitoring/log/logged-prediction.js';
import type { AlertEventRecord, MonitoringStore } from '../../monitoring/store/monitoring-store.js';
import { challengerVariantName, championVariant, effectiveStep } from './release-plan.js';
import type { ReleaseRecord } from './release-record.js';

/** What one variant answered during the current step. */
export interface VariantTraffic {
  readonly requests: number;
  /** Answers slower than the plan's p99 budget (guardrails.p99Ms). */
  readonly slow: number;
  /** Observed p99 latency, ms (null with no answers). */
  readonly p99Ms: number | null;
}

/** Delayed labels since the release began, split the ways the sequential test reads them. */
export interface LabelEvidence {
  /** Texts both answered (shadow) with a true label: counts of (champion right, challenger right). */
  readonly paired: { readonly n: number; readonly bothRight: number; readonly championOnly: number; readonly challengerOnly: number };
  /** Labels of texts each variant answered as a primary (canary, blue/green): right / labelled. */
  readonly champion: { readonly n: number; readonly right: number };
  readonly challenger: { readonly n: number; readonly right: number };
}

export interface ReleaseEvidence {
  readonly champion: VariantTraffic;
  readonly challenger: VariantTraffic;
  /** Shadow steps: texts both answered during this step, and on how many they gave the same label. */
  readonly compared: number;
  readonly agreed: number;
  readonly labels: LabelEvidence;
  /** Alerts that fired for the challenger's variant during this release (error rate, latency, drift...). */
  readonly challengerAlerts: readonly AlertEventRecord[];
}

/**
 * Reads a release's evidence back from the prediction log, feedback and alert history. It is
 * recomputed from the stores on every tick rather than accumulated in the controller, so a
 * controller killed at any point resumes with exactly the evidence it would have had: the always-
 * valid tests may be read after every tick without inflating false decisions.
 */
export async function gatherEvidence(store: MonitoringStore, release: ReleaseRecord, slowMs: number, until: number): Promise<ReleaseEvidence> {
  const championName = championVariant(release.baseSpec).name;
  const challengerName = challengerVariantName(release.baseSpec);
  const latencies = { [championName]: [] as number[], [challengerName]: [] as number[] };
  // The role each variant answers in during this step: the challenger shadows in a shadow step and
  // is a primary in a canary or blue/green one; the champion is always a primary. An answer in the
  // other role (a server that has not yet seen the step's deployment still mirroring texts to the
  // challenger, whose shadow calls run off the request path) says nothing of this step's latency.
  const stepRole = { [championName]: 'primary', [challengerName]: effectiveStep(release.plan.steps, release.step).kind === 'shadow' ? 'shadow' : 'primary' };
  const primaryLabel = new Map<string, string>();
  const shadowLabel = new Map<string, string>();
  let compared = 0;
  let agreed = 0;
  for await (const page of store.scanPredictions({ endpoint: release.endpoint, since: release.since, until, role: 'any' })) {
    for (const p of page) {
      if (p.variant !== championName && p.variant !== challengerName) continue;
      const key = `${p.requestId}#${p.position}`;
      // Under a taxonomy, what each variant answered in it: feedback labels are codes of the active taxonomy.
      const label = answeredLabel(p);
      if (p.requestId !== '') (p.role === 'shadow' ? shadowLabel : primaryLabel).set(key, label);
      if (p.at < release.stepSince) continue;
      // One latency per call: the texts of one request share it, and counting each would make one
      // slow 32-text call look like 32 slow answers to the rate test.
      if (p.position === 0 && p.role === stepRole[p.variant]) latencies[p.variant]!.push(p.latencyMs);
      if (p.requestId === '') continue;
      const other = (p.role === 'shadow' ? primaryLabel : shadowLabel).get(key);
      if (other !== undefined) {
        compared++;
        if (other === label) agreed++;
      }
    }
  }
  const paired = { n: 0, bothRight: 0, championOnly: 0, challengerOnly: 0 };
  const champion = { n: 0, right: 0 };
  const challenger = { n: 0, right: 0 };
  for (const f of await store.listFeedback({ endpoint: release.endpoint, until })) {
    const p = f.prediction;
    if (p === null || p.at < release.since) continue;
    const right = p.label === f.label;
    if (p.variant === championName) {
      champion.n++;
      if (right) champion.right++;
      const shadow = f.requestId === null ? undefined : shadowLabel.get(`${f.requestId}#${f.position ?? 0}`);
      if (shadow !== undefined) {
        const challengerRight = shadow === f.label;
        paired.n++;
        if (right && challengerRight) paired.bothRight++;
        else if (right) paired.championOnly++;
        else if (challengerRight) paired.challengerOnly++;
      }
    } else if (p.variant === challengerName) {
      challenger.n++;
      if (right) challenger.right++;
    }
  }
  const alerts = await store.listAlertEvents({ endpoint: release.endpoint, since: release.since });
  return {
    champion: traffic(latencies[championName]!, slowMs),
    challenger: traffic(latencies[challengerName]!, slowMs),
    compared,
    agreed,
    labels: { paired, champion, challenger },
    challengerAlerts: alerts.filter((a) => a.state === 'fired' && a.variant === challengerName && a.at >= release.since && a.at < until),
  };
}

function traffic(latencies: number[], slowMs: number): VariantTraffic {
  if (latencies.length === 0) return { requests: 0, slow: 0, p99Ms: null };
  const sorted = Float64Array.from(latencies).sort();
  let slow = 0;
  for (const l of latencies) if (l > slowMs) slow++;
  return { requests: latencies.length, slow, p99Ms: sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]! };
}
