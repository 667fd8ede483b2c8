import { fileURLToPath } from 'node:url';
import type { Settings } from '../config/config.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import { describePgUrl } from '../registry/postgres/open-workspace.js';
import type { Workspace } from '../registry/workspace.js';
import type { UiBackend, UiExperiments } from '../server/routes/ui-api.js';
import { DEFAULT_TIMELINE_WINDOWS, type TimelineWindow, type UiPipelines } from '../server/routes/ui-backend.js';
import { startServer } from '../server/start-server.js';
import { FileModelSource } from '../serving/model-source.js';
import { ServingPlane } from '../serving/serving-plane.js';
import { openLifecycle } from './controller-process.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { uiMonitoring } from './ui-monitoring.js';
import { timelineSource } from './ui-timeline.js';
import { uiPipelines } from './ui-pipelines.js';
import { openUiReview, type UiReview } from './ui-review.js';
import { versionEvaluation, type VersionEvaluation } from './version-evaluation.js';
import { UiWorkThread, uiWorkData } from './ui-work.js';
import { ReusedAnswers } from './ui-reused-answers.js';

/**
 * Where `npm ci` (the prepare script: `vite build`) puts the dashboard: dist-web/ at the package
 * root, found from this compiled file (dist/src/platform/) so it works from any working directory.
 */
export const UI_WEB_DIR = fileURLToPath(new URL('../../../dist-web/', import.meta.url));

export interface UiBackendParts {
  /** The monitoring store: the alert history and the logged endpoints. */
  readonly monitoring?: MonitoringStore | undefined;
  /**
   * The dashboard's thread (ui-work.ts, its own store connections): with it, a version's evaluation
   * is computed there (never on this event loop) and adds the labels people gave in production
   * (confusion heat map, recall).
   */
  readonly work?: UiWorkThread | undefined;
  /**
   * Offer the log over time (GET /v1/ui/monitoring/...), computed in `work`: `lading ui` does; a
   * serving process leaves the page to it.
   */
  readonly timeline?: boolean;
  /** Deployment changes through the process's own control (default: one over the workspace's store). */
  readonly control?: DeploymentControl | undefined;
  readonly experiments?: UiExperiments | undefined;
  readonly pipelines?: UiPipelines | undefined;
}

/** The dashboard's back end over an open workspace and whichever other parts the process has. */
export function uiBackend(workspace: Workspace | undefined, parts: UiBackendParts = {}): UiBackend {
  const { monitoring, work } = parts;
  // A version's evaluation is reused for a few seconds: a page left open on several screens costs one computation.
  const evaluations = new ReusedAnswers<VersionEvaluation>(EVALUATION_REUSE_MS);
  return {
    webDir: UI_WEB_DIR,
    registry: workspace,
    deployments: parts.control ?? (workspace ? new DeploymentControl(workspace.deployments) : undefined),
    alerts: monitoring,
    monitoring: monitoring && work && parts.timeline === true
      // At once: windows the thread has not computed yet come back pending and fill in on the page's next asks.
      ? uiMonitoring({ endpoints: () => monitoring.listLoggedEndpoints(), timeline: (endpoint, windows) => work.timeline(endpoint, windows, true) },
        // Before the thread's first answer (it is starting): what the store has, read here; this source computes nothing.
        { answerWithinMs: TIMELINE_ANSWER_WITHIN_MS, stored: storedTimeline(monitoring) }) : undefined,
    experiments: parts.experiments,
    pipelines: parts.pipelines,
    evaluation: workspace ? {
      async evaluate(model, version) {
        // Here, so an unknown model or version is the registry's NotFoundError (a 404 naming it).
        await workspace.getModelVersion(model, version);
        return evaluations.get(`${model}\u0000${version}`, () => (work ? work.evaluation(model, version) : versionEvaluation(workspace, model, version)));
      },
    } : undefined,
  };
}

/** The timeline from the store alone on this event loop (timelineStored): only ever asked for that, it computes no window here. */
function storedTimeline(monitoring: MonitoringStore): (endpoint: string, windows: number) => Promise<readonly TimelineWindow[]> {
  const source = timelineSource(monitoring);
  return (endpoint, windows) => source.timelineStored(endpoint, windows);
}

/** The page's data within 100 ms (issue 16): this for the thread, the rest for the endpoint list and HTTP. */
const TIMELINE_ANSWER_WITHIN_MS = 30;

/** How long a version's evaluation is reused before it is computed again behind the answer (its production figures change). */
const EVALUATION_REUSE_MS = 5_000;

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
  const work = new UiWorkThread(uiWorkData(settings, false));
  const backend = uiBackend(parts.workspace, { monitoring: parts.monitoring, work, timeline: true, experiments, pipelines: uiPipelines(settings) });
  try {
    review = await openUiReview(settings, parts.monitoring, parts.workspace, warn);
    const server = await startServer({
      plane, host: settings.host, port: settings.port, token: settings.token, protectPredictions: settings.protectPredictions,
      maxBodyBytes: settings.maxBodyKb * 1024, fastPath: false,
      registry: parts.workspace, ui: backend, review: review.target,
    });
    // Quiet once the process closes: the thread's end fails what it was still computing.
    warmTimelines(backend, (line) => { if (!work.closing) warn(line); });
    const openReview = review;
    const process = orderlyClose(async () => {
      try {
        await server.close(); // drains, then closes the (empty) plane
      } finally {
        await openReview.close().catch((e: unknown) => warn(`review queue: closing failed: ${(e as Error).message}`));
        await work.close().catch((e: unknown) => warn(`dashboard thread: closing failed: ${(e as Error).message}`));
        await parts.close();
      }
    });
    closeOnAbort(options.signal, process);
    const where = settings.registryUrl !== undefined ? describePgUrl(settings.registryUrl, settings.registrySchema) : settings.home;
    return { ...process, url: server.url, port: server.port, where };
  } catch (e) {
    await plane.close();
    await review?.close().catch(() => undefined);
    await work.close().catch(() => undefined);
    await parts.close();
    throw e;
  }
}

/**
 * Starts each logged endpoint's timeline as the Monitoring page asks for it, in the dashboard's
 * thread, as soon as the process is up: on a large log the first computation takes seconds
 * (ui-timeline.ts), and this way it is done, or under way, before the first visitor comes. The
 * answer itself comes at once (pending windows); what counts is the computation it starts behind.
 */
function warmTimelines(backend: UiBackend, warn: (line: string) => void): void {
  const monitoring = backend.monitoring;
  if (!monitoring) return;
  void monitoring.endpoints()
    .then((endpoints) => Promise.all(endpoints.map((e) => monitoring.timeline(e.endpoint, DEFAULT_TIMELINE_WINDOWS))))
    .catch((e: unknown) => warn(`dashboard: computing the monitoring timeline failed: ${(e as Error).message}`));
}
