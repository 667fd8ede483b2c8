import { InputError, InterruptedError } from '../core/errors.js';
import type { DecisionEvidence } from '../core/decision-policy.js';
import type { ArtifactHeader } from './artifact.js';
import type { Classifier, Contribution } from './classifier.js';
import { loadModel } from './load-model.js';
import { ModelThread, type SerialisedError } from './model-thread.js';

/** Rows per request to a worker: big enough to amortise messaging, small enough to balance threads. */
const MAX_CHUNK_ROWS = 4096;
const MIN_CHUNK_ROWS = 256;

export type PredictWorkerRequest =
  | { readonly type: 'predict'; readonly id: number; readonly texts: readonly string[]; readonly buffer: SharedArrayBuffer; readonly byteOffset: number }
  | { readonly type: 'explain'; readonly id: number; readonly texts: readonly string[]; readonly classIds: Int32Array; readonly limit: number };

export type PredictWorkerReply =
  | { readonly type: 'ready'; readonly header: ArtifactHeader; readonly fileSha256: string; readonly decisionEvidence?: DecisionEvidence | undefined }
  | { readonly type: 'load-failed'; readonly error: SerialisedError }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'explained'; readonly id: number; readonly explanations: Contribution[][] }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerialisedError };

export interface PredictOptions {
  readonly signal?: AbortSignal | undefined;
  /** Called after each finished chunk with rows done so far. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/** One prediction thread (predict-worker.ts) holding the model. */
type PredictThread = ModelThread<PredictWorkerRequest, PredictWorkerReply>;

const startPredictThread = (modelPath: string) =>
  ModelThread.start<PredictWorkerRequest, PredictWorkerReply>(new URL('./predict-worker.js', import.meta.url), modelPath, 'prediction worker');

function chunkRows(rows: number, threads: number): number {
  return Math.min(MAX_CHUNK_ROWS, Math.max(MIN_CHUNK_ROWS, Math.ceil(rows / (threads * 4))));
}

/**
 * A model loaded once in `threads` worker threads (or, for threads = 1, in the calling thread),
 * predicting many batches until closed. Texts are cut into contiguous chunks handed to whichever
 * thread is free; every chunk writes its own rows of one shared output, so the result is in input
 * order and identical to a single-thread run (each row is computed by the same code on the same text).
 * Concurrent calls are allowed: each thread serves its requests in arrival order.
 */
export class ParallelPredictor {
  private closed = false;

  private constructor(
    readonly modelPath: string,
    readonly header: ArtifactHeader,
    /** sha256 of the artifact file: the model's identity in predictions. */
    readonly fileSha256: string,
    /** The artifact's decide-or-route rows (core/decision-policy.ts); undefined when it stores none. */
    readonly decisionEvidence: DecisionEvidence | undefined,
    private readonly local: Classifier | undefined,
    private readonly threads: readonly PredictThread[],
  ) {}

