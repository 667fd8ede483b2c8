/**
 * Entry of the prediction log's writer thread (see monitoring/log/worker-log-sink.ts). It lives in
 * platform/ because it opens a store adapter: its own connection to the store named by workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from './background-thread.js';
import { serveLogSink } from '../monitoring/log/log-sink-worker.js';
import { openMonitoringStore, type MonitoringStoreSpec } from './monitoring-store.js';

if (parentPort === null) throw new Error('log-writer-thread.js runs as a worker thread');
// Background work of a serving process: it gets the CPU serving leaves idle (see background-thread.ts).
lowerThisThreadPriority();
await serveLogSink(parentPort, async () => {
  const store = await openMonitoringStore(workerData as MonitoringStoreSpec);
  return { store, close: () => store.close() };
});
