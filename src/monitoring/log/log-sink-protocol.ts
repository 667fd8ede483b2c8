import type { LogBatch } from './log-batch.js';
import type { LogRetention } from './log-sink.js';

/** Messages between the log writer (server thread) and its writer thread. */
export type LogSinkRequest =
  | { readonly type: 'append'; readonly id: number; readonly batch: LogBatch }
  | { readonly type: 'prune'; readonly id: number; readonly policy: LogRetention }
  | { readonly type: 'close'; readonly id: number };

export type LogSinkReply =
  | { readonly type: 'ready' }
  | { readonly type: 'open-failed'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly value: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
