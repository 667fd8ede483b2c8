import { workerData } from 'node:worker_threads';
import { TextCnnNet } from './network.js';
import { C_COUNT, C_DONE, C_FAILED, C_FROM, C_GENERATION, C_STEP, C_STOP, shardRange, type ShardJob } from './shard-job.js';

/** One Text-CNN shard worker: waits for a batch, accumulates its shard's gradients, reports done. */
const job = workerData as ShardJob;
const net = new TextCnnNet(job.shape, job.weights, job.capacity, job.grads);
const seq = { slots: job.slots, posStart: job.posStart, starts: job.starts, lengths: job.lengths };
const control = job.control;
let generation = 0;
for (;;) {
  while (Atomics.load(control, C_GENERATION) === generation) Atomics.wait(control, C_GENERATION, generation, 1000);
  generation = Atomics.load(control, C_GENERATION);
  if (Atomics.load(control, C_STOP) !== 0) break;
  try {
    const from = control[C_FROM]!;
    const count = control[C_COUNT]!;
    const step = control[C_STEP]!;
    const [a, b] = shardRange(from, count, job.shard);
    job.loss[job.shard] = net.accumulate(seq, job.order, a, b - a, count, a - from, job.y, job.classWeight, job.sparseBelow,
      { seed: job.seed, step, rate: job.dropout, wordRate: job.wordDropout }, step);
  } catch (e) {
    Atomics.store(control, C_FAILED, 1);
    console.error(e);
  }
  Atomics.add(control, C_DONE, 1);
  Atomics.notify(control, C_DONE);
}
