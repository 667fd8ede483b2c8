/**
 * What the product itself recorded of a round, read back through its own verbs as a person would
 * (`pipeline history --json`, `experiment show --json`, `models history --json`, `deploy history
 * --json`), and the step times derived from those records alone.
 */
import type { AuditEntry } from '../src/registry/model-registry.js';
import type { DeploymentRecord } from '../src/registry/deployment-store.js';
import type { PipelineRun } from '../src/lifecycle/pipeline/pipeline-store.js';
import type { ReleaseRecord } from '../src/lifecycle/release/release-record.js';

export interface RoundRecords {
  /** The first run the new labels triggered. */
  readonly run: PipelineRun | undefined;
  readonly release: ReleaseRecord | undefined;
  /** When the controller moved the champion alias to the challenger (epoch ms). */
  readonly aliasMovedAt: number | undefined;
  /** When the deployment revision that promoted the challenger was written (epoch ms). */
  readonly promotedRevisionAt: number | undefined;
}

export async function roundRecords(verb: (args: readonly string[]) => Promise<string>, pipeline: string, endpoint: string): Promise<RoundRecords> {
  const runs = JSON.parse(await verb(['pipeline', 'history', pipeline, '--json'])) as PipelineRun[];
  const run = runs.filter((r) => r.trigger === 'new-labels').sort((a, b) => a.startedAt - b.startedAt)[0];
  let release: ReleaseRecord | undefined;
  try {
    release = (JSON.parse(await verb(['experiment', 'show', endpoint, '--json'])) as { release: ReleaseRecord }).release;
  } catch { /* no release: the run failed or was gated */ }
  const model = release?.challenger.split('@')[0];
  const version = Number(release?.challenger.split('@')[1]);
  const audit = model === undefined ? [] : JSON.parse(await verb(['models', 'history', model, '--json'])) as AuditEntry[];
  const move = audit.find((a) => a.action === 'alias-set' && a.actor === 'controller' && a.alias === 'champion' && a.version === version);
  const history = JSON.parse(await verb(['deploy', 'history', endpoint, '--json'])) as DeploymentRecord[];
  const promoted = release?.status === 'promoted' ? history.find((h) => h.revision === release.revision) : undefined;
  return { run, release, aliasMovedAt: move ? Date.parse(move.at) : undefined, promotedRevisionAt: promoted ? Date.parse(promoted.at) : undefined };
}

export interface StepTime {
  readonly step: string;
  readonly seconds: number;
  readonly detail: string;
}

/**
 * The steps from the labels' arrival to the promotion, in order, each from one recorded time to
 * the next: the run's own timed steps (data, train, register, gates), then the release's events
 * (each step's deployment landing, the promotion), then the alias move and the deployment revision.
 */
export function stepTimes(r: RoundRecords, importStart: number, importEnd: number, labels: number): StepTime[] {
  const out: StepTime[] = [];
  const add = (step: string, from: number | null | undefined, to: number | null | undefined, detail = '') => {
    if (from == null || to == null) return;
    out.push({ step, seconds: (to - from) / 1000, detail });
  };
  add('labels stored (feedback import)', importStart, importEnd, `${labels.toLocaleString('en-US')} labels`);
  const run = r.run;
  if (run === undefined) return out;
  add('labels -> pipeline run start', importEnd, run.startedAt, 'the controller\'s newLabels trigger');
  for (const s of run.steps) add(stepName(s.name), s.startedAt, s.finishedAt, s.detail ?? '');
  const release = r.release;
  if (release === undefined) return out;
  add('gates -> release recorded', run.steps.at(-1)?.finishedAt ?? run.finishedAt, release.startedAt);
  let from = release.startedAt;
  let label = 'release -> first step deployed';
  for (const e of release.events) {
    const step = /^step \d+: (.+?) \(/.exec(e.what);
    const end = /^(promoted|rolled back)/.exec(e.what);
    if (step) {
      add(label, from, e.at, label.startsWith('release') ? `deployment revision ${e.revision ?? '?'}` : '');
      from = e.at;
      label = step[1]!;
    } else if (end) {
      // A promotion moves the alias first, then writes the deployment revision, then records itself.
      const promoted = release.status === 'promoted' && r.aliasMovedAt !== undefined;
      add(label, from, promoted ? r.aliasMovedAt : e.at, promoted ? 'until the accuracy decision and the alias move' : e.what);
      if (promoted) add('promotion (alias moved -> deployment revision)', r.aliasMovedAt, r.promotedRevisionAt, `revision ${release.revision}, actor controller`);
      break;
    }
  }
  return out;
}

function stepName(name: string): string {
  if (name === 'data') return 'data assembly';
  if (name.startsWith('train:')) return `train (${name.slice(6)})`;
  return name;
}

/** Newest label stored -> promotion (the later of the alias move and the deployment revision), seconds. */
export function labelsToPromotion(r: RoundRecords, importEnd: number): number | undefined {
  if (r.release?.status !== 'promoted' || r.aliasMovedAt === undefined || r.promotedRevisionAt === undefined) return undefined;
  return (Math.max(r.aliasMovedAt, r.promotedRevisionAt) - importEnd) / 1000;
}
