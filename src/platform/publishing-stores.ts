import type { FeedbackStore } from '../monitoring/store/monitoring-store.js';
import type { DeploymentStore } from '../registry/deployment-store.js';
import type { Workspace } from '../registry/workspace.js';
import { aliasMoved, aliasRemoved, datasetCreated, deploymentChanged, feedbackReceived, modelDecided, modelRegistered } from './change-events.js';
import type { EventPublisher, EventSource } from './event-publisher.js';

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
  const models = publishingModels(ws, (source) => events.publish(source));
  return overriding(models, {
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
  });
}

/**
 * The model registry's changes only (register, approve, reject, alias moves): what the controller
 * and `lading pipeline run` wrap their workspace with. Their deployment changes are published from
 * the release's notices instead (with ids of the release's own), so the deployments stay as they are.
 */
export function publishingModels(ws: Workspace, publish: (source: EventSource) => unknown): Workspace {
  return overriding(ws, {
    async registerModelVersion(input) {
      const v = await ws.registerModelVersion(input);
      publish(() => [modelRegistered(v)]);
      return v;
    },
    async approveVersion(input) {
      const v = await ws.approveVersion(input);
      publish(() => [modelDecided(v, input.actor)]);
      return v;
    },
    async rejectVersion(input) {
      const v = await ws.rejectVersion(input);
      publish(() => [modelDecided(v, input.actor)]);
      return v;
    },
    async setAlias(input) {
      const move = await ws.setAlias(input);
      publish(() => [aliasMoved(move, input.reason)].filter((e) => e !== null));
      return move;
    },
    async rollbackAlias(input) {
      const move = await ws.rollbackAlias(input);
      publish(() => [aliasMoved(move, input.reason)].filter((e) => e !== null));
      return move;
    },
    async deleteAlias(input) {
      // Where it pointed is read first: the registry's delete returns nothing.
      const before = (await ws.listAliases(input.name).catch(() => [])).find((a) => a.alias === input.alias);
      await ws.deleteAlias(input);
      publish(() => [aliasRemoved(input.name, input.alias, before?.version ?? null, input.actor, input.reason, Date.now())]);
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
