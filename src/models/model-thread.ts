import { Worker } from 'node:worker_threads';
import { ArtifactError, ConflictError, InputError, isLadingError, LadingError, NotFoundError, type ErrorFacts } from '../core/errors.js';
import type { DecisionEvidence } from '../core/decision-policy.js';
import type { ArtifactHeader } from './artifact.js';

/** An artifact's bytes in shared memory, read and verified (sha256) by the thread that starts a worker on them. */
export interface VerifiedArtifactBytes {
  readonly bytes: SharedArrayBuffer;
  readonly fileSha256: string;
}

/** What a model worker gets as workerData. */
export interface ModelThreadData {
  readonly modelPath: string;
  readonly verified?: VerifiedArtifactBytes;
}

/**
 * A model loaded in one worker thread, with request/reply matching by id. Shared by batch
 * prediction (parallel-predict.ts) and serving (serving/model-runtime.ts); each brings its own
 * worker script and message types, and both follow the same lifecycle: the worker loads the model
 * and posts `ready` (or `load-failed`), then answers each request with its id (or `failed`).
 */
export interface SerialisedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly facts?: ErrorFacts;
  readonly hint?: string | undefined;
  readonly stack?: string | undefined;
}

/** What every worker script posts besides its own replies. */
export type LifecycleReply =
  /** decisionEvidence: the artifact's decide-or-route rows, when it stores them (serving fits its thresholds from them). */
  | { readonly type: 'ready'; readonly header: ArtifactHeader; readonly fileSha256: string; readonly decisionEvidence?: DecisionEvidence | undefined }
  | { readonly type: 'load-failed'; readonly error: SerialisedError }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerialisedError };

export function serialiseError(e: unknown): SerialisedError {
  if (isLadingError(e)) return { name: e.name, message: e.message, code: e.code, facts: { ...e.facts }, hint: e.hint };
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message, stack: err.stack };
}

/** Rebuilds the error class a worker raised, so callers (and the HTTP status mapping) see the same class. */
export function reviveError(s: SerialisedError): Error {
  if (s.code !== undefined) {
    const Ctor = { InputError, ArtifactError, NotFoundError, ConflictError }[s.name] ?? LadingError;
    return new Ctor(s.code, s.message, s.facts ?? {}, s.hint);
  }
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending<Reply> {
  resolve(r: Reply): void;
  reject(e: Error): void;
}

export class ModelThread<Request extends { readonly id: number }, Reply extends { readonly type: string }> {
  private readonly pending = new Map<number, Pending<Reply>>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker, what: string) {
    worker.on('message', (m: Reply | LifecycleReply) => {
      if (m.type === 'ready' || m.type === 'load-failed') return;
      const id = (m as { id?: number }).id;
      const p = id === undefined ? undefined : this.pending.get(id);
      if (!p || id === undefined) return;
      this.pending.delete(id);
      if (m.type === 'failed') p.reject(reviveError((m as LifecycleReply & { type: 'failed' }).error));
      else p.resolve(m as Reply);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${what} exited (code ${code})`)));
  }

  /**
   * Starts `script` (a worker file) on `modelPath`; resolves once the model is loaded there. With
   * `verified`, the worker decodes those shared bytes (read and hashed by the caller) instead of the file.
   */
  static start<Request extends { readonly id: number }, Reply extends { readonly type: string }>(script: URL, modelPath: string, what: string, verified?: VerifiedArtifactBytes):
    Promise<{ thread: ModelThread<Request, Reply>; header: ArtifactHeader; fileSha256: string; decisionEvidence: DecisionEvidence | undefined }> {
    const data: ModelThreadData = { modelPath, ...(verified === undefined ? {} : { verified }) };
    const worker = new Worker(script, { workerData: data });
    return new Promise((resolve, reject) => {
      const onFirst = (m: LifecycleReply) => {
        worker.off('error', onError);
        if (m.type === 'ready') resolve({ thread: new ModelThread<Request, Reply>(worker, what), header: m.header, fileSha256: m.fileSha256, decisionEvidence: m.decisionEvidence });
        else if (m.type === 'load-failed') { void worker.terminate(); reject(reviveError(m.error)); }
      };
      const onError = (e: Error) => { worker.off('message', onFirst); reject(e); };
      worker.once('message', onFirst);
      worker.once('error', onError);
    });
  }

  /** Requests sent and not answered yet. */
  get inFlight(): number { return this.pending.size; }
  get failed(): boolean { return this.failure !== undefined; }

  request(m: WithoutId<Request>): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
