import type { MessagePort } from 'node:worker_threads';
import { startThreadClient, type ThreadReply } from '../monitoring/thread-client.js';
import type { EnqueueResult, ReviewQueue, RoutedText } from './review-queue.js';

type WriterRequest = { readonly type: 'enqueue'; readonly id: number; readonly rows: readonly RoutedText[] } | { readonly type: 'close'; readonly id: number };

/** What the observer writes through: the queue's enqueue, run in a thread of its own. */
export interface ReviewWriter extends Pick<ReviewQueue, 'enqueue'> {
  close(): Promise<void>;
}

/**
 * The writer thread's side: opens the queue (the caller, in platform/, knows which adapter), then
 * runs enqueue requests in order on `port`. Why a thread: better-sqlite3 is synchronous, so a batch
 * written on the server's event loop would hold every request behind it for the length of the
 * transaction and its fsync; in a thread of its own (at the lowest priority, like the prediction
 * log's writer) it costs serving nothing but a message.
 */
export async function serveReviewWriter(port: MessagePort, open: () => Promise<ReviewQueue>): Promise<void> {
  const post = (m: ThreadReply<EnqueueResult | null>) => port.postMessage(m);
  let queue: ReviewQueue;
  try {
    queue = await open();
  } catch (e) {
    post({ type: 'open-failed', message: e instanceof Error ? e.message : String(e) });
    port.close();
    return;
  }
  let previous: Promise<unknown> = Promise.resolve();
  port.on('message', (m: WriterRequest) => {
    const run = previous.then(() => (m.type === 'enqueue' ? queue.enqueue(m.rows) : queue.close().then(() => null)));
    previous = run.catch(() => undefined);
    run.then(
      (value) => post({ type: 'done', id: m.id, value }),
      (e: unknown) => post({ type: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) }),
    ).finally(() => { if (m.type === 'close') port.close(); });
  });
  post({ type: 'ready' });
}

/** Starts the writer thread `script` (which calls serveReviewWriter); resolves once its queue is open. */
export async function startReviewWriter(script: URL, workerData: unknown): Promise<ReviewWriter> {
  // Ref'd while a batch is outstanding: routed texts handed over must be written before the process may end.
  const client = await startThreadClient<WriterRequest, EnqueueResult | null>(script, workerData, 'the review queue writer thread', { refWhilePending: true });
  return {
    enqueue: async (rows) => (await client.call((id) => ({ type: 'enqueue', id, rows })))!,
    close: () => client.close((id) => ({ type: 'close', id })),
  };
}
