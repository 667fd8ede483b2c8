import { createInbox, nanos, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { ConflictError } from '../../core/errors.js';

/**
 * One pull request to a durable consumer, in the raw JetStream API rather than the client's fetch:
 * `no_wait` with `expires` makes the server answer as soon as at least one message is there (up to
 * `batch`, what is available), or after `expires` with none. The client's fetch waits for a full
 * batch or expiry and refuses expiries under a second; next(batch, timeoutMs) needs neither.
 * Tested on NATS 2.9.10 and later.
 */
export async function pullBatch(nc: NatsConnection, stream: string, durable: string, batch: number, timeoutMs: number, stop: AbortSignal): Promise<Msg[]> {
  if (stop.aborted) return [];
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const request = timeoutMs > 0 ? { batch, no_wait: true, expires: nanos(Math.ceil(timeoutMs)) } : { batch, no_wait: true };
  // The server always ends the request (408/404) by itself; this only covers a lost connection.
  const guard = setTimeout(() => sub.unsubscribe(), timeoutMs + 5000);
  const onStop = (): void => sub.unsubscribe();
  stop.addEventListener('abort', onStop, { once: true });
  const out: Msg[] = [];
  try {
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, JSON.stringify(request), { reply: inbox });
    for await (const m of sub) {
      if (m.reply?.startsWith('$JS.ACK.') === true) {
        out.push(m);
        if (out.length >= batch) break;
        continue;
      }
      const code = m.headers?.code ?? 0;
      if (code === 100) continue; // heartbeat / flow control
      if (code === 409 && /consumer deleted/i.test(m.headers?.description ?? '')) {
        throw new ConflictError('durable-deleted', `the durable subscription ${durable} was deleted`, { stream, durable });
      }
      break; // 404 no messages, 408 expired, 409 other (e.g. leadership change): end of this pull
    }
  } finally {
    clearTimeout(guard);
    stop.removeEventListener('abort', onStop);
    sub.unsubscribe();
  }
  return out;
}

/** Where a JetStream message sits, read from its ack subject `$JS.ACK.[domain.account.]stream.consumer.delivered.sseq.cseq.ts.pending[.token]`. */
export function ackSubjectInfo(reply: string): { deliveryCount: number; seq: number; storedAtMs: number } {
  const t = reply.split('.');
  const at = t.length === 9 ? 4 : 6;
  // The timestamp is in nanoseconds, past 2^53: milliseconds from its leading digits keep it exact enough.
  const ts = t[at + 3] ?? '';
  return { deliveryCount: Number(t[at]), seq: Number(t[at + 1]), storedAtMs: ts.length > 6 ? Number(ts.slice(0, -6)) : NaN };
}
