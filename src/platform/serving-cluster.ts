import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/**
 * `lading serve --processes N`: N serving processes sharing one port (node:cluster; the primary
 * hands each connection to one of them), each scoring on its own HTTP thread.
 *
 * Why processes: one process has one HTTP thread, and with single-text requests that thread is the
 * bottleneck while the other cores sit idle (bench:serve, HS4 fastText, 2 cores: the HTTP thread at
 * ~100% and the serving threads near 0%); the hop to a serving thread costs that thread about as
 * much as the prediction. N processes each parse, score and answer on their own thread, so the
 * cores are used without any hop (the way gunicorn or uvicorn workers scale Python servers).
 *
 * What the processes share they share through the stores (the prediction log's SQLite file or
 * PostgreSQL, the registry, whose deployments each process follows by polling) and through two
 * questions the primary relays to every process over IPC: "flush your prediction log" (so that
 * feedback for an answer another process gave finds it) and "your metrics" (so that one scrape of
 * /metrics sees the sum of all). Process 0 alone runs the monitor loop.
 */

export type ClusterQuestion = 'flush-log' | 'metrics';

interface AskMessage { readonly lading: 'ask'; readonly id: number; readonly what: ClusterQuestion }
interface DoMessage { readonly lading: 'do'; readonly key: string; readonly what: ClusterQuestion }
interface DoneMessage { readonly lading: 'done'; readonly key: string; readonly result?: unknown; readonly error?: string }
interface AnswerMessage { readonly lading: 'answer'; readonly id: number; readonly results: unknown[]; readonly errors: string[] }
interface ReadyMessage { readonly lading: 'ready'; readonly summary: unknown }
type ClusterMessage = AskMessage | DoMessage | DoneMessage | AnswerMessage | ReadyMessage;

const isClusterMessage = (m: unknown): m is ClusterMessage => typeof m === 'object' && m !== null && typeof (m as { lading?: unknown }).lading === 'string';

/** The environment variable that tells a forked process its index (0 runs the monitor); cli/ reads it. */
export const PROCESS_INDEX_ENV = 'LADING_PROCESS_INDEX';

/**
 * This process's index when it was forked by `serve --processes` (it serves; the primary only
 * supervises), from the value of PROCESS_INDEX_ENV; undefined in any other process.
 */
export function servingClusterIndex(indexEnv: string | undefined): number | undefined {
  if (!cluster.isWorker || indexEnv === undefined) return undefined;
  const index = Number(indexEnv);
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}

