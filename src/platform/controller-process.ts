import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import { LifecycleController, type ControllerChore, type ControllerTick } from '../lifecycle/controller/lifecycle-controller.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import { ReleaseControl } from '../lifecycle/release-control.js';
import type { ReleaseStore } from '../lifecycle/release/release-record.js';
import { ReleaseRunner, type ReleaseNotice } from '../lifecycle/release/release-runner.js';
import { SequentialReleaseStatistics } from '../lifecycle/release/sequential-release-statistics.js';
import type { ControllerLease } from '../lifecycle/release/controller-lease.js';
import { openReleaseStorage } from './release-store.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import type { Workspace } from '../registry/workspace.js';
import { InputError } from '../core/errors.js';
import { pipelineChore, type PipelineChoreDeps, type PipelineRunOutcome } from '../lifecycle/controller/pipeline-chore.js';
import { findPipeline } from '../lifecycle/pipeline/pipeline-parser.js';
import type { PipelineSpec } from '../lifecycle/pipeline/pipeline-spec.js';
import { eventOfRunEnd, eventsOfGates, eventsOfNotice } from '../lifecycle/controller/lifecycle-event-out.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { openPlatformBus } from './open-bus.js';
import { experimentApproved } from './change-events.js';
import { createEventPublisher, type EventPublisher, type EventSource, type PublishOptions } from './event-publisher.js';
import { orderedPublisher } from './ordered-publisher.js';
import { overriding, publishingModels, publishingWorkspace } from './publishing-stores.js';
import { monitorAlertRules } from './monitor-process.js';
import { openPipelineStore } from './pipelines.js';
import { saveReferenceProfile } from './reference-profile.js';
import { openPlatformMonitoringStore } from './monitoring-store.js';
import { openPlatformWorkspace } from './workspace.js';

export type ControllerSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'controllerIntervalMs'> & Partial<Pick<Settings, 'threads' | 'monitoring' | 'busUrl'>>;

/** Everything the lifecycle's verbs act through: the registry, the monitoring store, releases. */
export interface LifecycleParts {
  readonly workspace: Workspace;
  readonly monitoring: MonitoringStore;
  readonly releases: ReleaseStore;
  readonly runner: ReleaseRunner;
  /** The lease that lets one controller act at a time (on the same storage as the releases). */
  readonly lease: ControllerLease;
  /** Where releases live: `<home>/controller.sqlite`, or the PostgreSQL registry's schema. */
  readonly where: string;
  close(): Promise<void>;
}

export interface LifecycleOptions {
  /** Who the audit log names: `controller` for the controller, the person for `experiment stop`. */
  readonly actor: string;
  readonly notify?: (notice: ReleaseNotice) => void | Promise<void>;
  readonly now?: () => number;
  /** Lease holder name; default host:pid. */
  readonly holder?: string;
  /**
   * A person's verbs (`lading experiment`): publish what they change on the bus (the release's
   * notices, its approval, deployment revisions), failures being warnings. The controller leaves it
   * out: it publishes its own events, with ids of its own.
   */
  readonly publish?: PublishOptions;
  /**
   * The controller and `lading pipeline run`: where the registry changes they make (a candidate
   * registered and approved, the champion alias moved) go, on the bus they publish their own
   * events on. Ignored with `publish`, which publishes those already.
   */
  readonly modelEvents?: (source: EventSource) => unknown;
}

/**
 * Opens what the lifecycle acts on. Releases and the controller's lease live in the controller's
 * own SQLite file under home, or with a registry URL in the registry's PostgreSQL schema (the lease
 * then a session advisory lock), so controllers on several machines share one lease.
 */
export async function openLifecycle(settings: Pick<ControllerSettings, 'home' | 'registryUrl' | 'registrySchema'> & Partial<ControllerSettings>, options: LifecycleOptions): Promise<LifecycleParts> {
  const raw = await openPlatformWorkspace(settings);
  const events = options.publish === undefined ? undefined : createEventPublisher(settings, options.publish);
  const workspace = events !== undefined ? publishingWorkspace(raw, events)
    : options.modelEvents !== undefined ? publishingModels(raw, options.modelEvents) : raw;
  const notify = events === undefined ? options.notify : async (n: ReleaseNotice) => {
    void events.publish(() => eventsOfNotice(n, Date.now()));
    await options.notify?.(n);
  };
  let monitoring: MonitoringStore | undefined;
  try {
    monitoring = await openPlatformMonitoringStore(settings);
    mkdirSync(settings.home, { recursive: true });
    const storage = await openReleaseStorage(settings, options.holder ?? `${hostname()}:${process.pid}`);
    const releases = storage.releases;
    const control = new ReleaseControl(workspace, new DeploymentControl(workspace.deployments, async (ref) => { await resolveIfRegistered(workspace, ref); }));
    const runner = new ReleaseRunner({
      releases, control, monitoring, stats: new SequentialReleaseStatistics(), now: options.now ?? Date.now, actor: options.actor, notify,
    });
    const store = monitoring;
    return {
      workspace, monitoring, releases, runner: events === undefined ? runner : publishingApprovals(runner, events), lease: storage.lease, where: storage.where,
      async close() {
        try {
          await events?.flush();
          await storage.close();
          await store.close();
          raw.close();
        } finally {
          await events?.close();
        }
      },
    };
  } catch (e) {
    await monitoring?.close();
    raw.close();
    await events?.close();
    throw e;
  }
}

