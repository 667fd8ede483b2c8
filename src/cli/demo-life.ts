import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import { generateInvoiceLines, invoiceLinesToCsv, type InvoiceLine } from '../demo/invoice-lines.js';
import { replayTraffic } from '../demo/traffic-replay.js';
import { readLabelledFile } from '../data/read-labelled-file.js';
import type { ReleaseNotice } from '../lifecycle/release/release-runner.js';
import { alertRule, DEFAULT_ALERT_RULES, rowsWindow } from '../monitoring/alerts/alert-rule.js';
import type { MonitorEvent } from '../monitoring/monitor/monitor-event.js';
import { startControllerProcess, type ControllerProcess } from '../platform/controller-process.js';
import { startServingProcess, withWorkspace } from '../platform/index.js';
import { loadPipelineSpecs, setPipelinePaused } from '../platform/pipelines.js';
import type { ReleaseRecord } from '../lifecycle/release/release-record.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';

/**
 * The pipelines of the life story, as a user would keep them in lading.yaml (the demo writes this
 * file beside its data, so the user sees what drove what). One endpoint, three ways to retrain it:
 * the real one (linear, on the base data plus the brokers' corrections, started by drift or by new
 * labels), a hasty one (fasttext for one epoch: the gates must stop it) and a heavy one (a Text-CNN,
 * accurate but slower to serve: its canary must break the 32-line latency budget and roll back).
 */
export const LIFE_PIPELINES_YAML = `pipelines:
  invoice-hs:
    endpoint: invoice-hs
    model: invoice-hs
    data: { dataset: invoice-lines, feedback: true }
    train: [linear]
    # The demo's endpoint has no target precision, so no decide-or-route thresholds are used: no
    # cross-fitted rows for them (with 3 folds test/demo took 65 s against 23-32 s, one run each).
    decisionFolds: 0
    select: accuracy
    triggers: { drift: true, newLabels: 1500 }
    gates: &gates
      golden: invoice-golden
      # The drift is minutes old when this retrain starts: the brokers' newest labels are nearly all
      # it knows of the new products, so none is held back from training (the default holds back the
      # newest 20% to gate on); the golden set judges alone.
      feedbackHoldout: 0
      margin: { accuracy: 0.02, macroF1: 0.05 }
      classRecall: { minSupport: 40, maxDrop: 0.2 }
      budgets: { p99Ms: 20, artifactMb: 50 }
    release:
      # A canary step holds until the challenger's calls show its p99 within budget with confidence
      # (about 460 calls with none slow), so the demo's plan is short.
      steps: [ { shadow: 400 }, { canary: 50 } ]
      minEffect: 0.05
      # The inputs drifted for both models, so an input-drift alert says nothing against the challenger.
      guardrails: { p99Ms: 50, drift: false }
  invoice-hs-hasty:
    endpoint: invoice-hs
    model: invoice-hs
    data: { dataset: invoice-lines, feedback: true }
    train: [ { kind: fasttext, params: { epochs: 1, dim: 4, lr: 0.02 } } ]
    # This retrain is here for its gate, not its accuracy: one fit is enough (a refit on all rows
    # would double its training and keep the story the same).
    refit: false
    decisionFolds: 0
    gates: *gates
  invoice-hs-cnn:
    endpoint: invoice-hs
    model: invoice-hs
    data: { dataset: invoice-lines, feedback: true }
    train: [ { kind: textcnn, params: { epochs: 4 } } ]
    # Here for its canary's latency, not its accuracy: a refit would double the demo's longest training.
    refit: false
    decisionFolds: 0
    gates: { golden: invoice-golden, margin: { accuracy: 0.02, macroF1: 0.05 }, budgets: { p99Ms: 50 } }
    release:
      steps: [ { canary: 25 }, { canary: 50 } ]
      minEffect: 0.05
      guardrails: { p99Ms: 1.5, drift: false }
`;

