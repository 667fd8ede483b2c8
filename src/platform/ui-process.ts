import { fileURLToPath } from 'node:url';
import type { Settings } from '../config/config.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import { describePgUrl } from '../registry/postgres/open-workspace.js';
import type { Workspace } from '../registry/workspace.js';
import type { UiBackend } from '../server/routes/ui-api.js';
import { startServer } from '../server/start-server.js';
import { FileModelSource } from '../serving/model-source.js';
import { ServingPlane } from '../serving/serving-plane.js';
import { createEventPublisher } from './event-publisher.js';
import { closeOnAbort, orderlyClose, type LadingProcess } from './lading-process.js';
import { openPlatformMonitoringStore } from './monitoring-store.js';
import { publishingWorkspace } from './publishing-stores.js';
import { openPlatformWorkspace } from './workspace.js';

/**
 * Where `npm ci` (the prepare script: `vite build`) puts the dashboard: dist-web/ at the package
 * root, found from this compiled file (dist/src/platform/) so it works from any working directory.
 */
export const UI_WEB_DIR = fileURLToPath(new URL('../../../dist-web/', import.meta.url));

/** The dashboard's back end over an open workspace: its registry, deployment control and (when given) the alert history. */
export function uiBackend(workspace: Workspace | undefined, alerts: MonitoringStore | undefined, control?: DeploymentControl): UiBackend {
  return {
    webDir: UI_WEB_DIR,
    registry: workspace,
    deployments: control ?? (workspace ? new DeploymentControl(workspace.deployments) : undefined),
    alerts,
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
 * serving no model. Its changes (approve, reject, rollback) go through the workspace the CLI verbs
 * use, publishing their events on the bus like theirs. /metrics answers with this process's own
 * (empty) serving figures; the Live page is for `lading serve`.
 */
export async function startUiProcess(settings: UiSettings, options: { readonly signal?: AbortSignal; readonly warn?: (line: string) => void } = {}): Promise<UiProcess> {
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const raw = await openPlatformWorkspace(settings);
  const events = createEventPublisher(settings, { warn });
  let alerts: MonitoringStore | undefined;
  const plane = new ServingPlane(new FileModelSource(), { threads: 1 });
  const closeStores = async () => {
    await alerts?.close();
    await events.flush();
    raw.close();
    await events.close();
  };
  try {
    alerts = await openPlatformMonitoringStore(settings);
    const server = await startServer({
      plane, host: settings.host, port: settings.port, token: settings.token, protectPredictions: settings.protectPredictions,
      maxBodyBytes: settings.maxBodyKb * 1024, fastPath: false,
      registry: raw, ui: uiBackend(publishingWorkspace(raw, events), alerts),
    });
    const process = orderlyClose(async () => {
      try {
        await server.close(); // drains, then closes the (empty) plane
      } finally {
        await closeStores();
      }
    });
    closeOnAbort(options.signal, process);
    const where = settings.registryUrl !== undefined ? describePgUrl(settings.registryUrl, settings.registrySchema) : settings.home;
    return { ...process, url: server.url, port: server.port, where };
  } catch (e) {
    await plane.close();
    await closeStores();
    throw e;
  }
}