/** The runner, whose approve() also publishes `experiment.approved` (the runner itself sends no notice for it). */
function publishingApprovals(runner: ReleaseRunner, events: EventPublisher): ReleaseRunner {
  const approve = async (endpoint: string, actor: string) => {
    const r = await runner.approve(endpoint, actor);
    void events.publish(() => [experimentApproved(r, actor)]);
    return r;
  };
  return overriding(runner, { approve });
}

/** A registry ref must name a version that exists; a file path is the server's business. */
async function resolveIfRegistered(ws: Workspace, ref: string): Promise<void> {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9._-]+)?$/.test(ref) && !ref.includes('/')) await ws.resolveModel(ref);
}

export interface ControllerProcessOptions {
  readonly once?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onTick?: (tick: ControllerTick) => void;
  readonly notify?: (notice: ReleaseNotice) => void | Promise<void>;
  readonly chores?: readonly ControllerChore[];
  /** The pipelines the controller runs when their triggers are due (loadPipelineSpecs). */
  readonly pipelines?: readonly PipelineSpec[];
  readonly onRun?: PipelineChoreDeps['onRun'];
  readonly onGates?: PipelineChoreDeps['onGates'];
  readonly onError?: (e: unknown) => void;
  /** Lease holder name; default host:pid. */
  readonly holder?: string;
}

export interface ControllerProcess extends LadingProcess {
  readonly controller: LifecycleController;
  /** Runs a declared pipeline now through the gates and, if its candidate passes, into a release. */
  runPipeline(name: string): Promise<PipelineRunOutcome>;
  readonly holder: string;
  /** With `once`: the one tick. */
  readonly first: Promise<ControllerTick>;
}

/**
 * `lading controller`: the lifecycle parts, the lease, and the loop. close() (or the signal) lets
 * the tick under way finish, gives the lease up (a standby takes over at once), closes the stores.
 * SIGKILL needs nothing: every change is recorded before and after it is made (release-runner.ts),
 * and the lease expires by itself.
 */
export async function startControllerProcess(settings: ControllerSettings, options: ControllerProcessOptions = {}): Promise<ControllerProcess> {
  const bus = await openPlatformBus({ home: settings.home, busUrl: settings.busUrl });
  // Its own events and the registry changes it makes (candidates, approvals, alias moves).
  const out = orderedPublisher(bus, (err) => options.onError?.(err));
  const notify = async (n: ReleaseNotice) => {
    out.publish(eventsOfNotice(n, Date.now()));
    await options.notify?.(n);
  };
  const holder = options.holder ?? `${hostname()}:${process.pid}`;
  const parts = await openLifecycle(settings, { actor: 'controller', notify, holder, modelEvents: out.publish }).catch(async (e: unknown) => { await bus.close(); throw e; });
  const lease = parts.lease;
  const stopping = new AbortController();
  const pipelines = options.pipelines ?? [];
  const pipelineStore = pipelines.length > 0 ? await openPipelineStore(settings) : undefined;
  const chore = pipelineStore === undefined ? undefined : pipelineChore({
    workspace: parts.workspace, monitoring: parts.monitoring, releases: parts.releases, runner: parts.runner, actor: 'controller', now: Date.now,
    pipelines, store: pipelineStore, threads: settings.threads ?? 1, signal: stopping.signal,
    driftRules: new Set(monitorAlertRules(settings.monitoring ?? {}).filter((r) => r.metric.startsWith('drift')).map((r) => r.name)),
    afterRegister: (trained, version) => saveReferenceProfile(settings, trained, { model: version.model, version: String(version.version) }),
    onRun: (spec, trigger, outcome) => {
      if (!(outcome instanceof Error)) out.publish([eventOfRunEnd(spec, outcome.run, Date.now())]);
      options.onRun?.(spec, trigger, outcome);
    },
    onGates: (spec, run, report) => {
      out.publish(eventsOfGates(spec, run, report, Date.now()));
      options.onGates?.(spec, run, report);
    },
  });
  const controller = new LifecycleController({
    lease, releases: parts.releases, runner: parts.runner, now: Date.now, intervalMs: settings.controllerIntervalMs,
    chores: [...(chore ? [chore.chore] : []), ...(options.chores ?? [])], onTick: options.onTick,
  });
  const { close, closed } = orderlyClose(async () => {
    try {
      // A pipeline run under way is interrupted (it is marked failed, nothing half-registered).
      stopping.abort();
      await chore?.inFlight()?.catch(() => undefined);
      await controller.stop();
    } finally {
      await pipelineStore?.close();
      await parts.close();
      await out.flushed();
      await bus.close();
    }
  });
  let first: Promise<ControllerTick>;
  if (options.once) {
    // A cron job's one tick also waits for the pipeline run it started (its release is deployed by the next tick).
    first = controller.tick().then(async (t) => { await chore?.inFlight()?.catch(() => undefined); return t; }).finally(() => close());
  } else {
    first = controller.tick();
    first.catch(() => undefined);
    void first.finally(() => controller.start({ immediately: false }));
  }
  closeOnAbort(options.signal, { close });
  const runPipeline = async (name: string): Promise<PipelineRunOutcome> => {
    if (chore === undefined) throw new InputError('no-pipelines', `the controller has no pipelines, so none called "${name}"`, { pipeline: name }, 'Declare it under pipelines: in lading.yaml.');
    return chore.runNow(findPipeline(pipelines, name));
  };
  return { controller, holder, first, close, closed, runPipeline };
}
