/**
 * One round of the end-to-end lifecycle benchmark, with the real product in a temp workspace:
 * a fasttext champion trained on the base data, registered, approved, aliased and deployed;
 * `lading serve` (prediction log on) and `lading controller` as processes; held-out traffic at a
 * steady rate; then new labelled data arrives (a labelled file in the pipeline's folder and the
 * delayed labels of the traffic so far, through `lading feedback import`), which the pipeline's
 * newLabels trigger turns into retrain -> gates -> shadow -> canary -> promotion while traffic and
 * its delayed labels keep flowing. The records the product keeps (run, release, audit, deployment
 * history) are read back afterwards for the step times.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayTraffic } from '../src/demo/traffic-replay.js';
import { writeLinesCsv, type LifecycleData, type Line } from './lifecycle-e2e-data.js';
import { labelDesk } from './lifecycle-e2e-labels.js';
import { lading, startLading, type LongProcess } from './lifecycle-e2e-processes.js';
import { roundRecords, type RoundRecords } from './lifecycle-e2e-records.js';

export interface RoundOptions {
  /** Texts per second of replayed traffic (one text per request). */
  readonly rate: number;
  /** Texts the shadow step compares. */
  readonly shadow: number;
  readonly canary: readonly number[];
  /** How long after its answer a text's label is sent. */
  readonly labelDelayMs: number;
  /** A round that has not promoted this long after the labels arrived ends unpromoted. */
  readonly timeoutMs: number;
  readonly keep: boolean;
}

export interface RoundResult {
  readonly dir: string;
  /** Labels of the traffic before the retrain, imported in bulk; rows of the new labelled file. */
  readonly importedLabels: number;
  readonly incomingRows: number;
  readonly importStart: number;
  readonly importEnd: number;
  /** How the release ended as the controller said it (promoted, rolled-back, stopped), or why there was none. */
  readonly outcome: string;
  readonly records: RoundRecords;
  /** Traffic actually replayed after the labels arrived: texts, and texts per second. */
  readonly liveTexts: number;
  readonly liveRate: number;
  readonly labelsSent: number;
}