export interface LifeSummary {
  readonly seconds: number;
  readonly releases: ReadonlyArray<{ id: number; challenger: string; status: string; reason: string }>;
  readonly gated: ReadonlyArray<{ pipeline: string; reasons: readonly string[] }>;
  readonly champion: number | null;
  readonly timeline: readonly string[];
}

/**
 * The whole life of the demo's model in fast time, on the workspace the demo just filled: the
 * champion serves alone; production traffic and the brokers' delayed labels flow; production
 * drifts; the monitor raises a drift alert; the controller retrains on the new labels, gates the
 * candidate, shadows it, canaries it, decides by a sequential test and promotes it; then a hasty
 * candidate is stopped by the gates, and a heavy one is rolled back by the latency guardrail.
 */
export async function runLifeStory(settings: Settings, dir: string, say: (line: string) => void, signal: AbortSignal): Promise<LifeSummary> {
  const started = performance.now();
  const timeline: string[] = [];
  const mark = (line: string) => {
    const text = `   [${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`;
    timeline.push(text);
    say(text);
  };
  const yamlPath = join(dir, 'lading.yaml');
  writeFileSync(yamlPath, LIFE_PIPELINES_YAML);
  const golden = [...generateInvoiceLines({ rows: 1000, seed: 21, labelNoise: 0 }), ...generateInvoiceLines({ rows: 1000, seed: 22, labelNoise: 0, era: 'after' })];
  const goldenCsv = join(dir, 'invoice-golden.csv');
  writeFileSync(goldenCsv, invoiceLinesToCsv(golden));
  const { parse } = await import('yaml');
  const pipelines = await loadPipelineSpecs((parse(LIFE_PIPELINES_YAML) as { pipelines: Record<string, unknown> }).pipelines, { projectFile: yamlPath });
  await withWorkspace(settings, async (ws) => {
    await ws.saveDataset(await readLabelledFile(goldenCsv, { text: 'text', labels: ['label'] }), { file: goldenCsv, format: 'csv' });
    // The story starts from the champion serving alone (the A/B of step 7 is settled first).
    await new DeploymentControl(ws.deployments).deploy({ endpoint: 'invoice-hs', mode: 'single', variants: [{ name: 'main', model: 'invoice-hs@champion', weight: 1, role: 'primary' }] },
      settings.actor, 'demo: the champion serves alone before its life in production begins');
  });

  // The monitor looks at the last 500 answers (5,000 by default) so drift shows within seconds.
  const rules = DEFAULT_ALERT_RULES.map((r) => (r.metric === 'drift_score' ? alertRule({ ...r, window: rowsWindow(500) }) : r));
  const onMonitor = (e: MonitorEvent) => {
    if (e.type === 'alert' && e.state === 'fired') mark(`alert fired: ${e.message}`);
  };
  const server = await startServingProcess({
    ...settings, host: '127.0.0.1', port: 0, workers: 1, maxDelayMs: 1, token: undefined, pollMs: 100, log: true, logFlushMs: 200, monitor: true, monitorIntervalMs: 1000,
  }, { deployments: ['invoice-hs'] }, { monitor: { rules, onEvent: onMonitor } });
  const releases = new Map<number, ReleaseRecord>();
  const gated: Array<{ pipeline: string; reasons: readonly string[] }> = [];
  let controller: ControllerProcess | undefined;
  try {
    controller = await startControllerProcess({ ...settings, controllerIntervalMs: 200, monitoring: { alerts: [] } }, {
      pipelines, signal,
      notify: (n: ReleaseNotice) => {
        releases.set(n.release, n.record);
        mark(`release ${n.release} (${n.challenger} against ${n.champion}): ${n.type}${n.revision ? ` (deployment revision ${n.revision})` : ''}: ${n.reason}`);
      },
      onRun: (spec, trigger, outcome) => mark(outcome instanceof Error ? `pipeline ${spec.name} (${trigger}) failed: ${outcome.message}`
        : `pipeline ${spec.name} (${trigger}): ${outcome.trained.map((t) => `${t.kind} trained in ${t.seconds.toFixed(1)} s, validation accuracy ${t.accuracy.toFixed(3)}`).join('; ')} -> ${outcome.candidate.ref}, ${outcome.run.status}`),
      onGates: (spec, _run, report) => {
        if (!report.passed) gated.push({ pipeline: spec.name, reasons: report.reasons });
        mark(`gates of ${report.candidate.model}@${report.candidate.version} (${spec.name}): ${report.passed ? 'passed' : `FAILED: ${report.reasons.join('; ')}`}`);
      },
    });
    const live = controller;
    const traffic = (era: 'before' | 'after', rows: number, seed: number) => generateInvoiceLines({ rows, seed, labelNoise: 0.01, era }).map((l: InvoiceLine) => l);
    const url = server.url;
    const replay = (lines: InvoiceLine[], batch: number, stop?: () => boolean) => replayTraffic({ url, endpoint: 'invoice-hs', lines, batch, labelled: 0.5, lag: 4, stop });
    const ended = (id: number | undefined) => id !== undefined && ['promoted', 'rolled-back', 'stopped'].includes(releases.get(id)?.status ?? '');
    const newest = () => Math.max(0, ...releases.keys());

    mark('invoice-hs serves invoice-hs@champion alone, with the prediction log and the monitor on; the controller runs the pipelines of lading.yaml');
    const before = await replay(traffic('before', 1200, 31), 8);
    mark(`production: ${before.texts} lines like the training data; brokers corrected ${before.labels} of them, 4 requests late`);
    mark('production drifts: new products (e-bikes, air fryers, power banks...), new packaging words, the class mix turned round');
    // Drifted traffic until the controller's release of the retrained model ends (or 90 s).
    let seed = 40;
    const deadline = performance.now() + 90_000;
    // One retrain is the story: once its release has started, the pipeline is paused (a person
    // would do the same), so that the drift still firing cannot start a second retrain whose
    // release would hold the endpoint when the next candidates ask for traffic.
    const pause = () => setPipelinePaused(settings, 'invoice-hs', true, { by: settings.actor, reason: 'demo: the retrained model is in its release' });
    let paused = false;
    while (!ended(newest() || undefined) && performance.now() < deadline && !signal.aborted) {
      if (!paused && newest()) { await pause(); paused = true; }
      await replay(traffic('after', 400, seed++), 4);
    }
    if (!paused) await pause();
    const first = releases.get(newest());
    if (!first || first.status !== 'promoted') mark(`the retrained model's release did not end in promotion: ${first?.status ?? 'no release'} (${first?.reason ?? ''})`);

    // A hasty candidate: the gates must stop it before any traffic.
    mark('a hasty retrain (fasttext, one epoch) asks for traffic:');
    await live.runPipeline('invoice-hs-hasty');

    // A heavy candidate: accurate, but its canary serving 32-line requests breaks the 3 ms p99 budget.
    mark('a heavy retrain (Text-CNN) asks for traffic; its plan: canary 25% then 50%, p99 budget 1.5 ms per 32-line request:');
    const heavy = live.runPipeline('invoice-hs-cnn');
    const heavyDone = await heavy;
    if (heavyDone.release) {
      const id = heavyDone.release.id;
      const until = performance.now() + 60_000;
      while (!ended(id) && performance.now() < until && !signal.aborted) await replay(traffic('after', 640, seed++), 32);
    }
  } finally {
    await controller?.close();
    await server.close();
  }
  const champion = await withWorkspace(settings, async (ws) => (await ws.listAliases('invoice-hs')).find((a) => a.alias === 'champion')?.version ?? null);
  return {
    seconds: (performance.now() - started) / 1000,
    releases: [...releases.values()].map((r) => ({ id: r.id, challenger: r.challenger, status: r.status, reason: r.reason })),
    gated, champion, timeline,
  };
}
