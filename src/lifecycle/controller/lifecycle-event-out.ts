import { makeEvent, type LifecycleEvent } from '../../core/lifecycle-events.js';
import type { GateReport } from '../gates/gate-report.js';
import type { PipelineSpec } from '../pipeline/pipeline-spec.js';
import type { PipelineRun } from '../pipeline/pipeline-store.js';
import type { ReleaseNotice } from '../release/release-runner.js';

/**
 * What the controller tells the bus. Every id is derived from what happened (release 7's step at
 * revision 12, run X's gates), never random: a controller killed after acting and before
 * publishing publishes the same ids again when it recognises its change, and the bus drops the
 * duplicates, so subscribers see each fact once.
 */
export function eventsOfNotice(n: ReleaseNotice, at: number): LifecycleEvent[] {
  const experiment = `release-${n.release}`;
  const r = n.record;
  const stepKind = r.plan.steps[Math.max(0, r.step)]?.kind;
  const mode = stepKind === 'shadow' || stepKind === 'blue-green' ? stepKind : 'canary';
  const id = (what: string) => ({ id: `${experiment}-${what}`, time: at });
  const changed = (action: string) => (n.revision === undefined ? [] : [makeEvent('deployment.changed', {
    endpoint: n.endpoint, revision: n.revision, action, actor: 'controller', reason: n.reason,
  }, id(`revision-${n.revision}`))]);
  switch (n.type) {
    case 'release-started':
      return [makeEvent('experiment.started', { endpoint: n.endpoint, experiment, mode, champion: n.champion, challenger: n.challenger }, id('started'))];
    case 'step-started':
      return changed(stepKind ?? 'approval');
    case 'awaiting-approval':
      return [];
    case 'promoted':
      return [...changed('promote'), makeEvent('experiment.decided', { endpoint: n.endpoint, experiment, decision: 'promote', reason: n.reason }, id('decided'))];
    case 'rolled-back':
      return [
        makeEvent('experiment.decided', { endpoint: n.endpoint, experiment, decision: 'reject', reason: n.reason }, id('decided')),
        ...(n.revision === undefined ? [] : [makeEvent('rollback.done', { endpoint: n.endpoint, revision: n.revision, toRevision: r.baseRevision, actor: 'controller', reason: n.reason }, id('rollback'))]),
      ];
    case 'stopped':
      return [makeEvent('experiment.decided', { endpoint: n.endpoint, experiment, decision: 'stopped', reason: n.reason }, id('decided'))];
  }
}

export function eventsOfGates(spec: PipelineSpec, run: PipelineRun, report: GateReport, at: number): LifecycleEvent[] {
  const [model, version] = [report.candidate.model, report.candidate.version];
  const id = { id: `${run.id}-gates`, time: at };
  return report.passed
    ? [makeEvent('gate.passed', { pipeline: spec.name, model, version, checks: report.results.map((g) => g.gate) }, id)]
    : [makeEvent('gate.failed', { pipeline: spec.name, model, version, reasons: [...report.reasons] }, id)];
}

export function eventOfRunEnd(spec: PipelineSpec, run: PipelineRun, at: number): LifecycleEvent {
  return makeEvent('pipeline.run.finished', {
    pipeline: spec.name, runId: run.id, outcome: run.status === 'succeeded' ? 'succeeded' : 'failed', ...(run.error ? { reason: run.error } : {}),
  }, { id: `${run.id}-finished`, time: at });
}
