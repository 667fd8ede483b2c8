import { InterruptedError } from '../../core/errors.js';
import { createRandom, deriveSeed, shuffleInPlace } from '../../core/random.js';
import type { TrainOptions } from '../classifier.js';

export interface DeepTrainLoop {
  readonly kind: string;
  readonly examples: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
  readonly seed: number;
  /** The buffer to shuffle example order into (e.g. shared with workers); allocated when absent. */
  readonly order?: Int32Array;
  /** Trains on examples order[from .. from + count) as batch number `step`; returns the summed loss. */
  trainBatch(order: Int32Array, from: number, count: number, step: number): number;
  /** A copy of every weight tensor. */
  snapshot(): Float32Array[];
  /** Validation accuracy of the current weights; NaN when there is no validation split. */
  validate(): Promise<number>;
}

export interface DeepTrainResult {
  /** The weights of the best epoch (by validation accuracy; the last epoch when there is no validation split). */
  readonly best: Float32Array[];
  readonly bestEpoch: number;
  readonly bestAccuracy: number;
  readonly epochsRun: number;
  readonly stoppedBy: 'epochs' | 'patience' | 'abort';
}

const YIELD_EVERY_MS = 100;

/**
 * Epochs of shuffled mini-batches (the order depends only on seed and epoch), validation after
 * each epoch, early stopping with patience, and a best checkpoint. Abort (options.signal) stops
 * at the next batch boundary and returns the best checkpoint so far; with no finished epoch there
 * is nothing to keep, so it throws InterruptedError. Progress goes out at most every 100 ms.
 */
export async function runDeepTraining(loop: DeepTrainLoop, options: TrainOptions): Promise<DeepTrainResult> {
  const { examples, batchSize, epochs } = loop;
  const order = loop.order ?? new Int32Array(examples);
  const total = epochs * examples;
  let best: Float32Array[] | undefined;
  let bestAccuracy = -Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let step = 0;
  let epochsRun = 0;
  let lastAccuracy = NaN;
  const started = performance.now();
  let lastYield = started;
  const aborted = (): boolean => options.signal?.aborted === true;
  const finish = (stoppedBy: DeepTrainResult['stoppedBy']): DeepTrainResult => {
    if (!best) throw new InterruptedError(`${loop.kind} training`);
    return { best, bestEpoch, bestAccuracy, epochsRun, stoppedBy };
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < examples; i++) order[i] = i;
    shuffleInPlace(order, createRandom(deriveSeed(loop.seed, epoch + 1)));
    let lossSum = 0;
    const epochStarted = performance.now();
    for (let from = 0; from < examples; from += batchSize) {
      const count = Math.min(batchSize, examples - from);
      lossSum += loop.trainBatch(order, from, count, step++);
      const now = performance.now();
      if (now - lastYield >= YIELD_EVERY_MS) {
        lastYield = now;
        const done = epoch * examples + from + count;
        // The bar shows rate and ETA itself; the epoch, its running loss and the last validation accuracy go beside it.
        options.onProgress?.({ phase: 'train', done, total, info: { epoch: `${epoch + 1}/${epochs}`, loss: round4(lossSum / (from + count)), ...validInfo(lastAccuracy) } });
        // Let Ctrl-C handlers and abort listeners run.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (aborted()) return finish('abort');
    }
    epochsRun = epoch + 1;
    const accuracy = await loop.validate();
    lastAccuracy = accuracy;
    const improved = Number.isNaN(accuracy) || accuracy > bestAccuracy;
    if (improved) {
      best = loop.snapshot();
      bestAccuracy = Number.isNaN(accuracy) ? bestAccuracy : accuracy;
      bestEpoch = epoch + 1;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    const now = performance.now();
    // One report per finished epoch carries epochSeconds (how listeners tell it from the in-epoch ones).
    options.onProgress?.({
      phase: 'train', done: (epoch + 1) * examples, total,
      info: {
        epoch: `${epoch + 1}/${epochs}`, loss: round4(lossSum / examples), ...validInfo(accuracy),
        examplesPerSecond: Math.round(((epoch + 1) * examples) / ((now - started) / 1000)), epochSeconds: round4((now - epochStarted) / 1000),
      },
    });
    if (aborted()) return finish('abort');
    if (loop.patience > 0 && sinceBest >= loop.patience) return finish('patience');
  }
  return finish('epochs');
}

/** Validation accuracy for the progress line, left out until there is one (no validation split: never). */
function validInfo(accuracy: number): { validAccuracy?: number } {
  return Number.isNaN(accuracy) ? {} : { validAccuracy: round4(accuracy) };
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
