/**
 * bench:lifecycle:e2e: the whole loop on HS4 with the real product, end to end, in rounds: new
 * labelled data arrives -> the pipeline's newLabels trigger -> data -> retrain -> register -> gates
 * -> shadow -> canary steps -> promotion, with held-out traffic replayed over HTTP at a steady
 * rate and its delayed labels flowing (lifecycle-e2e-round.ts tells one round's story). The
 * target (issue 11): under 5 minutes on 2 cores, each step's time printed.
 *
 * Env: LADING_BENCH_ROUNDS (3); LADING_BENCH_E2E_RATE texts/s (100); LADING_BENCH_E2E_SHADOW texts
 * (2000); LADING_BENCH_E2E_CANARY percents (25,50); LADING_BENCH_E2E_LABEL_DELAY_MS (1000);
 * LADING_BENCH_E2E_TIMEOUT_S per round (300); LADING_BENCH_E2E_KEEP=1 keeps the workspaces.
 */
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { table } from '../src/cli/output.js';
import { lifecycleData } from './lifecycle-e2e-data.js';
import { labelsToPromotion, stepTimes, type StepTime } from './lifecycle-e2e-records.js';
import { runRound, type RoundOptions, type RoundResult } from './lifecycle-e2e-round.js';
import { machine, writeResult } from './machine.js';
import { DATA, log } from './wrk-driver.js';

const ROUNDS = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '3'));
const TARGET_S = 300;
const OPTIONS: RoundOptions = {
  rate: Number(process.env['LADING_BENCH_E2E_RATE'] ?? '100'),
  shadow: Number(process.env['LADING_BENCH_E2E_SHADOW'] ?? '2000'),
  canary: (process.env['LADING_BENCH_E2E_CANARY'] ?? '25,50').split(',').map(Number),
  labelDelayMs: Number(process.env['LADING_BENCH_E2E_LABEL_DELAY_MS'] ?? '1000'),
  timeoutMs: 1000 * Number(process.env['LADING_BENCH_E2E_TIMEOUT_S'] ?? '300'),
  keep: process.env['LADING_BENCH_E2E_KEEP'] === '1',
};

const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const spread = (xs: readonly number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

interface RoundSummary { round: number; result: RoundResult; steps: StepTime[]; labelsToPromotion: number | undefined; loadAverage1m: number }

async function main(): Promise<void> {
  const rows = await readLabelledFile(DATA, { text: 'text', labels: ['label_4'] });
  const data = lifecycleData(rows, 'label_4');
  log(`HS4: base ${data.base.length}, incoming ${data.incoming.length}, golden ${data.golden.length}, labelled traffic ${data.labelled.length}, live traffic ${data.live.length}`);
  const rounds: RoundSummary[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round}/${ROUNDS}:`);
    const result = await runRound(data, OPTIONS, log);
    const steps = stepTimes(result.records, result.importStart, result.importEnd, result.importedLabels);
    const total = labelsToPromotion(result.records, result.importEnd);
    log(`  ${result.outcome}; newest label -> promotion ${total === undefined ? '-' : `${total.toFixed(1)} s`}; traffic ${result.liveRate.toFixed(0)} texts/s`);
    rounds.push({ round, result, steps, labelsToPromotion: total, loadAverage1m: machine().loadAverage1m });
  }

  const m = machine();
  const names: string[] = [];
  for (const r of rounds) for (const s of r.steps) if (!names.includes(s.step)) names.push(s.step);
  const last = rounds.at(-1)!;
  const rows2 = names.map((name) => {
    const xs = rounds.flatMap((r) => r.steps.filter((s) => s.step === name).map((s) => s.seconds));
    return [name, median(xs).toFixed(1), spread(xs), last.steps.find((s) => s.step === name)?.detail.slice(0, 70) ?? ''];
  });
  const totals = rounds.flatMap((r) => (r.labelsToPromotion === undefined ? [] : [r.labelsToPromotion]));
  const promoted = totals.length;
  process.stdout.write(`\nLifecycle end to end — ${m.cpu}, ${m.cores} cores, ${m.node}, load average ${m.loadAverage1m} (per round: ${rounds.map((r) => r.loadAverage1m).join(', ')}); serve, controller, feedback and this process share the machine\n`);
  process.stdout.write(`command: npm run bench:lifecycle:e2e; data: ${DATA} label_4 on the fixed grouped 80/20 split: champion (fasttext) on ${data.base.length} base rows; `
    + `new data = ${data.incoming.length} labelled rows in incoming/ + ${data.labelled.length} delayed labels of replayed held-out traffic (feedback import); `
    + `golden ${data.golden.length}; live traffic ${data.live.length} held-out texts (repeated when exhausted) at ${OPTIONS.rate} texts/s, one per request, each labelled ${OPTIONS.labelDelayMs} ms later (POST /v1/feedback each second); `
    + `plan: shadow ${OPTIONS.shadow}, canary ${OPTIONS.canary.join('% -> ')}%; ${ROUNDS} rounds, fresh workspace each\n\n`);
  process.stdout.write(`${table(['step (from the product\'s records)', 'median s', 'spread', 'detail (last round)'], rows2)}\n\n`);
  const figure = promoted > 0 ? median(totals) : NaN;
  process.stdout.write(`${table(['figure', 'median', 'spread', 'target', 'ratio to target'], [
    ['newest label stored -> promotion (deployment revision)', `${figure.toFixed(1)} s`, promoted > 0 ? `${spread(totals)} s` : '-', `${TARGET_S} s`, (figure / TARGET_S).toFixed(2)],
    ['rounds promoted', `${promoted} of ${rounds.length}`, '', '', ''],
  ])}\n`);
  for (const r of rounds) if (r.labelsToPromotion === undefined) process.stdout.write(`round ${r.round}: ${r.result.outcome}\n`);
  const path = writeResult('lifecycle-e2e', {
    machine: m, options: OPTIONS, data: { base: data.base.length, incoming: data.incoming.length, golden: data.golden.length, labelled: data.labelled.length, live: data.live.length },
    targetSeconds: TARGET_S, labelsToPromotion: { median: figure, rounds: totals },
    rounds: rounds.map((r) => ({ round: r.round, loadAverage1m: r.loadAverage1m, outcome: r.result.outcome, labelsToPromotion: r.labelsToPromotion, steps: r.steps,
      liveTexts: r.result.liveTexts, liveRate: r.result.liveRate, labelsSent: r.result.labelsSent, run: r.result.records.run, release: r.result.records.release })),
  });
  process.stdout.write(`wrote ${path}\n`);
}

await main();