export function pipelineYaml(o: RoundOptions, newLabels: number): string {
  const steps = [`{ shadow: { requests: ${o.shadow}, minAgreement: 0.7 } }`, ...o.canary.map((p) => `{ canary: ${p} }`)];
  return `home: ./home
pipelines:
  hs4:
    endpoint: hs4
    model: hs4
    data: { dataset: hs4-train, feedback: true, folder: incoming/ }
    train: [ fasttext ]
    select: accuracy
    triggers: { newLabels: ${newLabels} }
    gates: { golden: hs4-golden@1, budgets: { p99Ms: 20, artifactMb: 200 } }
    release:
      steps: [ ${steps.join(', ')} ]
      guardrails: { p99Ms: 50 }
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runRound(data: LifecycleData, o: RoundOptions, say: (line: string) => void): Promise<RoundResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lading-bench-e2e-'));
  const started: LongProcess[] = [];
  let failed = true;
  try {
    mkdirSync(join(dir, 'incoming'));
    writeLinesCsv(join(dir, 'hs4-train.csv'), data.base);
    writeLinesCsv(join(dir, 'hs4-golden.csv'), data.golden);
    writeFileSync(join(dir, 'lading.yaml'), pipelineYaml(o, data.labelled.length));
    const verb = (args: readonly string[]) => lading(dir, args);
    say(`  workspace ${dir}: champion fasttext on ${data.base.length} base rows...`);
    await verb(['data', 'import', 'hs4-golden.csv']);
    await verb(['train', '--data', 'hs4-train.csv', '--model', 'fasttext', '--register', 'hs4', '--json']);
    await verb(['models', 'approve', 'hs4', '1', '--reason', 'bench: the champion']);
    await verb(['models', 'alias', 'hs4', 'champion', '1']);
    await verb(['deploy', 'set', 'hs4', '--variant', 'main=hs4@champion', '--reason', 'bench: the champion serves alone']);

    let url = '';
    started.push(await startLading(dir, ['serve', '--deployment', 'hs4', '--port', '0'], join(dir, 'serve.log'), (line) => {
      const m = /serving .* at (http:\/\/\S+)/.exec(line);
      if (m) url = m[1]!;
      return m !== null;
    }));
    let outcome: string | undefined;
    const controllerErrors: string[] = [];
    started.push(await startLading(dir, ['controller', '--json'], join(dir, 'controller.log'), () => true, (line) => {
      try {
        const e = JSON.parse(line) as { kind?: string; type?: string; reason?: string; status?: string; error?: string; trigger?: string };
        if (e.kind === 'notice' && ['promoted', 'rolled-back', 'stopped'].includes(e.type ?? '')) outcome = `${e.type}: ${e.reason}`;
        if (e.kind === 'notice') say(`    controller: ${e.type}: ${e.reason}`);
        if (e.kind === 'run') {
          say(`    controller: pipeline run (${e.trigger}): ${e.status ?? `failed: ${e.error}`}`);
          if (e.status !== 'succeeded') outcome = `run ${e.status ?? 'failed'}: ${e.error ?? ''}`;
        }
      } catch { controllerErrors.push(line); }
    }));

    // Production before the retrain: the held-out lines whose labels arrive later in bulk.
    const answered: Array<{ requestId: string; position: number; label: string }> = [];
    say(`  replaying ${data.labelled.length} held-out texts at ${o.rate}/s before the labels arrive...`);
    await replayTraffic({ url, endpoint: 'hs4', lines: data.labelled, batch: 1, labelled: 0, lag: 0, ratePerSecond: o.rate,
      onAnswer: (a, lines) => lines.forEach((l, position) => answered.push({ requestId: a.requestId, position, label: l.label })) });

    // From here on traffic flows until the release ends, each text's label sent back after a delay.
    const desk = labelDesk(url, 'hs4', o.labelDelayMs, 1000, (e) => say(`    labels: ${e.message}`));
    let liveTexts = 0;
    let liveError: unknown;
    const liveStart = Date.now();
    const cycled: Line[] = [];
    const needed = Math.ceil((o.rate * o.timeoutMs) / 1000) + o.rate * 60;
    while (cycled.length < needed) cycled.push(...data.live);
    const live = replayTraffic({ url, endpoint: 'hs4', lines: cycled, batch: 1, labelled: 0, lag: 0, ratePerSecond: o.rate, stop: () => outcome !== undefined,
      onAnswer: (a, lines) => desk.answered(a, lines), onProgress: (t) => { liveTexts = t; } }).catch((e: unknown) => { liveError = e; outcome ??= `traffic failed: ${String(e)}`; });

    // The log writer flushes every second: wait until every answer so far can be joined by id.
    await sleep(2000);
    writeFileSync(join(dir, 'labels.csv'), `request_id,position,label\n${answered.map((a) => `${a.requestId},${a.position},${a.label}`).join('\n')}\n`);
    say(`  new labelled data arrives: ${data.incoming.length} rows in incoming/, ${answered.length} delayed labels (feedback import)...`);
    const importStart = Date.now();
    writeLinesCsv(join(dir, 'incoming', 'new-labels.csv'), data.incoming);
    await verb(['feedback', 'import', 'labels.csv', '--endpoint', 'hs4', '--id', 'request_id', '--position', 'position', '--label', 'label', '--source', 'brokers']);
    const importEnd = Date.now();

    const deadline = importEnd + o.timeoutMs;
    while (outcome === undefined && Date.now() < deadline) await sleep(250);
    outcome ??= `no decision within ${Math.round(o.timeoutMs / 1000)} s of the labels`;
    const stopAt = Date.now();
    await live;
    await desk.close();
    if (liveError !== undefined) throw liveError;
    for (const l of controllerErrors) say(`    controller said: ${l}`);
    const records = await roundRecords(verb, 'hs4', 'hs4');
    failed = false;
    return {
      dir, importedLabels: answered.length, incomingRows: data.incoming.length, importStart, importEnd, outcome, records,
      liveTexts, liveRate: liveTexts / ((stopAt - liveStart) / 1000), labelsSent: desk.sent,
    };
  } finally {
    for (const p of started.reverse()) await p.stop();
    if (failed) say(`  the round failed: its workspace and logs are kept in ${dir}`);
    else if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}
