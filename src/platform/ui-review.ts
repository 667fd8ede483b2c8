import type { Settings } from '../config/config.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ReviewTarget } from '../server/server-context.js';
import { createEventPublisher } from './event-publisher.js';
import { publishingFeedbackStore } from './publishing-stores.js';
import { openPlatformReviewQueue } from './review-queue.js';

export interface UiReview {
  readonly target: ReviewTarget;
  close(): Promise<void>;
}

/**
 * The review queue for `lading ui` (GET/POST /v1/review, the Review page): the queue the serving
 * processes fill, and answers written as feedback to the monitoring store and published on the bus,
 * as `lading review answer` writes them (review-queue.ts answerReviewItem). No prediction log is
 * written here, so there is nothing to flush before an answer joins its predictions.
 */
export async function openUiReview(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'> & Partial<Pick<Settings, 'busUrl'>>,
  monitoring: MonitoringStore, registry: Pick<ModelRegistry, 'listModelVersions'>, warn: (line: string) => void): Promise<UiReview> {
  const queue = await openPlatformReviewQueue(settings);
  const events = createEventPublisher(settings, { warn });
  return {
    target: {
      queue,
      feedback: {
        store: publishingFeedbackStore(monitoring, events),
        // The answering model's labels, to flag a typed label outside them as a new class.
        labelsOf: async (p) => (await registry.listModelVersions(p.model).catch(() => [])).find((v) => v.artifactSha256 === p.modelSha256)?.labels,
      },
    },
    async close() {
      try {
        await queue.close();
      } finally {
        await events.close();
      }
    },
  };
}