/** What one serving process answers when the primary relays a question. */
export interface ClusterAnswers {
  flushLog(): Promise<void>;
  metricsJson(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}

/** A serving process's side of the cluster. */
export interface ClusterMember {
  readonly index: number;
  /** Asks every process (this one included) and resolves with their answers; rejects if any failed. */
  ask(what: ClusterQuestion): Promise<unknown[]>;
  /** Every process's prediction log flushed: feedback joins see every answer given before it. */
  flushAll(): Promise<void>;
  /** The Prometheus text of every process's metrics, summed. */
  metricsText(): Promise<string>;
  /** Tells the primary this process listens; `summary` is what the primary prints. */
  ready(summary: unknown): void;
}

/** How long a relayed question may take before the asker gives up (a process may be stuck or dying). */
const ASK_TIMEOUT_MS = 15_000;

export function joinServingCluster(index: number, answers: ClusterAnswers): ClusterMember {
  let nextId = 0;
  const waiting = new Map<number, { resolve(r: unknown[]): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  const send = (m: ClusterMessage) => { process.send?.(m); };
  process.on('message', (m: unknown) => {
    if (!isClusterMessage(m)) return;
    if (m.lading === 'do') {
      const run = m.what === 'flush-log' ? answers.flushLog() : answers.metricsJson();
      run.then((result) => send({ lading: 'done', key: m.key, result }), (e: unknown) => send({ lading: 'done', key: m.key, error: e instanceof Error ? e.message : String(e) }));
    } else if (m.lading === 'answer') {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.errors.length > 0) w.reject(new Error(`serving processes failed to answer: ${m.errors.join('; ')}`));
      else w.resolve(m.results);
    }
  });
  const ask = (what: ClusterQuestion) => new Promise<unknown[]>((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the serving processes did not answer "${what}" within ${ASK_TIMEOUT_MS} ms`));
    }, ASK_TIMEOUT_MS);
    timer.unref();
    waiting.set(id, { resolve, reject, timer });
    send({ lading: 'ask', id, what });
  });
  return {
    index,
    ask,
    async flushAll() { await ask('flush-log'); },
    async metricsText() {
      const all = await ask('metrics') as MetricObjectWithValues<MetricValue<string>>[][];
      return AggregatorRegistry.aggregate(all).metrics();
    },
    ready(summary) { send({ lading: 'ready', summary }); },
  };
}

export interface ServingPrimaryOptions {
  readonly processes: number;
  /** Aborting it stops every process (SIGTERM: each drains) and resolves run(). */
  readonly signal: AbortSignal;
  /** Once every process listens, with process 0's summary. */
  readonly onReady: (summary: unknown) => void;
  /** A process that died while serving, and was started again. */
  readonly onRestart: (index: number, code: number | null, signal: string | null) => void;
}

/**
 * The primary: forks the processes (the same command line, with their index), relays questions,
 * starts again a process that dies while serving, and on abort sends SIGTERM to all and waits.
 * Resolves with the exit code: 0 after a stop, 1 when a process failed to start (it printed why).
 */
export function runServingPrimary(options: ServingPrimaryOptions): Promise<number> {
  return new Promise((resolve) => {
    const byIndex = new Map<number, Worker>();
    const pending = new Map<string, { origin: Worker; id: number; waiting: Set<Worker>; results: unknown[]; errors: string[] }>();
    let readyCount = 0;
    let firstSummary: unknown;
    let started = false;
    let stopping = false;
    let exitCode = 0;
    const settle = (key: string) => {
      const p = pending.get(key);
      if (!p || p.waiting.size > 0) return;
      pending.delete(key);
      if (p.origin.isConnected()) p.origin.send({ lading: 'answer', id: p.id, results: p.results, errors: p.errors } satisfies AnswerMessage);
    };
    const stopAll = () => {
      stopping = true;
      for (const w of byIndex.values()) w.process.kill('SIGTERM');
      if (byIndex.size === 0) resolve(exitCode);
    };
    const onMessage = (w: Worker, m: unknown) => {
      if (!isClusterMessage(m)) return;
      if (m.lading === 'ready') {
        readyCount++;
        if (byIndex.get(0) === w) firstSummary = m.summary;
        if (!started && readyCount === options.processes) {
          started = true;
          options.onReady(firstSummary ?? m.summary);
        }
      } else if (m.lading === 'ask') {
        const key = `${w.id}:${m.id}`;
        const targets = [...byIndex.values()].filter((t) => t.isConnected());
        pending.set(key, { origin: w, id: m.id, waiting: new Set(targets), results: [], errors: [] });
        for (const t of targets) t.send({ lading: 'do', key, what: m.what } satisfies DoMessage);
        settle(key);
      } else if (m.lading === 'done') {
        const p = pending.get(m.key);
        if (!p || !p.waiting.delete(w)) return;
        if (m.error !== undefined) p.errors.push(m.error); else p.results.push(m.result);
        settle(m.key);
      }
    };
    const fork = (index: number) => {
      const w = cluster.fork({ [PROCESS_INDEX_ENV]: String(index) });
      byIndex.set(index, w);
      w.on('message', (m: unknown) => onMessage(w, m));
      w.on('exit', (code, signal) => {
        if (byIndex.get(index) === w) byIndex.delete(index);
        // A question it will never answer: the others' answers are enough.
        for (const [key, p] of pending) if (p.waiting.delete(w)) settle(key);
        if (stopping) {
          if (byIndex.size === 0) resolve(exitCode);
        } else if (!started) {
          exitCode = 1; // it printed why; the others are stopped
          stopAll();
        } else {
          options.onRestart(index, code, signal);
          fork(index);
        }
      });
    };
    for (let i = 0; i < options.processes; i++) fork(i);
    if (options.signal.aborted) stopAll();
    else options.signal.addEventListener('abort', stopAll, { once: true });
  });
}
