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

/** Dot positions of the ack subject being read (a subject has at most a dozen tokens here). */
const dots = new Int32Array(32);

/**
 * Where a JetStream message sits, read from its ack subject `$JS.ACK.[domain.account.]stream.consumer.delivered.sseq.cseq.ts.pending[.token]`.
 * Read in place, without splitting the subject into strings: the stream worker reads one per input,
 * and split + Number cost about 3 µs a message (microbenchmark, loaded machine).
 */
export function ackSubjectInfo(reply: string): { deliveryCount: number; seq: number; storedAtMs: number } {
  let count = 0;
  for (let i = 0; i < reply.length && count < dots.length; i++) if (reply.charCodeAt(i) === 0x2e) dots[count++] = i;
  const tokens = count + 1;
  const at = tokens === 9 ? 4 : 6;
  // The timestamp is in nanoseconds, past 2^53: milliseconds from its leading digits keep it exact enough.
  const tsFrom = at + 3 < tokens ? dots[at + 2]! + 1 : reply.length;
  const tsTo = at + 3 < tokens ? (at + 3 < count ? dots[at + 3]! : reply.length) : reply.length;
  return {
    deliveryCount: tokenNumber(reply, at, count),
    seq: tokenNumber(reply, at + 1, count),
    storedAtMs: tsTo - tsFrom > 6 ? digitsOf(reply, tsFrom, tsTo - 6) : NaN,
  };
}

/** Token k (0-based) of the subject whose first `count` dots are in `dots`, as a number (NaN when absent or not digits). */
function tokenNumber(s: string, k: number, count: number): number {
  if (k > count) return NaN;
  const from = k === 0 ? 0 : dots[k - 1]! + 1;
  const to = k < count ? dots[k]! : s.length;
  return digitsOf(s, from, to);
}

/** s[from, to) as a whole number of decimal digits; NaN when empty or anything else (as Number() of such a token would be, but for signs and spaces, which a subject token does not hold). */
function digitsOf(s: string, from: number, to: number): number {
  if (to <= from) return NaN;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}
