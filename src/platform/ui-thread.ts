/**
 * Entry of the dashboard's thread (ui-work.ts). It lives in platform/ because it opens store
 * adapters: its own connections to the monitoring store and the registry named by workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from './background-thread.js';
import { openMonitoringStore, type MonitoringStoreSpec } from './monitoring-store.js';
import { serveUiWork, type UiWorkData } from './ui-work.js';
import { openPlatformWorkspace } from './workspace.js';

if (parentPort === null) throw new Error('ui-thread.js runs as a worker thread');
const data = workerData as UiWorkData;
// In a serving process it gets only the CPU serving leaves idle (see background-thread.ts).
if (data.background) lowerThisThreadPriority();
await serveUiWork(parentPort, data, { store: (spec) => openMonitoringStore(spec as MonitoringStoreSpec), workspace: openPlatformWorkspace });
