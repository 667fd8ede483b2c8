import type { Settings } from '../config/config.js';
import { InputError, InterruptedError } from '../core/errors.js';
import { DEFAULT_ALERT_RULES, type AlertRule } from '../monitoring/alerts/alert-rule.js';
import type { MonitorLoop } from '../monitoring/monitor/monitor-loop.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import type { SyncReport } from '../serving/deployment-sync.js';
import type { ServingPlane } from '../serving/serving-plane.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { startServingMonitor, type ServingMonitorOptions } from './monitor-process.js';
import { createEventPublisher } from './event-publisher.js';
import { publishingDeployments, publishingFeedbackStore, publishingWorkspace } from './publishing-stores.js';
import type { PredictionLog } from './prediction-log.js';
import { startServingReview, type ServingReview } from './review-queue.js';
import type { RoutePredicate } from '../review/review-observer.js';
import { joinServingCluster, type ClusterMember } from './serving-cluster.js';
import { startPlane, type ServingTarget } from './serving-plane-setup.js';
import { uiBackend } from './ui-process.js';
import { UiWorkThread, uiWorkData } from './ui-work.js';
import { readTokensFile } from '../config/tokens-file.js';

export type ServingSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'port' | 'host' | 'workers' | 'maxDelayMs'
  | 'maxBodyKb' | 'token' | 'protectPredictions' | 'pollMs' | 'log' | 'logFlushMs' | 'logQueueTexts' | 'logRetentionDays' | 'logRetentionRows' | 'logText'> & Partial<Pick<Settings, 'logSample'>>
  // Optional so that callers that never monitor (or decide) need not name them: off, 30 s, no webhook, no target.
  & Partial<Pick<Settings, 'monitor' | 'monitorIntervalMs' | 'alertWebhook' | 'busUrl' | 'reviewBelow' | 'targetPrecision' | 'onlineStoreUrl' | 'tokensFile' | 'fourEyes' | 'servingTaxonomy' | 'servingRemap'>>;

export type { ServingTarget } from './serving-plane-setup.js';

export interface ServingProcessOptions {
  /** Aborting it starts the same orderly close() (Ctrl-C, SIGTERM). */
  readonly signal?: AbortSignal;
  /** Each time stored deployments were applied or failed to apply. */
  readonly onSyncReport?: (r: SyncReport) => void;
  /** Warnings of the prediction log (drops, retention failures); default console.warn. */
  readonly onLogWarning?: (line: string) => void;
  /** With settings.monitor: the alert rules (default DEFAULT_ALERT_RULES) and where the loop's events go. */
  readonly monitor?: Omit<ServingMonitorOptions, 'rules'> & { readonly rules?: readonly AlertRule[] | undefined };
  /**
   * This process is one of `serve --processes N` (platform/serving-cluster.ts): it scores every
   * batch on its HTTP thread (one serving thread stays, for explanations and engines that only run
   * asynchronously), feedback waits for every process's log, /metrics sums every process, and only
   * process 0 runs the monitor.
   */
  readonly clusterMember?: { readonly index: number } | undefined;
  /** Which texts go to the review queue (default: settings.reviewBelow on the top score). */
  readonly reviewRoutes?: RoutePredicate | undefined;
}

export type { LadingProcess } from './lading-process.js';

export interface ServingProcess extends LadingProcess {
  readonly url: string;
  readonly port: number;
  readonly plane: ServingPlane;
  /** The prediction log, unless the settings turned it off (`--no-log`). */
  readonly log: PredictionLog | undefined;
  /** The monitor loop, with settings.monitor (`serve --monitor`). */
  readonly monitor: MonitorLoop | undefined;
  /** With options.clusterMember: this process's side of the cluster. */
  readonly cluster: ClusterMember | undefined;
  /** The review queue and its observer, with the prediction log on. */
  readonly review: ServingReview | undefined;
}

/**
 * The serving process, wired: model source (files, or the registry when a ref or a deployment needs
 * it), the serving plane, deployment control (admin routes, only with a token), the deployment sync
 * or the alias refresher, and the HTTP server. Anything it loaded is unloaded again when starting
 * fails (a port in use, a missing deployment) and on close(): drain HTTP, stop polling, unload models,
 * write what the prediction log still holds and close its store, close the workspace.
 */
