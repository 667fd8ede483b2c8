/**
 * Review cycles (issue 14): does answering the review queue make the model decide more on its own?
 *   npm run bench:review        (node dist/bench/review-cycles.js [--base 0.2] [--stream 0.25] [--target 0.98] [--decision-folds N])
 *
 * HS4 (hs-goods, label_4) through the product, as a customs team would run it: the benchmark's
 * fixed split (bench-split.ts) gives a train side and a test side; the test side is only measured
 * on. The train side is cut into a base (--base of it, by text group and class) and a production
 * stream (--stream of the rest, in 3 chunks, one per cycle). The defaults (0.2 and 0.25: 7,201 base
 * rows, 3 chunks of ~2,340 texts, 4 trainings of 7-14k rows) keep a run near 5 minutes on a busy
 * 2-core machine; `--base 0.3 --stream 1` uses the whole train side (4 trainings up to ~35k rows).
 *
 * Cycle 0: `lading data import` the base, `lading train --model linear` (defaults, seed 1, refit,
 * decision rows stored) `--register hs4`, `models approve`, `deploy set hs4 --target-precision`,
 * and a real `lading serve --deployment hs4` child process (prediction log on, so "review" answers
 * go to the review queue). Each cycle 1..3: that chunk's texts go through POST /v1/models/hs4:classify
 * in batches of 32; a simulated reviewer pages GET /v1/review and answers every open item with the
 * true label (POST /v1/review/{id}); the next training data is what a pipeline assembles
 * (lifecycle/pipeline/assemble-run-data.ts: the base dataset + the endpoint's accepted feedback, a
 * corrected text superseding its base row, no holdout since the test side is fixed), then
 * train, register, approve and `deploy set` the new version (the server follows the deployment).
 *
 * After each cycle the deployed version is exported (`models export`) and scored on the test side
 * with the decision policy the server applies (core/decision-policy.ts, fitted from the artifact's
 * own decision rows at the target: by default the training rows scored out of 3 folds plus the
 * validation rows, training/cross-fit.ts, without the rows the reviewer labelled: training/traffic-rows.ts): coverage (share decided "auto"), precision of those
 * answers, accuracy; and the same at 0.95 / 0.98 / 0.99. The serving process also refits thresholds from joined feedback while it runs; the
 * figures here are those of each version as deployed, before any such refit.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetRows } from '../src/core/dataset.js';
import { decideInto, fitDecisionPolicy } from '../src/core/decision-policy.js';
import { splitGroupedStratified } from '../src/data/split.js';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { assembleRunData } from '../src/lifecycle/pipeline/assemble-run-data.js';
import type { PipelineSpec } from '../src/lifecycle/pipeline/pipeline-spec.js';
import { loadModel } from '../src/models/load-model.js';
import { csvField } from '../src/monitoring/log/export-format.js';
import { withMonitoringStore } from '../src/platform/monitoring-store.js';
import { withWorkspace } from '../src/platform/workspace.js';
import { argmaxRows } from '../src/serving/rows.js';
import { normaliseText } from '../src/text/normalise.js';
import { indexLabels, lookupLabels } from '../src/training/label-index.js';
import { benchSplit } from './bench-split.js';
import { lading, startLading } from './lifecycle-e2e-processes.js';
import { machine, writeResult } from './machine.js';

const DATA = '../shared/datasets/hs-goods/train.csv';
const LABEL = 'label_4';
const ENDPOINT = 'hs4';
const CYCLES = 3;
const BATCH = 32;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!(v > 0 && v <= 1)) throw new Error(`--${name} must be a share in (0, 1], got "${process.argv[i + 1]}"`);
  return v;
}
const baseShare = option('base', 0.2);
const streamShare = option('stream', 0.25);
const target = option('target', 0.98);
// Passed on to `lading train` (absent: its default, cross-fitted thresholds); `--decision-folds 0` gives the thresholds of the validation split alone.
const foldsAt = process.argv.indexOf('--decision-folds');
const decisionFolds = foldsAt < 0 ? [] : ['--decision-folds', process.argv[foldsAt + 1] ?? ''];

interface Line { readonly text: string; readonly label: string }
const linesOf = (d: DatasetRows): Line[] => d.texts.map((text, i) => ({ text, label: d.labels[LABEL]![i]! }));

/** Cuts lines by text group and class: `share` of each class's groups go to the second part. */
function cut(lines: readonly Line[], share: number, seed: number): [Line[], Line[]] {
  const { y } = indexLabels(lines.map((l) => l.label));
  const { train, valid } = splitGroupedStratified(lines.map((l) => l.text), y, { validFraction: share, seed });
  return [Array.from(train, (i) => lines[i]!), Array.from(valid, (i) => lines[i]!)];
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

const all = await readLabelledFile(DATA, { text: 'text', labels: [LABEL] });
const { train, test } = benchSplit(all, LABEL);
const [base, rest] = cut(linesOf(train), 1 - baseShare, 20261206);
const stream = streamShare < 1 ? cut(rest, streamShare, 20261207)[1] : rest;
// Three chunks in a fixed order: chunk c holds every third line of the stream (the file's order groups similar lines).
const chunks = [0, 1, 2].map((c) => stream.filter((_, i) => i % CYCLES === c));
// The reviewer's knowledge: the true label of every production text (the first one, where a text repeats).
const truth = new Map<string, string>();
for (const l of stream) if (!truth.has(normaliseText(l.text))) truth.set(normaliseText(l.text), l.label);

const dir = mkdtempSync(join(tmpdir(), 'lading-review-cycles-'));
const settings = { home: join(dir, '.lading'), registryUrl: undefined, registrySchema: 'public' };
writeFileSync(join(dir, 'hs4-base.csv'), `text,${LABEL}\n${base.map((l) => `${csvField(l.text)},${csvField(l.label)}`).join('\n')}\n`);
say(`review cycles: ${base.length} base rows, ${stream.length} production texts in ${CYCLES} chunks of ~${chunks[0]!.length}, ${test.texts.length} test rows; workspace ${dir}`);

const verb = (args: string[]) => lading(dir, args);
const baseId = (JSON.parse(await verb(['data', 'import', 'hs4-base.csv', '--label', LABEL, '--json'])) as { id?: string; dataset?: { id: string } });
const baseDataset = baseId.id ?? baseId.dataset!.id;

/** Trains on a dataset version, registers version `version` of hs4, approves it and deploys it with the target. */
async function release(dataset: string, version: number): Promise<number> {
  const started = performance.now();
  await verb(['train', '--data', dataset, '--label', LABEL, '--model', 'linear', '--seed', '1', '--register', ENDPOINT,
    ...(version > 1 ? ['--parent', String(version - 1)] : []), ...decisionFolds, '--json']);
  const trainSeconds = (performance.now() - started) / 1000;
  await verb(['models', 'approve', ENDPOINT, String(version), '--reason', 'bench: review cycle']);
  await verb(['deploy', 'set', ENDPOINT, '--variant', `main=${ENDPOINT}@${version}`, '--target-precision', String(target), '--reason', 'bench: review cycle']);
  return trainSeconds;
}

const TARGETS = [0.95, 0.98, 0.99] as const;
/**
 * hindsight: the largest share of the test side whose most confident answers (by top-1 score) reach
 * the target, found on the test side itself: what the model allows, whatever the fitted thresholds.
 */
interface AtTarget { target: number; coverage: number; precision: number | null; autoRows: number; hindsight: number }
interface Measured { coverage: number; precision: number | null; accuracy: number; autoRows: number; atTargets: AtTarget[]; decisionRows: number; fittedOn: string }

/** The deployed version on the test side, decided as the server decides at deployment. */
async function measure(version: number): Promise<Measured> {
  const file = join(dir, `hs4-${version}.lading`);
  await verb(['models', 'export', `${ENDPOINT}@${version}`, '--out', file]);
  const { classifier, decisionEvidence } = await loadModel(file);
  if (decisionEvidence === undefined) throw new Error(`${file} stores no decision rows`);
  const classes = classifier.labels.length;
  const proba = new Float32Array(test.texts.length * classes);
  for (let i = 0; i < test.texts.length; i += 256) {
    const batch = test.texts.slice(i, i + 256);
    classifier.predictProba(batch, proba.subarray(i * classes, (i + batch.length) * classes));
  }
  const { ids, scores } = argmaxRows(proba, classes);
  const y = lookupLabels(classifier.labels, test.labels[LABEL]!);
  let right = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i] === y[i]) right++;
  const byScore = Array.from(ids.keys()).sort((a, b) => scores[b]! - scores[a]!);
  const at = (t: number): AtTarget => {
    const auto = decideInto(fitDecisionPolicy(decisionEvidence, classes, t).thresholds, ids, scores, new Uint8Array(ids.length));
    let n = 0, autoRight = 0;
    for (let i = 0; i < ids.length; i++) if (auto[i] === 1) { n++; if (ids[i] === y[i]) autoRight++; }
    let hindsight = 0;
    for (let k = 0, hits = 0; k < byScore.length; k++) {
      if (ids[byScore[k]!] === y[byScore[k]!]) hits++;
      if (hits / (k + 1) >= t) hindsight = (k + 1) / byScore.length;
    }
    return { target: t, coverage: n / ids.length, precision: n > 0 ? autoRight / n : null, autoRows: n, hindsight };
  };
  const atTargets = TARGETS.map(at);
  const main = TARGETS.includes(target as 0.98) ? atTargets.find((a) => a.target === target)! : at(target);
  const { header } = await loadModel(file);
  return { coverage: main.coverage, precision: main.precision, accuracy: right / ids.length, autoRows: main.autoRows, atTargets,
    decisionRows: decisionEvidence.predicted.length, fittedOn: header.decision?.fittedOn ?? 'validation' };
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const r = await fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
  const body = await r.json();
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${JSON.stringify(body).slice(0, 500)}`);
  return body;
}

/** Waits until the server serves `version` (it follows the deployment by polling), asked of GET /v1/models so no text is routed. */
async function servedVersion(url: string, version: number): Promise<void> {
  let last = '';
  for (let i = 0; i < 120; i++) {
    const r: { endpoints: Array<{ endpoint: string; variants: Array<{ version: string }> }> } = await json(`${url}/v1/models`);
    const variants = r.endpoints.find((e) => e.endpoint === ENDPOINT)?.variants ?? [];
    if (variants.length > 0 && variants.every((v) => String(v.version) === String(version))) return;
    last = variants.map((v) => v.version).join(', ');
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`the server did not serve ${ENDPOINT}@${version} within 60 s (it serves version(s) ${last || 'none'})`);
}

/** Every open item of the queue, page by page. */
async function openItems(url: string): Promise<Array<{ id: number; text: string; occurrences: number }>> {
  const items: Array<{ id: number; text: string; occurrences: number }> = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ id: number; text: string; occurrences: number }>; nextCursor: string | null } =
      await json(`${url}/v1/review?endpoint=${ENDPOINT}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