  static async open(modelPath: string, threads: number): Promise<ParallelPredictor> {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new InputError('bad-threads', `threads must be a whole number of at least 1, got ${threads}`, { threads });
    }
    if (threads === 1) {
      const model = await loadModel(modelPath);
      return new ParallelPredictor(modelPath, model.header, model.fileSha256, model.decisionEvidence, model.classifier, []);
    }
    const started = await Promise.allSettled(Array.from({ length: threads }, () => startPredictThread(modelPath)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.thread.terminate() : undefined)));
      throw failed.reason;
    }
    const ok = started.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof startPredictThread>>>).value);
    const first = ok[0]!;
    return new ParallelPredictor(modelPath, first.header, first.fileSha256, first.decisionEvidence, undefined, ok.map((o) => o.thread));
  }

  get labels(): readonly string[] { return this.header.labels; }
  get kind(): string { return this.header.kind; }
  get threadCount(): number { return Math.max(1, this.threads.length); }

  /**
   * Probabilities, rows × labels.length, in input order. `out` may be given to reuse memory; with
   * worker threads it must sit on a SharedArrayBuffer (else one is allocated and copied back).
   */
  async predictProba(texts: readonly string[], out?: Float32Array, options: PredictOptions = {}): Promise<Float32Array> {
    this.assertOpen();
    const classes = this.labels.length;
    const size = texts.length * classes;
    if (out !== undefined && out.length < size) {
      throw new InputError('bad-output-buffer', `output buffer holds ${out.length} values; ${texts.length} rows × ${classes} classes need ${size}`, { length: out.length, needed: size });
    }
    const chunk = chunkRows(texts.length, this.threadCount);
    if (this.local) {
      const target = out ?? new Float32Array(size);
      for (let start = 0; start < texts.length; start += chunk) {
        if (options.signal?.aborted) throw new InterruptedError('prediction');
        const end = Math.min(texts.length, start + chunk);
        const part = texts.slice(start, end);
        const into = target.subarray(start * classes, end * classes);
        // Engines that only run async (onnxruntime) implement predictProbaAsync; the contract says to prefer it.
        if (this.local.predictProbaAsync) await this.local.predictProbaAsync(part, into);
        else this.local.predictProba(part, into);
        options.onProgress?.(end, texts.length);
      }
      return target;
    }
    const shared = out !== undefined && out.buffer instanceof SharedArrayBuffer
      ? out
      : new Float32Array(new SharedArrayBuffer(Math.max(1, size) * Float32Array.BYTES_PER_ELEMENT), 0, size);
    const buffer = shared.buffer as SharedArrayBuffer;
    let done = 0;
    await this.forEachChunk(texts.length, chunk, options.signal, async (thread, start, end) => {
      await thread.request({ type: 'predict', texts: texts.slice(start, end), buffer, byteOffset: shared.byteOffset + start * classes * 4 });
      done += end - start;
      options.onProgress?.(done, texts.length);
    });
    if (out !== undefined && shared !== out) out.set(shared.subarray(0, size));
    return out ?? shared;
  }

  /** For each text, the features that pushed it towards classIds[i], strongest first (at most `limit`). */
  async explain(texts: readonly string[], classIds: Int32Array, limit: number, options: PredictOptions = {}): Promise<Contribution[][]> {
    this.assertOpen();
    if (classIds.length !== texts.length) {
      throw new InputError('bad-class-ids', `${classIds.length} class ids for ${texts.length} texts`, { texts: texts.length, classIds: classIds.length });
    }
    if (this.local) {
      const local = this.local;
      return texts.map((t, i) => local.explain(t, classIds[i]!, limit));
    }
    const result: Contribution[][] = new Array<Contribution[]>(texts.length);
    await this.forEachChunk(texts.length, chunkRows(texts.length, this.threadCount), options.signal, async (thread, start, end) => {
      const reply = await thread.request({ type: 'explain', texts: texts.slice(start, end), classIds: classIds.slice(start, end), limit });
      if (reply.type !== 'explained') throw new Error(`unexpected reply ${reply.type}`);
      for (let i = start; i < end; i++) result[i] = reply.explanations[i - start]!;
    });
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`ParallelPredictor for ${this.modelPath} is closed`);
  }

  /** Hands chunks [start, end) to free threads until all are done; stops handing out on abort or failure. */
  private async forEachChunk(rows: number, chunk: number, signal: AbortSignal | undefined,
    work: (thread: PredictThread, start: number, end: number) => Promise<void>): Promise<void> {
    let next = 0;
    let stop = false;
    const loop = async (thread: PredictThread) => {
      while (!stop && next < rows) {
        if (signal?.aborted) { stop = true; throw new InterruptedError('prediction'); }
        const start = next;
        next = Math.min(rows, next + chunk);
        try {
          await work(thread, start, next);
        } catch (e) {
          stop = true;
          throw e;
        }
      }
    };
    const results = await Promise.allSettled(this.threads.map(loop));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Loads the model in `threads` threads, predicts all texts and closes: rows × classes probabilities
 * in input order. Small inputs use fewer threads, since starting a thread costs more than it saves.
 */
export async function predictProbaParallel(modelPath: string, texts: readonly string[], threads: number, options: PredictOptions = {}): Promise<Float32Array> {
  const useful = Math.max(1, Math.min(threads, Math.ceil(texts.length / MIN_CHUNK_ROWS)));
  const predictor = await ParallelPredictor.open(modelPath, useful);
  try {
    return await predictor.predictProba(texts, undefined, options);
  } finally {
    await predictor.close();
  }
}
