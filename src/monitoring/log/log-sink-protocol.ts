import type { ThreadReply } from '../thread-client.js';
import type { LogBatch } from './log-batch.js';
import type { LogRetention } from './log-sink.js';

/** Messages between the log writer (server thread) and its writer thread. */
export type LogSinkRequest =
  | { readonly type: 'append'; readonly id: number; readonly batch: LogBatch }
  | { readonly type: 'prune'; readonly id: number; readonly policy: LogRetention }
  | { readonly type: 'close'; readonly id: number };

/** `done` carries the rows appended or pruned (0 for close). */
export type LogSinkReply = ThreadReply<number>;