interface Row extends Measured {
  cycle: number; version: number; trainingRows: number; feedbackRows: number; superseded: number; trainSeconds: number;
  productionTexts: number; routedTexts: number; queueItems: number; reviewedTexts: number; reviewedTotal: number;
}
const rows: Row[] = [];

let version = 1;
const firstTrain = await release(baseDataset, version);
rows.push({ cycle: 0, version, trainingRows: base.length, feedbackRows: 0, superseded: 0, trainSeconds: firstTrain, productionTexts: 0, routedTexts: 0,
  queueItems: 0, reviewedTexts: 0, reviewedTotal: 0, ...(await measure(version)) });
say(`cycle 0 (${elapsed()}): ${JSON.stringify(rows[0])}`);

let url = '';
const server = await startLading(dir, ['serve', '--deployment', ENDPOINT, '--port', '0', '--workers', '1', '--log-flush-ms', '500'], join(dir, 'serve.log'), (line) => {
  const m = /serving .* at (http:\/\/\S+)/.exec(line);
  if (m) url = m[1]!;
  return m !== null;
});
let reviewedTotal = 0;
try {
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    await servedVersion(url, version);
    const chunk = chunks[cycle - 1]!;
    let routed = 0;
    for (let i = 0; i < chunk.length; i += BATCH) {
      const texts = chunk.slice(i, i + BATCH).map((l) => l.text);
      const r = await json(`${url}/v1/models/${ENDPOINT}:classify`, { method: 'POST', body: JSON.stringify({ texts }) });
      for (const p of r.predictions as Array<{ decision?: string }>) if (p.decision === 'review') routed++;
    }
    // Routing is off the request path (the log flushes every 500 ms): the queue is complete once two
    // listings a second apart agree. (A text identical to one answered in an earlier cycle joins no open item.)
    const occurrences = (list: Array<{ occurrences: number }>) => list.reduce((n, it) => n + it.occurrences, 0);
    let items = await openItems(url);
    for (let stable = 0; stable < 2;) {
      await new Promise((res) => setTimeout(res, 1000));
      const again = await openItems(url);
      stable = occurrences(again) === occurrences(items) ? stable + 1 : 0;
      items = again;
    }
    let reviewed = 0;
    for (const item of items) {
      const label = truth.get(normaliseText(item.text));
      if (label === undefined) throw new Error(`review item ${item.id} holds a text the stream never sent: ${item.text.slice(0, 80)}`);
      await json(`${url}/v1/review/${item.id}`, { method: 'POST', body: JSON.stringify({ label, actor: 'bench-reviewer' }) });
      reviewed += item.occurrences;
    }
    reviewedTotal += reviewed;
    say(`cycle ${cycle} (${elapsed()}): ${chunk.length} texts sent, ${routed} routed, ${items.length} items answered`);

    const spec = { name: 'review-cycles', endpoint: ENDPOINT, model: ENDPOINT, data: { dataset: baseDataset, feedback: true, folder: undefined }, gates: { feedbackHoldout: 0 } } as unknown as PipelineSpec;
    const assembled = await withWorkspace(settings, (datasets) => withMonitoringStore(settings, (feedback) =>
      assembleRunData({ spec, runId: `cycle-${cycle}`, datasets, feedback, now: Date.now() })));
    version++;
    const trainSeconds = await release(assembled.dataset.id, version);
    rows.push({
      cycle, version, trainingRows: assembled.rows.texts.length, feedbackRows: assembled.counts.feedback, superseded: assembled.counts.superseded, trainSeconds,
      productionTexts: chunk.length, routedTexts: routed, queueItems: items.length, reviewedTexts: reviewed, reviewedTotal, ...(await measure(version)),
    });
    say(`cycle ${cycle} (${elapsed()}): ${JSON.stringify(rows[rows.length - 1])}`);
  }
} finally {
  await server.stop();
}

