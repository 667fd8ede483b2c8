import type { ControllerTick } from '../lifecycle/controller/lifecycle-controller.js';
import type { ReleaseNotice } from '../lifecycle/release/release-runner.js';
import { startControllerProcess } from '../platform/controller-process.js';
import { loadPipelineSpecs } from '../platform/pipelines.js';
import { intFlag, parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  once: { type: 'boolean', default: false },
  'interval-ms': { type: 'string' },
  'controller-interval-ms': { type: 'string' },
} as const;

export const verb: Verb = {
  summary: 'run the lifecycle controller: move releases through shadow, canary, promotion or rollback',
  help: `Usage: lading controller [--once] [--interval-ms N] [--json] [options]

Acts on every release in progress (\`lading experiment start\`, or a pipeline's candidate that
passed its gates), every interval, until Ctrl-C / SIGTERM: deploys each step of the release plan
(shadow, canary percentages, blue/green), reads the evidence from the prediction log and the
delayed labels, and decides with always-valid sequential tests: advance, promote (the alias moves
and the endpoint follows it) or roll back (the spec before the release is restored). Guardrails
roll back at once: an alert fired for the challenger (error rate, latency, drift), answers over the
p99 budget, accuracy worse than the champion's with confidence. Every change is an audited
registry operation by actor "controller", with its reason.

Only one controller acts at a time: a lease in <home>/controller.sqlite, renewed every tick and
given up on exit; another controller waits and takes over within about 6 s of the first one dying.
A controller killed at any point resumes where it stopped: each change is written down before it
is made and recognised afterwards, so nothing is done twice or lost. A person always wins: a
\`lading deploy\` change to the endpoint, or \`lading experiment stop\`, ends the release.

Options:
  --once              one tick, then exit (for a cron job)
  --interval-ms N     time between ticks (default 1000); setting controllerIntervalMs, env
                      LADING_CONTROLLER_INTERVAL_MS, also --controller-interval-ms
  --json              every notice and tick as a JSON line on stdout
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('controller', ctx.argv, OPTIONS, false);
    if (values.help) { writeLine(ctx.stdout, this.help); return 0; }
    if (values['interval-ms'] !== undefined) intFlag('controller', values['interval-ms'], '--interval-ms', 0, 50, 3_600_000);
    const resolved = ctx.resolveSettings({ ...values, 'controller-interval-ms': values['interval-ms'] ?? values['controller-interval-ms'] });
    const settings = resolved.settings;
    // Checked before anything is opened: a bad pipeline (its key and line named) changes nothing.
    const pipelines = await loadPipelineSpecs(settings.pipelines, { projectFile: resolved.projectFile, locate: (path) => resolved.locate('pipelines', path) });
    const json = values.json;
    const waiting = new Map<number, string>();
    let leader: boolean | undefined;
    const notify = (n: ReleaseNotice) => {
      if (json) writeLine(ctx.stdout, JSON.stringify({ kind: 'notice', at: new Date().toISOString(), ...n, record: undefined }));
      else writeLine(ctx.stdout, `${new Date().toISOString()} release ${n.release} ${n.endpoint}: ${n.type}: ${n.reason}`);
    };
    const onTick = (t: ControllerTick) => {
      if (json) {
        writeLine(ctx.stdout, JSON.stringify({ kind: 'tick', at: new Date(t.at).toISOString(), leader: t.leader, errors: t.errors,
          releases: t.releases.map((r) => ({ id: r.release.id, endpoint: r.release.endpoint, status: r.release.status, step: r.release.step, reason: r.release.reason })) }));
        return;
      }
      if (t.leader !== leader) writeLine(ctx.stderr, t.leader ? 'controller: acting (holds the lease)' : 'controller: standing by (another controller holds the lease)');
      leader = t.leader;
      for (const e of t.errors) writeLine(ctx.stderr, `controller: ${e.release === null ? '' : `release ${e.release}: `}${e.message}`);
      for (const { release: r } of t.releases) {
        if (r.status !== 'running' && r.status !== 'awaiting-approval') continue;
        if (waiting.get(r.id) === r.reason) continue;
        waiting.set(r.id, r.reason);
        writeLine(ctx.stdout, `${new Date(t.at).toISOString()} release ${r.id} ${r.endpoint}: waiting: ${r.reason}`);
      }
    };
    const say = (line: string, facts: Record<string, unknown>) => {
      if (json) writeLine(ctx.stdout, JSON.stringify({ at: new Date().toISOString(), ...facts }));
      else writeLine(ctx.stdout, `${new Date().toISOString()} ${line}`);
    };
    const process = await startControllerProcess(settings, {
      once: values.once, signal: ctx.signal, onTick, notify, pipelines,
      onError: (e) => writeLine(ctx.stderr, `controller: ${e instanceof Error ? e.message : String(e)}`),
      onGates: (spec, run, report) => say(`pipeline ${spec.name} ${run.id}: gates ${report.passed ? 'passed' : `FAILED: ${report.reasons.join('; ')}`}`,
        { kind: 'gates', pipeline: spec.name, run: run.id, passed: report.passed, reasons: report.reasons }),
      onRun: (spec, trigger, outcome) => say(outcome instanceof Error ? `pipeline ${spec.name} (${trigger}): failed: ${outcome.message}`
        : `pipeline ${spec.name} (${trigger}) ${outcome.run.id}: ${outcome.run.status}, candidate ${outcome.candidate.ref} (${outcome.trained.map((t) => `${t.kind} ${t.accuracy.toFixed(3)}`).join(', ')})`,
      { kind: 'run', pipeline: spec.name, trigger, ...(outcome instanceof Error ? { error: outcome.message } : { run: outcome.run.id, status: outcome.run.status, candidate: outcome.candidate.ref }) }),
    });
    const first = await process.first;
    if (values.once) return first.errors.length > 0 ? 1 : 0;
    await process.closed;
    return 0;
  },
};
