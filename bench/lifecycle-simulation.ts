/**
 * The A/A and A/B simulation table of `npm run bench:lifecycle` (issue 11, section 5): the
 * sequential accuracy test on delayed labels, read after every batch of 50 labels, each experiment
 * run to the plan's maxLabels (src/lifecycle/sequential/simulate.ts), and the guardrail rate tests
 * read after every 50 requests (simulate-guardrails.ts). Columns: the share of experiments that
 * promoted (false promotions under A/A, power under A/B), how each ended, labels to the first
 * decision and to promotion (p50/p80/p95; "—" where fewer than that share promoted), and how often
 * the confidence sequence held the true difference at every read.
 *
 * For contrast, one row reads a fixed-horizon 95% interval after every batch, which is what a
 * per-interval threshold check amounts to: its false promotions are what the sequential test avoids.
 * `node dist/bench/lifecycle-simulation.js` prints the table and writes
 * bench/results/lifecycle-simulation.json. LADING_BENCH_EXPERIMENTS (default 1000).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { table } from '../src/cli/output.js';
import { createRandom, deriveSeed } from '../src/core/random.js';
import { BinomialSampler } from '../src/lifecycle/sequential/binomial-sampler.js';
import { simulateRateGuardrail, type RateGuardrailSummary } from '../src/lifecycle/sequential/simulate-guardrails.js';
import { simulateExperiments, type SimulationScenario, type SimulationSummary } from '../src/lifecycle/sequential/simulate.js';
import { machine, writeResult } from './machine.js';

export interface LifecycleSimulationOptions {
  readonly experiments?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface AccuracyRow extends SimulationSummary {
  /** What the issue promises for this row, or '(info)'. */
  readonly target: string;
  readonly pass: boolean | null;
  readonly seconds: number;
}

export interface LifecycleSimulationResult {
  readonly settings: { readonly alpha: number; readonly minEffect: number; readonly championAccuracy: number; readonly batch: number; readonly experiments: number; readonly seed: number };
  readonly accuracy: readonly AccuracyRow[];
  /** A/A false promotions of a fixed-horizon 95% interval read after every batch (no sequential correction). */
  readonly naivePeeking: { readonly design: 'paired'; readonly experiments: number; readonly maxLabels: number; readonly promotedShare: number };
  readonly guardrails: readonly RateGuardrailSummary[];
  readonly seconds: number;
}

const ALPHA = 0.05;
const MIN_EFFECT = 0.02;
const CHAMPION = 0.79;
const BATCH = 50;
/** The promises the tests assert (test/lifecycle/sequential-simulation.test.ts). */
const PAIRED_PROMOTION_LABELS = 4500;
const UNPAIRED_PROMOTION_LABELS = 22_000;

