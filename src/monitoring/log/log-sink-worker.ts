import type { MessagePort } from 'node:worker_threads';
import type { LogSinkReply, LogSinkRequest } from './log-sink-protocol.js';
import { StoreLogSink, type AppendResult, type LogSinkStore } from './log-sink.js';

/**
 * The writer thread's side: opens the store (the caller, in platform/, knows which adapter), then
 * serves append/prune/close requests one after another on `port`. A store that fails to open is
 * reported once ('open-failed') and the thread ends.
 */
export async function serveLogSink(port: MessagePort, open: () => Promise<{ store: LogSinkStore; close(): Promise<void> }>): Promise<void> {
  const post = (m: LogSinkReply) => port.postMessage(m);
  let opened: { store: LogSinkStore; close(): Promise<void> };
  try {
    opened = await open();
  } catch (e) {
    post({ type: 'open-failed', message: e instanceof Error ? e.message : String(e) });
    port.close();
    return;
  }
  const sink = new StoreLogSink(opened.store, () => opened.close());
  port.on('message', (m: LogSinkRequest) => {
    const run: Promise<AppendResult> = m.type === 'append' ? sink.append(m.batch)
      : m.type === 'prune' ? sink.prune(m.policy).then((rows) => ({ rows }))
      : sink.close().then(() => ({ rows: 0 }));
    run.then(
      ({ rows }) => {
        post({ type: 'done', id: m.id, value: rows });
        if (m.type === 'close') port.close();
      },
      (e: unknown) => {
        post({ type: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) });
        if (m.type === 'close') port.close();
      },
    );
  });
  post({ type: 'ready' });
}
