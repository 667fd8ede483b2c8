import { sha256Hex } from '../../../src/core/hash.js';
import type { DeploymentSpec } from '../../../src/core/deployment-spec.js';
import type { LoggedPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import type { FeedbackRecord, MonitoringStore } from '../../../src/monitoring/store/monitoring-store.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';

/** How each variant (by model ref) behaves in the simulation. */
export interface SimulatedModel {
  readonly accuracy: number;
  readonly latencyMs: number;
}

const LABELS = ['3901', '3923', '8471', '6109', '9403'];
const TEXT = 'polyethylene granules in bags of 25 kg';
const STATS = computeTextStats(TEXT);
const TEXT_SHA = sha256Hex(TEXT);

/** A tiny seeded generator (mulberry32), so a run is the same every time. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What a server would log for `requests` answers under `spec` at time `at`, and the delayed labels
 * for a share of them: primaries picked by weight, shadows answering every text too (same request
 * id), each model right with its accuracy. Written straight into the real monitoring store, as the
 * log writer and `lading feedback` would.
 */
export async function simulateTraffic(store: MonitoringStore, spec: DeploymentSpec, models: Readonly<Record<string, SimulatedModel>>, o: {
  readonly at: number; readonly requests: number; readonly labelled: number; readonly random: () => number; readonly idPrefix: string;
}): Promise<void> {
  const primaries = spec.variants.filter((v) => v.role === 'primary' && v.weight > 0);
  const total = primaries.reduce((s, v) => s + v.weight, 0);
  const rows: LoggedPrediction[] = [];
  const feedback: FeedbackRecord[] = [];
  const answer = (truth: string, m: SimulatedModel) => (o.random() < m.accuracy ? truth : LABELS[(LABELS.indexOf(truth) + 1 + Math.floor(o.random() * 4)) % LABELS.length]!);
  for (let i = 0; i < o.requests; i++) {
    const truth = LABELS[Math.floor(o.random() * LABELS.length)]!;
    let pick = o.random() * total;
    const primary = primaries.find((v) => (pick -= v.weight) < 0) ?? primaries[0]!;
    const requestId = `${o.idPrefix}-${i}`;
    const row = (variant: string, ref: string, role: 'primary' | 'shadow'): LoggedPrediction => {
      const m = models[ref];
      if (!m) throw new Error(`no simulated model for ${ref}`);
      const label = answer(truth, m);
      return {
        requestId, position: 0, at: o.at, endpoint: spec.endpoint, variant, role, model: ref.split('@')[0]!, version: ref.split('@')[1] ?? '1',
        modelSha256: sha256Hex(ref), text: TEXT, textSha256: TEXT_SHA, label, score: 0.9, topK: [{ label, score: 0.9 }], latencyMs: m.latencyMs, stats: STATS,
      };
    };
    const p = row(primary.name, primary.model, 'primary');
    rows.push(p);
    for (const s of spec.variants.filter((v) => v.role === 'shadow')) rows.push(row(s.name, s.model, 'shadow'));
    if (i < o.labelled) {
      feedback.push({
        endpoint: spec.endpoint, time: o.at, receivedAt: o.at, label: truth, source: 'broker', requestId, position: 0, text: TEXT, textSha256: TEXT_SHA,
        prediction: { seq: 0, variant: p.variant, model: p.model, version: p.version, modelSha256: p.modelSha256, label: p.label, score: p.score, at: p.at },
        newClass: false,
      });
    }
  }
  await store.appendPredictions(rows);
  if (feedback.length > 0) await store.addFeedback(feedback);
}
