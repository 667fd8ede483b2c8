import { InputError, NotFoundError } from '../core/errors.js';
import { defaultReleasePlan } from '../lifecycle/pipeline/pipeline-parser.js';
import { describeStep } from '../lifecycle/release/release-plan.js';
import type { ReleaseRecord } from '../lifecycle/release/release-record.js';
import { openLifecycle } from '../platform/controller-process.js';
import { parseVerbArgs } from './args.js';
import { publishing } from './open-registry.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { table, writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  challenger: { type: 'string' },
  reason: { type: 'string' },
  actor: { type: 'string' },
} as const;

const ACTIONS = new Set(['start', 'show', 'list', 'stop', 'approve']);

export const verb: Verb = {
  summary: 'start, inspect, approve and stop releases (shadow, canary, sequential decision)',
  help: `Usage: lading experiment <action> [ENDPOINT] [options]

A release (an experiment) puts a challenger against the endpoint's champion through the release
plan: shadow, canary steps, blue/green, approval; \`lading controller\` moves it on and decides by
an always-valid sequential test on delayed labels (so reading it after every batch does not
inflate false decisions).

Actions:
  start ENDPOINT --challenger NAME@N [--reason TEXT]
                      record a release of version N against what ENDPOINT serves now (the
                      default plan: shadow 1,000 texts, canary 10%, canary 50%); the controller
                      deploys its first step on its next tick
  show ENDPOINT       the release in progress (else the latest): step, evidence, the statistic,
                      the decision and its reason ("needs about 1,200 more labels"), the story
  list [ENDPOINT]     releases, newest first
  approve ENDPOINT    a person approves the release (approval steps, requireApproval)
  stop ENDPOINT [--reason TEXT]
                      end the release now: the endpoint goes back to the spec it had before

Options:
  --challenger REF    start: the candidate, a registered version pinned as NAME@N
  --reason TEXT       recorded with the change
  --actor NAME        who (env LADING_ACTOR; default: the login name)
${COMMON_HELP}`,

  async run(ctx) {
    const { values, positionals } = parseVerbArgs('experiment', ctx.argv, OPTIONS, true);
    if (values.help || positionals.length === 0) { writeLine(ctx.stdout, this.help); return values.help ? 0 : 2; }
    const [action, endpoint] = positionals;
    if (!ACTIONS.has(action ?? '')) throw new InputError('unknown-action', `unknown experiment action "${action}"`, { action: action ?? '' }, 'Run `lading experiment --help`.');
    const need = (v: string | undefined, what: string): string => {
      if (!v) throw new InputError('missing-argument', `lading experiment ${action}: ${what} is required`, { action: action ?? '' }, 'Run `lading experiment --help`.');
      return v;
    };
    const settings = ctx.settings(values);
    const actor = settings.actor;
    // What a person does here is published (release started, stopped, approved; the endpoint's revision).
    const parts = await openLifecycle(settings, { actor, publish: publishing(ctx) });
    try {
      switch (action) {
        case 'start': {
          const r = await parts.runner.start({
            endpoint: need(endpoint, 'ENDPOINT'), challenger: need(values.challenger, '--challenger'), pipeline: null, plan: defaultReleasePlan(),
            reason: values.reason ?? `started by ${actor}`,
          });
          return render(ctx, values.json, r);
        }
        case 'stop': return render(ctx, values.json, await parts.runner.stop(need(endpoint, 'ENDPOINT'), actor, values.reason ?? 'stopped by hand'));
        case 'approve': return render(ctx, values.json, await parts.runner.approve(need(endpoint, 'ENDPOINT'), actor));
        case 'list': {
          const list = await parts.releases.list(endpoint);
          if (values.json) { writeJson(ctx.stdout, list); return 0; }
          writeLine(ctx.stdout, table(['id', 'endpoint', 'challenger', 'champion', 'status', 'step', 'reason'],
            list.map((r) => [r.id, r.endpoint, r.challenger, r.champion, r.status, stepText(r), r.reason])));
          return 0;
        }
        default: {
          const e = need(endpoint, 'ENDPOINT');
          const r = (await parts.releases.active(e)) ?? (await parts.releases.list(e, 1))[0];
          if (!r) throw new NotFoundError('no-release', `endpoint ${e} has had no release`, { endpoint: e }, `Start one: \`lading experiment start ${e} --challenger NAME@N\`.`);
          const now = await parts.runner.inspect(r);
          if (values.json) { writeJson(ctx.stdout, { release: r, evidence: now?.evidence ?? null, decision: now?.decision ?? null }); return 0; }
          render(ctx, false, r);
          if (now) {
            const ev = now.evidence;
            const a = now.decision.accuracy;
            writeLine(ctx.stdout, '');
            writeLine(ctx.stdout, table(['', 'champion', 'challenger'], [
              ['answers this step', ev.champion.requests, ev.challenger.requests],
              ['p99 ms this step', ev.champion.p99Ms ?? '-', ev.challenger.p99Ms ?? '-'],
              ['labels (unpaired)', `${ev.labels.champion.right}/${ev.labels.champion.n}`, `${ev.labels.challenger.right}/${ev.labels.challenger.n}`],
              ['labels (paired)', `${ev.labels.paired.bothRight + ev.labels.paired.championOnly}/${ev.labels.paired.n}`, `${ev.labels.paired.bothRight + ev.labels.paired.challengerOnly}/${ev.labels.paired.n}`],
            ]));
            if (ev.compared > 0) writeLine(ctx.stdout, `shadow agreement this step: ${ev.agreed}/${ev.compared}`);
            writeLine(ctx.stdout, `statistic: ${a.reason}`);
            const act = now.decision.action;
            writeLine(ctx.stdout, `decision: ${act.kind}${'reason' in act ? `: ${act.reason}` : `: ${act.waitingFor}`}`);
          }
          return 0;
        }
      }
    } finally {
      await parts.close();
    }
  },
};

function stepText(r: ReleaseRecord): string {
  return r.step < 0 ? '(not yet deployed)' : `${r.step + 1}/${r.plan.steps.length} ${describeStep(r.plan.steps[r.step])}`;
}

function render(ctx: Parameters<Verb['run']>[0], json: boolean, r: ReleaseRecord): number {
  if (json) { writeJson(ctx.stdout, r); return 0; }
  writeLine(ctx.stdout, `release ${r.id} on ${r.endpoint}: ${r.challenger} against ${r.champion}; ${r.status}; step ${stepText(r)}`);
  writeLine(ctx.stdout, `  ${r.reason}`);
  for (const e of r.events) writeLine(ctx.stdout, `  ${new Date(e.at).toISOString()}  ${e.what}${e.revision !== undefined ? ` (revision ${e.revision})` : ''}`);
  return 0;
}