const pct = (v: number | null) => (v === null ? 'none' : `${(v * 100).toFixed(1)}%`);
const command = `npm run bench:review${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const m = machine();
console.log(`review cycles, HS4 (${DATA}, ${LABEL}): base ${baseShare} of the bench train side, stream ${streamShare} of the rest in ${CYCLES} chunks; target precision ${target}; test side ${test.texts.length} rows`);
console.log(`command: ${command}`);
console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}, load ${m.loadAverage1m}`);
console.log(`| cycle | training rows | feedback rows | production texts | routed | queue items | reviewed texts (total) | coverage at ${target} | precision of auto | accuracy | train s |`);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.cycle} | ${r.trainingRows} | ${r.feedbackRows} | ${r.productionTexts} | ${r.routedTexts} | ${r.queueItems} | ${r.reviewedTexts} (${r.reviewedTotal}) | ${pct(r.coverage)} | ${r.precision === null ? 'none' : r.precision.toFixed(3)} | ${r.accuracy.toFixed(3)} | ${r.trainSeconds.toFixed(0)} |`);
}
console.log('');
console.log(`| cycle | thresholds fitted on | ${TARGETS.map((t) => `coverage / precision at ${t} (best in hindsight)`).join(' | ')} |`);
console.log(`|---|---|${TARGETS.map(() => '---').join('|')}|`);
for (const r of rows) {
  console.log(`| ${r.cycle} | ${r.decisionRows} rows (${r.fittedOn}) | ${r.atTargets.map((a) => `${pct(a.coverage)} / ${a.precision === null ? 'none' : a.precision.toFixed(3)} (${pct(a.hindsight)})`).join(' | ')} |`);
}
const grew = rows.every((r, i) => i === 0 || r.coverage > rows[i - 1]!.coverage);
const held = rows.every((r) => r.precision === null || r.precision >= 0.975);
console.log(`coverage grew every cycle: ${grew ? 'yes' : 'no'}; precision of auto answers held >= 0.975: ${held ? 'yes' : 'no'}; ${elapsed()} in all`);
const path = writeResult('review-cycles', { command, data: DATA, label: LABEL, baseShare, streamShare, target, testRows: test.texts.length, cycles: rows, coverageGrew: grew, precisionHeld: held, seconds: (performance.now() - t0) / 1000, machine: m });
console.log(`written: ${path}`);
