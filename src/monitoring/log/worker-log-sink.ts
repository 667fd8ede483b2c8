import { transferablesOf, type LogBatch } from './log-batch.js';
import { startThreadClient } from '../thread-client.js';
import type { LogSinkRequest } from './log-sink-protocol.js';
import type { LogRetention, LogSink } from './log-sink.js';

/**
 * A LogSink in a thread of its own: the hashing, text statistics, ranking and the store's writes
 * of the prediction log never run on the server's event loop. `script` is the thread's entry (in
 * platform/, which alone may open store adapters); `workerData` tells it which store to open.
 * Resolves once the thread has its store open; rejects with the store's error otherwise.
 */
export async function startWorkerLogSink(script: URL, workerData: unknown): Promise<LogSink> {
  // Idle, the thread must not keep the process alive; a batch being written does.
  const thread = await startThreadClient<LogSinkRequest, number>(script, workerData, 'the prediction log\'s writer thread', { refWhilePending: true });
  return {
    append: (batch: LogBatch) => thread.call((id) => ({ type: 'append', id, batch }), transferablesOf(batch)).then((rows) => ({ rows })),
    prune: (policy: LogRetention) => thread.call((id) => ({ type: 'prune', id, policy })),
    close: () => thread.close((id) => ({ type: 'close', id })),
  };
}
