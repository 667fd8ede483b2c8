import { fileURLToPath } from 'node:url';
import type { Settings } from '../config/config.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import { describePgUrl } from '../registry/postgres/open-workspace.js';
import type { Workspace } from '../registry/workspace.js';
import type { UiBackend, UiExperiments } from '../server/routes/ui-api.js';
import type { UiPipelines } from '../server/routes/ui-backend.js';
import { startServer } from '../server/start-server.js';
import { FileModelSource } from '../serving/model-source.js';
import { ServingPlane } from '../serving/serving-plane.js';
import { openLifecycle } from './controller-process.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { uiMonitoring } from './ui-monitoring.js';
import { uiPipelines } from './ui-pipelines.js';
import { openUiReview, type UiReview } from './ui-review.js';
import { versionEvaluation } from './version-evaluation.js';

/**
 * Where `npm ci` (the prepare script: `vite build`) puts the dashboard: dist-web/ at the package
 * root, found from this compiled file (dist/src/platform/) so it works from any working directory.
 */
export const UI_WEB_DIR = fileURLToPath(new URL('../../../dist-web/', import.meta.url));

export interface UiBackendParts {
  /** The monitoring store: the alert history, and with `timeline` the log read over time. */
  readonly monitoring?: MonitoringStore | undefined;
  /**
   * Offer the log over time (GET /v1/ui/monitoring/...). Its reports take seconds of CPU on a large
   * log, so a serving process leaves it to `lading ui`: the dashboard must never slow predictions.
   */
  readonly timeline?: boolean;
  /** Deployment changes through the process's own control (default: one over the workspace's store). */
  readonly control?: DeploymentControl | undefined;
  readonly experiments?: UiExperiments | undefined;
  readonly pipelines?: UiPipelines | undefined;
}

/** The dashboard's back end over an open workspace and whichever other parts the process has. */
export function uiBackend(workspace: Workspace | undefined, parts: UiBackendParts = {}): UiBackend {
  return {
    webDir: UI_WEB_DIR,
    registry: workspace,
    deployments: parts.control ?? (workspace ? new DeploymentControl(workspace.deployments) : undefined),
    alerts: parts.monitoring,
    monitoring: parts.monitoring && parts.timeline === true ? uiMonitoring(parts.monitoring) : undefined,
    experiments: parts.experiments,
    pipelines: parts.pipelines,
    // Production labels are read by lading ui only (timeline): listing a large log's endpoints and
    // feedback is the kind of work a serving process leaves to it.
    evaluation: workspace ? { evaluate: (model, version) => versionEvaluation(workspace, model, version, parts.timeline === true ? parts.monitoring : undefined) } : undefined,
  };
}

export type UiSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'port' | 'host' | 'token' | 'protectPredictions' | 'maxBodyKb'>
  & Partial<Pick<Settings, 'busUrl'>>;

export interface UiProcess extends LadingProcess {
  readonly url: string;
  readonly port: number;
  /** Where the registry lives, for the line `lading ui` prints. */
  readonly where: string;
}

/**
 * `lading ui`: the dashboard and its JSON API over a workspace (SQLite under home, or PostgreSQL),
 * serving no model. It opens what `lading experiment` opens (registry, monitoring store, releases),
 * so its changes (approve, reject, rollback) go through the same operations and publish their events
 * on the bus like the CLI's. /metrics answers with this process's own (empty) serving figures; the
 * Live page is for `lading serve`.
 */
export async function startUiProcess(settings: UiSettings, options: { readonly signal?: AbortSignal; readonly warn?: (line: string) => void } = {}): Promise<UiProcess> {
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const parts = await openLifecycle(settings, { actor: 'dashboard', publish: { warn } });
  const plane = new ServingPlane(new FileModelSource(), { threads: 1 });
  const experiments: UiExperiments = { list: (e, n) => parts.releases.list(e, n), get: (id) => parts.releases.get(id), inspect: (r) => parts.runner.inspect(r) };
  let review: UiReview | undefined;
  try {
    review = await openUiReview(settings, parts.monitoring, parts.workspace, warn);
    const server = await startServer({
      plane, host: settings.host, port: settings.port, token: settings.token, protectPredictions: settings.protectPredictions,
      maxBodyBytes: settings.maxBodyKb * 1024, fastPath: false,
      registry: parts.workspace, ui: uiBackend(parts.workspace, { monitoring: parts.monitoring, timeline: true, experiments, pipelines: uiPipelines(settings) }),
      review: review.target,
    });
    const openReview = review;
    const process = orderlyClose(async () => {
      try {
        await server.close(); // drains, then closes the (empty) plane
      } finally {
        await openReview.close().catch((e: unknown) => warn(`review queue: closing failed: ${(e as Error).message}`));
        await parts.close();
      }
    });
    closeOnAbort(options.signal, process);
    const where = settings.registryUrl !== undefined ? describePgUrl(settings.registryUrl, settings.registrySchema) : settings.home;
    return { ...process, url: server.url, port: server.port, where };
  } catch (e) {
    await plane.close();
    await review?.close().catch(() => undefined);
    await parts.close();
    throw e;
  }
}
