import type { TextCnnGrads, TextCnnShape, TextCnnWeights } from './network.js';

/**
 * What a Text-CNN training worker gets: the shape, shared weights and its shard's gradient
 * buffers, the encoded training split and the per-batch control words. Every batch is cut into
 * SHARDS fixed shards; with fewer threads one thread computes several, so the result never
 * depends on the thread count.
 */
export const SHARDS = 2;

export interface ShardJob {
  readonly shape: TextCnnShape;
  readonly shard: number;
  readonly capacity: number;
  readonly seed: number;
  readonly dropout: number;
  readonly wordDropout: number;
  readonly sparseBelow: number;
  readonly weights: TextCnnWeights;
  readonly grads: TextCnnGrads;
  /** The training split as SlotSequences. */
  readonly slots: Int32Array;
  readonly posStart: Int32Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  readonly y: Int32Array;
  readonly classWeight: Float32Array | null;
  readonly order: Int32Array;
  /** [generation, done, from, count, step, stop, failed]. */
  readonly control: Int32Array;
  /** Summed loss per shard. */
  readonly loss: Float64Array;
}

export const C_GENERATION = 0;
export const C_DONE = 1;
export const C_FROM = 2;
export const C_COUNT = 3;
export const C_STEP = 4;
export const C_STOP = 5;
export const C_FAILED = 6;
export const CONTROL_WORDS = 8;

/** The examples [from, to) of shard `s` within a batch. */
export function shardRange(from: number, count: number, s: number): [number, number] {
  return [from + Math.floor((count * s) / SHARDS), from + Math.floor((count * (s + 1)) / SHARDS)];
}