export async function startServingProcess(settings: ServingSettings, target: ServingTarget, options: ServingProcessOptions = {}): Promise<ServingProcess> {
  if (settings.monitor && !settings.log) {
    throw new InputError('monitor-needs-log', 'serve --monitor reads the prediction log, which --no-log turns off', { flag: '--monitor' }, 'Drop --no-log, or run without --monitor.');
  }
  // Read first: a bad tokens file stops the start before any model loads (its error names the line).
  const grants = settings.tokensFile === undefined ? undefined : readTokensFile(settings.tokensFile);
  const adminOn = settings.token !== undefined || grants !== undefined;
  const inCluster = options.clusterMember !== undefined;
  // The admin routes write deployments into the registry, so a token opens it too.
  // The review queue (it needs the log: an answer is feedback, joined to the logged predictions)
  // opens, and its writer thread starts, while the models load: both are on the way to the first answer.
  let reviewStarting: Promise<ServingReview> | undefined;
  const setup = await startPlane(settings, target, {
    threads: inCluster ? 1 : settings.workers, inlineAll: inCluster, openWorkspace: adminOn,
    onSyncReport: options.onSyncReport, onLogWarning: options.onLogWarning,
    onPlane: (plane) => {
      if (!settings.log) return;
      reviewStarting = startServingReview({ ...settings, reviewBelow: settings.reviewBelow ?? 0 }, plane, { routes: options.reviewRoutes, warn: options.onLogWarning });
      reviewStarting.catch(() => undefined); // awaited below
    },
  }).catch(async (e: unknown) => {
    await (await reviewStarting?.catch(() => undefined))?.close().catch(() => undefined);
    throw e;
  });
  const { plane, source, workspace, log, sync } = setup;
  // Feedback and alerts are published on the bus from a queue of their own: POST /v1/feedback
  // answers once its items are stored, and never waits for the bus.
  const events = createEventPublisher(settings, { warn: options.onLogWarning ?? ((line) => console.warn(line)) });
  const feedback = log === undefined ? undefined : { ...log.feedback, store: publishingFeedbackStore(log.feedback.store, events) };
  let server: RunningServer | undefined;
  let monitor: MonitorLoop | undefined;
  let member: ClusterMember | undefined;
  let review: ServingReview | undefined;
  // The dashboard's heavy reads (a version's evaluation and production figures) run in a thread of their own, started on the first such request.
  const dashboardWork = log === undefined ? undefined : new UiWorkThread(uiWorkData(settings, true));
  try {
    if (inCluster) {
      const processLog = log;
      member = joinServingCluster(options.clusterMember!.index, {
        flushLog: async () => { await processLog?.flush(); },
        metricsJson: () => plane.metrics.registry.getMetricsAsJSON(),
      });
    }
    if (settings.monitor && log && (member?.index ?? 0) === 0) {
      // Before the server listens, so a bad state file stops the start with nothing to undo but the plane and the log.
      monitor = await startServingMonitor({ home: settings.home, registryUrl: settings.registryUrl, registrySchema: settings.registrySchema, monitorIntervalMs: settings.monitorIntervalMs ?? 30_000, alertWebhook: settings.alertWebhook },
        plane, log, { ...options.monitor, rules: options.monitor?.rules ?? DEFAULT_ALERT_RULES, events });
    }
    const serverFeedback = feedback && member ? { ...feedback, flushLog: () => member!.flushAll() } : feedback;
    review = await reviewStarting;
    if (options.signal?.aborted) throw new InterruptedError('starting the server');
    // The admin routes' changes are a person's too: each revision is published, like `lading deploy`'s.
    const control = workspace && adminOn
      ? new DeploymentControl(publishingDeployments(workspace.deployments, events), async (ref) => { await source.resolve(ref); }) : undefined;
    server = await startServer({
      plane, host: settings.host, port: settings.port, token: settings.token, grants, protectPredictions: settings.protectPredictions,
      maxBodyBytes: settings.maxBodyKb * 1024, control, afterChange: sync ? () => sync.syncOnce() : undefined,
      // Read-only registry routes (the dashboard's) whenever this process has the registry open.
      registry: workspace,
      // The dashboard at /ui; its changes publish their events like the CLI's.
      ui: uiBackend(workspace && publishingWorkspace(workspace, events), { monitoring: log?.store, control, work: dashboardWork }),
      feedback: serverFeedback,
      metricsText: member ? () => member!.metricsText() : undefined,
      review: review && serverFeedback && { queue: review.queue, feedback: serverFeedback },
    }).catch((e: unknown) => { throw listenError(e, settings); });
  } catch (e) {
    await monitor?.stop().catch(() => undefined);
    await (review ?? await reviewStarting?.catch(() => undefined))?.close().catch(() => undefined);
    await dashboardWork?.close().catch(() => undefined);
    await setup.close();
    await events.close();
    throw e;
  }
  const running = server;
  const openReview = review;
  const { close, closed } = orderlyClose(async () => {
    try {
      await setup.stopFollowing();
      // First: its evaluation reads the log's store, which closes below; its sinks get their bounded flush.
      await monitor?.stop().catch((e: unknown) => console.error('monitor: stopping failed:', e));
      await running.close(); // drains, then unloads the models
    } finally {
      await openReview?.close().catch((e: unknown) => console.error('review queue: closing failed:', e));
      await dashboardWork?.close().catch((e: unknown) => console.error('dashboard thread: closing failed:', e));
      // After the drain: every answer given is in the log before its store closes.
      try {
        await setup.close();
      } finally {
        await events.close();
      }
    }
  });
  closeOnAbort(options.signal, { close });
  return { url: running.url, port: running.port, plane, log, monitor, cluster: member, review: openReview, close, closed };
}

/** A listen failure a person can act on (port taken, not allowed) says so and names the flag. */
function listenError(e: unknown, settings: ServingSettings): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const facts = { flag: '--port', port: settings.port, host: settings.host };
  if (code === 'EADDRINUSE') {
    return new InputError('port-in-use', `port ${settings.port} on ${settings.host} is already in use`, facts,
      'Stop what holds it, or pick another with --port (0 picks any free port).', { cause: e });
  }
  if (code === 'EACCES') {
    return new InputError('port-not-allowed', `not allowed to listen on port ${settings.port} on ${settings.host}`, facts,
      'Ports below 1024 need privileges; pick another with --port.', { cause: e });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new InputError('bad-host', `cannot listen on host ${settings.host}: no such local address`, { ...facts, flag: '--host' },
      'Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).', { cause: e });
  }
  return e;
}
