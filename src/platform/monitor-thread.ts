/**
 * Entry of the monitor's observer thread in a serving process (see
 * monitoring/monitor/observer-worker.ts). It lives in platform/ because it opens a store adapter:
 * its own connection to the monitoring store named by workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from './background-thread.js';
import { serveEndpointObserver, type ObserverWorkerData } from '../monitoring/monitor/observer-worker.js';
import { openMonitoringStore, type MonitoringStoreSpec } from './monitoring-store.js';

if (parentPort === null) throw new Error('monitor-thread.js runs as a worker thread');
// Background work of a serving process: it gets the CPU serving leaves idle (see background-thread.ts).
lowerThisThreadPriority();
await serveEndpointObserver(parentPort, workerData as ObserverWorkerData, (spec) => openMonitoringStore(spec as MonitoringStoreSpec));
