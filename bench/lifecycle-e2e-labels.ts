/**
 * Delayed labels, as brokers send them: each answered text's true label is sent back
 * `delayMs` after its answer, the due ones together in one `POST /v1/feedback` every `everyMs`
 * (joined to the logged prediction by request id and position).
 */
import type { Answer } from '../src/demo/traffic-replay.js';
import type { Line } from './lifecycle-e2e-data.js';

interface Due { readonly at: number; readonly requestId: string; readonly position: number; readonly label: string }

export interface LabelDesk {
  /** Queues the labels of one answered request. */
  answered(answer: Answer, lines: readonly Line[]): void;
  /** Labels sent so far, and when the last batch was stored. */
  readonly sent: number;
  /** Stops sending (labels still queued are dropped). */
  close(): Promise<void>;
}

export function labelDesk(url: string, endpoint: string, delayMs: number, everyMs = 1000, onError: (e: Error) => void = () => {}): LabelDesk {
  const queue: Due[] = [];
  let sent = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const post = async () => {
    const now = Date.now();
    let n = 0;
    while (n < queue.length && queue[n]!.at + delayMs <= now) n++;
    if (n === 0) return;
    const items = queue.splice(0, n).map(({ requestId, position, label }) => ({ requestId, position, label }));
    const r = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ endpoint, items }) });
    if (!r.ok) throw new Error(`POST /v1/feedback (${items.length} labels): ${r.status} ${(await r.text()).slice(0, 300)}`);
    sent += items.length;
  };
  const timer = setInterval(() => { inFlight = inFlight.then(post).catch((e: unknown) => onError(e instanceof Error ? e : new Error(String(e)))); }, everyMs);
  return {
    answered(answer, lines) {
      const at = Date.now();
      lines.forEach((l, position) => queue.push({ at, requestId: answer.requestId, position, label: l.label }));
    },
    get sent() { return sent; },
    async close() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