export function measureLifecycleSimulation(options: LifecycleSimulationOptions = {}): LifecycleSimulationResult {
  const experiments = options.experiments ?? 1000;
  const seed = options.seed ?? 2026;
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const plan = (maxLabels: number) => ({ alpha: ALPHA, minEffect: MIN_EFFECT, maxLabels });
  const scenarios: Array<{ s: SimulationScenario; target: string; pass: (r: SimulationSummary) => boolean }> = [];
  const aa = (r: SimulationSummary) => r.promotedShare <= ALPHA;
  const ab = (limit: number) => (r: SimulationSummary) => r.labelsToPromotion.p80 <= limit;
  const add = (s: Omit<SimulationScenario, 'experiments' | 'seed' | 'batch'>, target = '(info)', pass?: (r: SimulationSummary) => boolean) => {
    scenarios.push({ s: { ...s, experiments, seed, batch: BATCH }, target, pass: pass ?? (() => true) });
  };
  add({ name: 'A/A shadow', design: 'paired', championAccuracy: CHAMPION, challengerAccuracy: CHAMPION, options: plan(20_000) }, 'promoted <= 5%', aa);
  add({ name: 'A/B +2 points shadow', design: 'paired', championAccuracy: CHAMPION, challengerAccuracy: CHAMPION + 0.02, options: plan(20_000) }, `80% by ${PAIRED_PROMOTION_LABELS}`, ab(PAIRED_PROMOTION_LABELS));
  add({ name: 'A/A 50/50 split', design: 'unpaired', championAccuracy: CHAMPION, challengerAccuracy: CHAMPION, options: plan(60_000) }, 'promoted <= 5%', aa);
  add({ name: 'A/B +2 points 50/50 split', design: 'unpaired', championAccuracy: CHAMPION, challengerAccuracy: CHAMPION + 0.02, options: plan(60_000) }, `80% by ${UNPAIRED_PROMOTION_LABELS}`, ab(UNPAIRED_PROMOTION_LABELS));
  add({ name: 'A/B +2 points shadow, 6% disagree', design: 'paired', disagreement: 0.06, championAccuracy: CHAMPION, challengerAccuracy: CHAMPION + 0.02, options: plan(20_000) });
  add({ name: 'A/B +2 points shadow, 24% disagree', design: 'paired', disagreement: 0.24, championAccuracy: CHAMPION, challengerAccuracy: CHAMPION + 0.02, options: plan(20_000) });
  add({ name: 'A/B +2 points 10% canary', design: 'unpaired', challengerShare: 0.1, championAccuracy: CHAMPION, challengerAccuracy: CHAMPION + 0.02, options: plan(150_000) });
  add({ name: 'A/B -2 points shadow', design: 'paired', championAccuracy: CHAMPION, challengerAccuracy: CHAMPION - 0.02, options: plan(20_000) });
  add({ name: 'A/B -2 points shadow, non-inferiority 2', design: 'paired', championAccuracy: CHAMPION, challengerAccuracy: CHAMPION - 0.02, options: { ...plan(20_000), rule: 'non-inferiority', margin: 0.02 } }, 'promoted <= 5%', aa);
  add({ name: 'A/B -1 point shadow, non-inferiority 2', design: 'paired', championAccuracy: CHAMPION, challengerAccuracy: CHAMPION - 0.01, options: { ...plan(20_000), rule: 'non-inferiority', margin: 0.02 } });
  const accuracy = scenarios.map(({ s, target, pass }) => {
    const t0 = performance.now();
    const r = simulateExperiments(s);
    const seconds = (performance.now() - t0) / 1000;
    log(`${s.name}: promoted ${(r.promotedShare * 100).toFixed(1)}%, labels to decision p50 ${r.labelsToDecision.p50} (${seconds.toFixed(1)} s)`);
    return { ...r, target, pass: target === '(info)' ? null : pass(r), seconds };
  });
  const naivePeeking = { design: 'paired' as const, experiments, maxLabels: 20_000, promotedShare: naivePairedPeeking(experiments, 20_000, seed) };
  log(`fixed-horizon interval read after every batch, A/A shadow: promoted ${(naivePeeking.promotedShare * 100).toFixed(1)}%`);
  const rate = (name: string, challengerRate: number, extra: { threshold?: number; championRate?: number }) =>
    simulateRateGuardrail({ name, challengerRate, ...extra, alpha: ALPHA, experiments, maxRequests: extra.threshold !== undefined ? 10_000 : 20_000, batch: BATCH, seed });
  const guardrails = [
    rate('error rate 1% vs 1% guardrail', 0.01, { threshold: 0.01 }),
    rate('error rate 0.5% vs 1% guardrail', 0.005, { threshold: 0.01 }),
    rate('error rate 2% vs 1% guardrail', 0.02, { threshold: 0.01 }),
    rate('error rate 5% vs 1% guardrail', 0.05, { threshold: 0.01 }),
    rate('slow share 3% vs p99 (1%)', 0.03, { threshold: 0.01 }),
    rate('errors 1% vs champion 1%', 0.01, { championRate: 0.01 }),
    rate('errors 3% vs champion 1%', 0.03, { championRate: 0.01 }),
  ];
  return {
    settings: { alpha: ALPHA, minEffect: MIN_EFFECT, championAccuracy: CHAMPION, batch: BATCH, experiments, seed },
    accuracy, naivePeeking, guardrails, seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The mistake the sequential test exists to avoid: a fixed-horizon 95% normal interval on the
 * paired difference, recomputed after every batch, promoting as soon as it excludes 0 from above.
 */
function naivePairedPeeking(experiments: number, maxLabels: number, seed: number): number {
  const q = 0.12;
  const disagree = new BinomialSampler(q, BATCH);
  const split = new BinomialSampler(0.5, BATCH);
  let promoted = 0;
  for (let e = 0; e < experiments; e++) {
    const random = createRandom(deriveSeed(seed, e));
    let n = 0;
    let plus = 0;
    let minus = 0;
    while (n < maxLabels) {
      const d = disagree.draw(BATCH, random.next());
      const p = split.draw(d, random.next());
      plus += p;
      minus += d - p;
      n += BATCH;
      const mean = (plus - minus) / n;
      const variance = (plus + minus) / n - mean * mean;
      if (n >= 100 && mean - 1.96 * Math.sqrt(variance / n) > 0) {
        promoted++;
        break;
      }
    }
  }
  return promoted / experiments;
}

const dash = (x: number) => (Number.isFinite(x) ? x : '—');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderLifecycleSimulation(r: LifecycleSimulationResult): string {
  const s = r.settings;
  const lines = [
    `sequential accuracy test: α ${s.alpha}, minEffect ${s.minEffect * 100} points, champion accuracy ${s.championAccuracy}, read after every ${s.batch} labels, ${s.experiments} experiments per row (seed ${s.seed})`,
    table(['scenario', 'max labels', 'promoted', 'worse', 'no diff', 'no decision', 'decision p50', 'p80', 'p95', 'promotion p50', 'p80', 'p95', 'coverage', 'target', 'pass'],
      r.accuracy.map((x) => [x.name, x.maxLabels, pct(x.promotedShare), pct(x.decisions['challenger-worse'] / x.experiments), pct(x.decisions['no-difference-within-margin'] / x.experiments),
        pct(x.decisions['no-decision'] / x.experiments), x.labelsToDecision.p50, x.labelsToDecision.p80, x.labelsToDecision.p95,
        dash(x.labelsToPromotion.p50), dash(x.labelsToPromotion.p80), dash(x.labelsToPromotion.p95), pct(x.coverage), x.target, x.pass === null ? '' : x.pass ? 'ok' : 'FAIL'])),
    `for contrast, a fixed-horizon 95% interval read after every batch (A/A shadow, up to ${r.naivePeeking.maxLabels} labels): ${pct(r.naivePeeking.promotedShare)} promoted`,
    '',
    `guardrails, read after every ${s.batch} requests:`,
    table(['scenario', 'max requests', 'breached', 'requests p50', 'p80', 'p95'],
      r.guardrails.map((g) => [g.name, g.maxRequests, pct(g.breachedShare), dash(g.requestsToBreach.p50), dash(g.requestsToBreach.p80), dash(g.requestsToBreach.p95)])),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const experiments = Number(process.env['LADING_BENCH_EXPERIMENTS'] ?? '1000');
  const result = measureLifecycleSimulation({ experiments, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${renderLifecycleSimulation(result)}\n(${result.seconds.toFixed(1)} s)\n`);
  process.stderr.write(`written to ${writeResult('lifecycle-simulation', { machine: machine(), ...result })}\n`);
  if (result.accuracy.some((x) => x.pass === false)) process.exitCode = 1;
}
