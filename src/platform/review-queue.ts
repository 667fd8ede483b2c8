import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import { LOGGED_TOP_K } from '../monitoring/log/logged-prediction.js';
import { answerReview, type AnsweredReview, type ReviewAnswerInput } from '../review/answer-review.js';
import { openPgReviewQueue } from '../review/postgres/open-review-queue.js';
import { ReviewObserver, type RoutePredicate } from '../review/review-observer.js';
import type { ReviewQueue } from '../review/review-queue.js';
import { startReviewWriter, type ReviewWriter } from '../review/review-writer-thread.js';
import { openSqliteReviewQueue } from '../review/sqlite/open-review-queue.js';
import type { ServingPlane } from '../serving/serving-plane.js';
import type { PublishOptions } from './event-publisher.js';
import { withMonitoringStore } from './monitoring-store.js';
import { withWorkspace } from './workspace.js';

type Where = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>;

/** Which review queue a process uses: plain data, so the writer thread can open its own connection to it. */
export type ReviewQueueSpec =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/**
 * With a registry URL: `rev_*` tables in the registry's PostgreSQL schema, so every serving machine
 * routes into one queue and every broker sees one list. Without one: `<home>/review.sqlite`, a file
 * of its own rather than tables in monitoring.sqlite: the queue's writes never wait for the
 * prediction log's write lock (nor the reverse), the review schema migrates on its own, and
 * monitoring (an inner layer) never has to know about review.
 */
export function reviewQueueSpec(settings: Where): ReviewQueueSpec {
  if (settings.registryUrl !== undefined && settings.registryUrl !== '') return { kind: 'postgres', url: settings.registryUrl, schema: settings.registrySchema };
  return { kind: 'sqlite', path: join(settings.home, 'review.sqlite') };
}

export async function openReviewQueue(spec: ReviewQueueSpec): Promise<ReviewQueue> {
  if (spec.kind === 'postgres') return openPgReviewQueue({ url: spec.url, schema: spec.schema });
  mkdirSync(join(spec.path, '..'), { recursive: true });
  return openSqliteReviewQueue(spec.path);
}

export function openPlatformReviewQueue(settings: Where): Promise<ReviewQueue> {
  return openReviewQueue(reviewQueueSpec(settings));
}

/** Opens the review queue, runs `work`, and always closes it. */
export async function withReviewQueue<T>(settings: Where, work: (queue: ReviewQueue) => Promise<T>): Promise<T> {
  const queue = await openPlatformReviewQueue(settings);
  try {
    return await work(queue);
  } finally {
    await queue.close();
  }
}

/** The review side of a serving process: the queue (for the routes) and, when something is routed, the observer filling it. */
export interface ServingReview {
  readonly queue: ReviewQueue;
  /** Where it is, for people: the SQLite file, or the PostgreSQL schema. */
  readonly where: string;
  readonly observer: ReviewObserver | undefined;
  /** Writes what the observer holds, then closes the queue. Call after the HTTP server drained. */
  close(): Promise<void>;
}

/**
 * What goes to the review queue: where the endpoint decides (it has a target precision), exactly
 * the answers it marked "review"; elsewhere the texts whose top score is below `below` (0: none).
 * Under an active taxonomy (whose answers always carry a decision), its "review" answers and those
 * whose answered code scores below `below`.
 */
export function decidedForReview(below: number): RoutePredicate {
  return (event, row) => {
    if (event.decisions === undefined) return event.topScores[row]! < below;
    return event.decisions[row] === 0 || (event.taxonomy !== undefined && event.taxonomy.scores[row * event.taxonomy.k]! < below);
  };
}

/**
 * Opens the queue of a serving process (one with the prediction log: an answer is feedback, joined
 * to the logged predictions). Texts are routed by `routes` when given (the endpoint's per-text decision), else
 * by settings.reviewBelow (0: none; the queue still serves its routes).
 */
export async function startServingReview(settings: Where & Pick<Settings, 'reviewBelow' | 'logText'>, plane: ServingPlane,
  options: { readonly routes?: RoutePredicate | undefined; readonly warn?: ((line: string) => void) | undefined } = {}): Promise<ServingReview> {
  const spec = reviewQueueSpec(settings);
  const queue = await openReviewQueue(spec);
  // Always routed when the log is on: an endpoint that decides (a target precision, which a
  // deployment may set at any time) sends its "review" answers; the others their texts below reviewBelow.
  const routed = true;
  let writer: ReviewWriter | undefined;
  try {
    // Routed texts are written from a thread of its own with its own connection (review-writer-thread.ts).
    if (routed) writer = await startReviewWriter(new URL('./review-writer-thread.js', import.meta.url), spec);
  } catch (e) {
    await queue.close();
    throw e;
  }
  const observer = writer && new ReviewObserver({
    queue: writer, routes: options.routes ?? decidedForReview(settings.reviewBelow), topK: LOGGED_TOP_K, metrics: plane.metrics.registry, warn: options.warn,
    // The prediction log's rule: the endpoint's own word (its deployment's logText) wins only to keep less.
    storesText: (endpoint) => settings.logText && plane.endpoint(endpoint)?.spec?.logText !== false,
  });
  const unsubscribe = observer ? plane.observe('review-queue', observer.observer, { reads: 'top', top: LOGGED_TOP_K }) : undefined;
  let closing: Promise<void> | undefined;
  return {
    queue, observer, where: spec.kind === 'sqlite' ? spec.path : `PostgreSQL schema ${spec.schema}`,
    close() {
      closing ??= (async () => {
        try {
          await plane.observersFlushed();
          unsubscribe?.();
          await observer?.close();
        } finally {
          await writer?.close().catch(() => undefined);
          await queue.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * Answers a review item from outside a serving process (`lading review answer`): the queue and the
 * monitoring store the settings name, the feedback published like `feedback import`'s, and the
 * answering model's labels read from the registry (to flag a new class). Occurrences the log has
 * not written yet (a server still holding them) are joined by their text.
 */
export function answerReviewItem(settings: Where & Partial<Pick<Settings, 'busUrl'>>, id: number, input: ReviewAnswerInput, publish: PublishOptions): Promise<AnsweredReview> {
  return withReviewQueue(settings, (queue) => withMonitoringStore(settings, (store) => answerReview(queue, {
    store,
    labelsOf: (p) => withWorkspace(settings, async (ws) => (await ws.listModelVersions(p.model).catch(() => [])).find((v) => v.artifactSha256 === p.modelSha256)?.labels)
      .catch(() => undefined),
  }, id, input), { publish }));
}
