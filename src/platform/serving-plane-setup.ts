import type { Settings } from '../config/config.js';
import { InputError } from '../core/errors.js';
import type { Workspace } from '../registry/workspace.js';
import { singleDeployment } from '../serving/deployment.js';
import { DeploymentSync, type SyncReport } from '../serving/deployment-sync.js';
import { CombinedModelSource, FileModelSource, looksLikePath, RegistryModelSource, type ModelSource } from '../serving/model-source.js';
import { ServingPlane } from '../serving/serving-plane.js';
import { startDecisionRefit } from './decision-refit.js';
import { servingFeatureLookup } from './features.js';
import { taxonomyResolver } from './serving-taxonomy.js';
import { startPredictionLog, type PredictionLog } from './prediction-log.js';
import { modelCacheDir, openPlatformWorkspace } from './workspace.js';

/** What every process that answers predictions (HTTP server, stream worker) serves: models by reference, or stored deployments. */
export type ServingTarget =
  | { readonly models: readonly { readonly ref: string; readonly endpoint?: string | undefined }[] }
  | { readonly deployments: readonly string[] };

export type PlaneSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'workers' | 'maxDelayMs' | 'pollMs'
  | 'log' | 'logFlushMs' | 'logQueueTexts' | 'logRetentionDays' | 'logRetentionRows' | 'logText'> & Partial<Pick<Settings, 'logSample'>> & Partial<Pick<Settings, 'targetPrecision' | 'onlineStoreUrl' | 'servingTaxonomy' | 'servingRemap'>>;

export interface PlaneSetupOptions {
  /** Serving threads (default settings.workers). */
  readonly threads?: number | undefined;
  /** Score every batch on the calling thread (serve --processes). */
  readonly inlineAll?: boolean | undefined;
  /** Open the registry even when the target does not need it (the admin routes write deployments). */
  readonly openWorkspace?: boolean | undefined;
  readonly onSyncReport?: ((r: SyncReport) => void) | undefined;
  /** Warnings of the prediction log (drops, retention failures); default console.warn. */
  readonly onLogWarning?: ((line: string) => void) | undefined;
  /** Called with the plane as soon as it exists, before its models load: what else the process starts alongside (cold start). */
  readonly onPlane?: ((plane: ServingPlane) => void) | undefined;
}

/** A serving plane with its models deployed and kept current. */
export interface PlaneSetup {
  readonly plane: ServingPlane;
  readonly source: ModelSource;
  /** Open when the target follows the registry or options.openWorkspace. */
  readonly workspace: Workspace | undefined;
  /** The prediction log, unless the settings turned it off. */
  readonly log: PredictionLog | undefined;
  /** Stored deployments are polled (undefined when serving models by reference). */
  readonly sync: DeploymentSync | undefined;
  /** Stops following the registry (alias refresher, deployment sync); models stay loaded. */
  stopFollowing(): Promise<void>;
  /** Stops following, unloads the models, writes and closes the log, closes the workspace. */
  close(): Promise<void>;
}

/**
 * The part of a serving process that does not depend on its transport: model source (files, or the
 * registry when a ref or a deployment needs it), the serving plane, the prediction log (subscribed
 * before the first deployment, so it sees every answer), the deployments, and what keeps them
 * current (the deployment sync, or the alias refresher for registry refs). Anything it opened is
 * closed again when a step fails.
 */
export async function startPlane(settings: PlaneSettings, target: ServingTarget, options: PlaneSetupOptions = {}): Promise<PlaneSetup> {
  const models = 'models' in target ? target.models : [];
  const deployments = 'deployments' in target ? target.deployments : [];
  if ((models.length === 0) === (deployments.length === 0)) {
    throw new InputError('missing-target', 'a serving process serves models or deployments (one of them)', {});
  }
  const followsRegistry = deployments.length > 0 || models.some((m) => !looksLikePath(m.ref));
  const workspace = followsRegistry || options.openWorkspace === true ? await openPlatformWorkspace(settings) : undefined;
  const source: ModelSource = workspace ? new CombinedModelSource(new RegistryModelSource(workspace, modelCacheDir(settings))) : new FileModelSource();
  // Models trained with entity features look them up online; the stores open on the first lookup.
  const features = servingFeatureLookup(settings);
  const plane = new ServingPlane(source, {
    threads: options.threads ?? settings.workers, maxDelayMs: settings.maxDelayMs, inlineAll: options.inlineAll === true, targetPrecision: settings.targetPrecision,
    lookupFeatures: features.lookup,
    // Endpoints answer through a taxonomy when their deployment or these settings name one.
    taxonomy: settings.servingTaxonomy !== undefined || settings.servingRemap !== undefined ? { taxonomy: settings.servingTaxonomy, remap: settings.servingRemap } : undefined,
    resolveTaxonomy: taxonomyResolver(settings),
  });
  options.onPlane?.(plane);
  let sync: DeploymentSync | undefined;
  let refresher: NodeJS.Timeout | undefined;
  let log: PredictionLog | undefined;
  let stopRefit: (() => void) | undefined;
  const stopFollowing = async () => {
    stopRefit?.();
    if (refresher) clearInterval(refresher);
    await sync?.stop();
  };
  // The log's writer thread opens (and on a first start migrates) its store while the models load:
  // both are on the way to the first answer (cold start), neither needs the other until serving.
  // Nothing is answered before this function returns, so no answer goes unlogged.
  const logStarting = settings.log ? startPredictionLog(settings, plane, {
    warn: options.onLogWarning,
    labelsOf: workspace ? async (model, _version, sha) => (await workspace.listModelVersions(model).catch(() => [])).find((v) => v.artifactSha256 === sha)?.labels : undefined,
  }) : undefined;
  logStarting?.catch(() => undefined); // awaited below; a failure while the models load is not unhandled
  try {
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
    if (logStarting) {
      log = await logStarting;
      // Delayed labels (POST /v1/feedback) refit the decide-or-route thresholds of endpoints with a target.
      stopRefit = startDecisionRefit(plane, log.store, options.onLogWarning ?? ((line) => console.warn(line)));
    }
  } catch (e) {
    await stopFollowing();
    await plane.close();
    await (log ?? await logStarting?.catch(() => undefined))?.close().catch(() => undefined);
    await features.close().catch(() => undefined);
    workspace?.close();
    throw e;
  }
  const openLog = log;
  return {
    plane, source, workspace, log, sync, stopFollowing,
    close: async () => {
      try {
        await stopFollowing();
        await plane.close();
      } finally {
        // After the plane: every answer given is in the log before its store closes.
        await openLog?.close().catch((e: unknown) => console.error('prediction log: closing failed:', e));
        await features.close().catch((e: unknown) => console.error('feature stores: closing failed:', e));
        workspace?.close();
      }
    },
  };
}
