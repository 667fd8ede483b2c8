import type { FeedbackStore } from '../monitoring/store/monitoring-store.js';
import type { DeploymentStore } from '../registry/deployment-store.js';
import type { Workspace } from '../registry/workspace.js';
import { datasetCreated, deploymentChanged, feedbackReceived, modelDecided, modelRegistered } from './change-events.js';
import type { EventPublisher } from './event-publisher.js';

/**
 * The registry and the feedback store as the verbs see them: the same objects, whose changing
 * operations also hand their event to the publisher once the change committed. Wrapping here, in
 * one place, is what makes every verb that reaches them (data, train, models, deploy, feedback,
 * experiment) publish, without one line about the bus in the verbs themselves.
 *
 * The event is queued, not awaited: the operation answers as soon as its change is stored, and
 * whatever the event needs reading (the dataset's place, the endpoint's history) is read in the
 * publishing queue, where a failure is a warning and never the operation's.
 */

/** `target` with `overrides` in place of some of its methods; every other member is the target's own (bound to it, so private state stays where it is). */
export function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return (overrides as Record<string | symbol, unknown>)[key];
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

export function publishingWorkspace(ws: Workspace, events: EventPublisher): Workspace {
  return overriding(ws, {
    deployments: publishingDeployments(ws.deployments, events),
    async saveDataset(rows, source, options) {
      const saved = await ws.saveDataset(rows, source, options);
      // The same rows again store nothing, and nothing was created: no event.
      if (saved.created) {
        void events.publish(async () => {
          const ordinal = (await ws.listDatasets()).findIndex((d) => d.id === saved.version.id) + 1;
          return [datasetCreated(saved.version, Math.max(ordinal, 1))];
        });
      }
      return saved;
    },
    async registerModelVersion(input) {
      const v = await ws.registerModelVersion(input);
      void events.publish(() => [modelRegistered(v)]);
      return v;
    },
    async approveVersion(input) {
      const v = await ws.approveVersion(input);
      void events.publish(() => [modelDecided(v, input.actor)]);
      return v;
    },
    async rejectVersion(input) {
      const v = await ws.rejectVersion(input);
      void events.publish(() => [modelDecided(v, input.actor)]);
      return v;
    },
  });
}

export function publishingDeployments(store: DeploymentStore, events: EventPublisher): DeploymentStore {
  return overriding(store, {
    async append(endpoint, spec, action, actor, reason, expectedRevision) {
      const rec = await store.append(endpoint, spec, action, actor, reason, expectedRevision);
      void events.publish(async () => [deploymentChanged(rec, rec.action === 'rollback' ? await store.history(endpoint) : [])]);
      return rec;
    },
  });
}

/**
 * Feedback: one `feedback.received` per endpoint of each stored batch, queued after the store
 * committed it. POST /v1/feedback answers 201 without waiting for the bus: it stays off the
 * serving path.
 */
export function publishingFeedbackStore<S extends FeedbackStore>(store: S, events: EventPublisher): S {
  return overriding(store, {
    async addFeedback(records) {
      const ids = await store.addFeedback(records);
      void events.publish(() => feedbackReceived(records, ids));
      return ids;
    },
  } as Partial<S>);
}
