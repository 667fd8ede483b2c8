import { hostname } from 'node:os';
import type { Settings } from '../config/config.js';
import { runGatedPipeline, type GatedRunOptions, type GatedRunResult } from '../lifecycle/controller/gated-run.js';
import { eventOfRunEnd, eventsOfGates, eventsOfNotice } from '../lifecycle/controller/lifecycle-event-out.js';
import type { PipelineSpec } from '../lifecycle/pipeline/pipeline-spec.js';
import { openLifecycle } from './controller-process.js';
import { openPlatformBus } from './open-bus.js';
import { orderedPublisher } from './ordered-publisher.js';
import { withPipelineStore, type PipelineSettings } from './pipelines.js';
import { saveReferenceProfile } from './reference-profile.js';

export type PipelineRunSettings = PipelineSettings & Partial<Pick<Settings, 'busUrl'>>;

export interface PipelineRunNowOptions extends Pick<GatedRunOptions, 'trigger' | 'release' | 'seed' | 'onProgress' | 'onStep'> {
  /** Who runs it: the audit log names them for the registration, the approval and every release change made here. */
  readonly actor: string;
  readonly signal?: AbortSignal | undefined;
  /** A lifecycle event the bus did not take (publishing is best effort: it never fails the run). */
  readonly onPublishError?: ((e: unknown) => void) | undefined;
}

/**
 * One run now, outside the controller (`lading pipeline run`): the controller's own path
 * (runGatedPipeline: data with the newest feedback held out, training, the gates, the release),
 * composed with the settings' workspace, monitoring store, releases and bus. The release's first
 * step is deployed here when no controller holds the lease (under the lease, given up at once
 * after), else the controller deploys it on its next tick. The same events as the controller's go
 * on the bus (gate passed/failed, run finished, experiment started, deployment changed), with ids
 * derived from the facts. The candidate's reference profile is saved for drift, as `lading train --register` does.
 */
export async function runPipelineNow(settings: PipelineRunSettings, spec: PipelineSpec, options: PipelineRunNowOptions): Promise<GatedRunResult> {
  const bus = await openPlatformBus({ home: settings.home, busUrl: settings.busUrl });
  const { publish, flushed } = orderedPublisher(bus, (err) => options.onPublishError?.(err));
  try {
    const parts = await openLifecycle(settings, {
      actor: options.actor, holder: `pipeline run ${hostname()}:${process.pid}`, notify: (n) => publish(eventsOfNotice(n, Date.now())), modelEvents: publish,
    });
    try {
      return await withPipelineStore(settings, (store) => runGatedPipeline({
        workspace: parts.workspace, monitoring: parts.monitoring, releases: parts.releases, runner: parts.runner, actor: options.actor, now: Date.now,
        store, threads: settings.threads, ...(options.signal ? { signal: options.signal } : {}),
        afterRegister: (trained, version) => saveReferenceProfile(settings, trained, { model: version.model, version: String(version.version) }),
        onGates: (s, run, report) => publish(eventsOfGates(s, run, report, Date.now())),
      }, spec, {
        trigger: options.trigger, release: options.release, lease: parts.lease, seed: options.seed, onProgress: options.onProgress, onStep: options.onStep,
        onRunEnd: (r) => publish([eventOfRunEnd(spec, r.run, Date.now())]),
      }));
    } finally {
      await parts.close();
    }
  } finally {
    await flushed();
    await bus.close();
  }
}
