import type { Settings } from '../config/config.js';
import { InputError, InterruptedError } from '../core/errors.js';
import { DEFAULT_ALERT_RULES, type AlertRule } from '../monitoring/alerts/alert-rule.js';
import type { MonitorLoop } from '../monitoring/monitor/monitor-loop.js';
import type { Workspace } from '../registry/workspace.js';
import { singleDeployment } from '../serving/deployment.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import { DeploymentSync, type SyncReport } from '../serving/deployment-sync.js';
import { CombinedModelSource, FileModelSource, looksLikePath, RegistryModelSource, type ModelSource } from '../serving/model-source.js';
import { ServingPlane } from '../serving/serving-plane.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { startServingMonitor, type ServingMonitorOptions } from './monitor-process.js';
import { startPredictionLog, type PredictionLog } from './prediction-log.js';
import { joinServingCluster, type ClusterMember } from './serving-cluster.js';
import { modelCacheDir, openPlatformWorkspace } from './workspace.js';

export type ServingSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'port' | 'host' | 'workers' | 'maxDelayMs'
  | 'maxBodyKb' | 'token' | 'protectPredictions' | 'pollMs' | 'log' | 'logFlushMs' | 'logQueueTexts' | 'logRetentionDays' | 'logRetentionRows' | 'logText'>
  // Optional so that callers that never monitor need not name them: off, 30 s, no webhook.
  & Partial<Pick<Settings, 'monitor' | 'monitorIntervalMs' | 'alertWebhook'>>;

/** What one serving process serves: models by reference (file or NAME@ALIAS), or stored deployments. */
export type ServingTarget =
  | { readonly models: readonly { readonly ref: string; readonly endpoint?: string | undefined }[] }
  | { readonly deployments: readonly string[] };

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
}

/**
 * The serving process, wired: model source (files, or the registry when a ref or a deployment needs
 * it), the serving plane, deployment control (admin routes, only with a token), the deployment sync
 * or the alias refresher, and the HTTP server. Anything it loaded is unloaded again when starting
 * fails (a port in use, a missing deployment) and on close(): drain HTTP, stop polling, unload models,
 * write what the prediction log still holds and close its store, close the workspace.
 */
export async function startServingProcess(settings: ServingSettings, target: ServingTarget, options: ServingProcessOptions = {}): Promise<ServingProcess> {
  const models = 'models' in target ? target.models : [];
  const deployments = 'deployments' in target ? target.deployments : [];
  if ((models.length === 0) === (deployments.length === 0)) {
    throw new InputError('missing-target', 'a serving process serves models or deployments (one of them)', {});
  }
  if (settings.monitor && !settings.log) {
    throw new InputError('monitor-needs-log', 'serve --monitor reads the prediction log, which --no-log turns off', { flag: '--monitor' }, 'Drop --no-log, or run without --monitor.');
  }
  const followsRegistry = deployments.length > 0 || models.some((m) => !looksLikePath(m.ref));
  // The admin routes write deployments into the registry, so a token opens it too.
  const workspace: Workspace | undefined = followsRegistry || settings.token !== undefined ? await openPlatformWorkspace(settings) : undefined;
  const source: ModelSource = workspace ? new CombinedModelSource(new RegistryModelSource(workspace, modelCacheDir(settings))) : new FileModelSource();
  const inCluster = options.clusterMember !== undefined;
  const plane = new ServingPlane(source, { threads: inCluster ? 1 : settings.workers, maxDelayMs: settings.maxDelayMs, inlineAll: inCluster });
  let sync: DeploymentSync | undefined;
  let refresher: NodeJS.Timeout | undefined;
  let server: RunningServer | undefined;
  let log: PredictionLog | undefined;
  let monitor: MonitorLoop | undefined;
  let member: ClusterMember | undefined;
  const stopPolling = async () => {
    if (refresher) clearInterval(refresher);
    await sync?.stop();
  };
  try {
    // Subscribed before the first deployment, so the log sees every answer the process gives.
    if (settings.log) {
      log = await startPredictionLog(settings, plane, {
        warn: options.onLogWarning,
        labelsOf: workspace ? async (model, _version, sha) => (await workspace.listModelVersions(model).catch(() => [])).find((v) => v.artifactSha256 === sha)?.labels : undefined,
      });
    }
    if (inCluster) {
      const processLog = log;
      member = joinServingCluster(options.clusterMember!.index, {
        flushLog: async () => { await processLog?.flush(); },
        metricsJson: () => plane.metrics.registry.getMetricsAsJSON(),
      });
    }
    if (models.length > 0) {
      for (const m of models) {
        const resolved = await source.resolve(m.ref);
        await plane.deploy(singleDeployment(m.endpoint ?? resolved.name, m.ref));
      }
      if (followsRegistry) {
        // A registry ref follows its alias: re-resolved every poll, swapped (blue/green) when it moves.
        refresher = setInterval(() => { void plane.refresh().catch(() => undefined); }, settings.pollMs);
        refresher.unref();
      }
    } else {
      sync = new DeploymentSync(workspace!.deployments, plane, options.onSyncReport);
      await sync.syncOnce();
      for (const d of deployments) {
        if (!plane.endpoint(d)) throw new InputError('unknown-deployment', `no live deployment named ${d}`, { deployment: d }, 'Create it with `lading deploy set`.');
      }
      sync.start(settings.pollMs);
    }
    if (settings.monitor && log && (member?.index ?? 0) === 0) {
      // Before the server listens, so a bad state file stops the start with nothing to undo but the plane and the log.
      monitor = await startServingMonitor({ home: settings.home, registryUrl: settings.registryUrl, registrySchema: settings.registrySchema, monitorIntervalMs: settings.monitorIntervalMs ?? 30_000, alertWebhook: settings.alertWebhook },
        plane, log, { ...options.monitor, rules: options.monitor?.rules ?? DEFAULT_ALERT_RULES });
    }
    if (options.signal?.aborted) throw new InterruptedError('starting the server');
    const control = workspace && settings.token !== undefined ? new DeploymentControl(workspace.deployments, async (ref) => { await source.resolve(ref); }) : undefined;
    const syncing = sync;
    server = await startServer({
      plane, host: settings.host, port: settings.port, token: settings.token, protectPredictions: settings.protectPredictions,
      maxBodyBytes: settings.maxBodyKb * 1024, control, afterChange: syncing ? () => syncing.syncOnce() : undefined,
      // Read-only registry routes (the dashboard's) whenever this process has the registry open.
      registry: workspace,
      feedback: log && member ? { ...log.feedback, flushLog: () => member!.flushAll() } : log?.feedback,
      metricsText: member ? () => member!.metricsText() : undefined,
    }).catch((e: unknown) => { throw listenError(e, settings); });
  } catch (e) {
    await monitor?.stop().catch(() => undefined);
    await stopPolling();
    await plane.close();
    await log?.close().catch(() => undefined);
    workspace?.close();
    throw e;
  }
  const running = server;
  const { close, closed } = orderlyClose(async () => {
    try {
      await stopPolling();
      // First: its evaluation reads the log's store, which closes below; its sinks get their bounded flush.
      await monitor?.stop().catch((e: unknown) => console.error('monitor: stopping failed:', e));
      await running.close(); // drains, then unloads the models
    } finally {
      // After the drain: every answer given is in the log before its store closes.
      await log?.close().catch((e: unknown) => console.error('prediction log: closing failed:', e));
      workspace?.close();
    }
  });
  closeOnAbort(options.signal, { close });
  return { url: running.url, port: running.port, plane, log, monitor, cluster: member, close, closed };
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
