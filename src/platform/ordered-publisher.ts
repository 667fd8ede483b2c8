import type { Bus } from '../bus/bus.js';
import type { EventSource } from './event-publisher.js';

/**
 * How the controller and `lading pipeline run` publish on the bus they hold open: best effort and
 * in order. A bus that is down delays no decision; a failed publish (or a failed read to work the
 * events out) goes to `onError`. Ids are derived from the facts, so a republish after a restart is
 * dropped by the bus.
 */
export interface OrderedPublisher {
  /** Queues the events (or how to work them out, run in the queue); returns at once. */
  readonly publish: (source: EventSource) => void;
  /** Resolves once everything queued so far went out (or failed). */
  flushed(): Promise<void>;
}

export function orderedPublisher(bus: Bus, onError: (err: unknown) => void): OrderedPublisher {
  let queue = Promise.resolve();
  return {
    publish(source) {
      queue = queue.then(async () => {
        try {
          const events = typeof source === 'function' ? await source() : source;
          for (const e of events) await bus.publish(e).catch(onError);
        } catch (err) {
          onError(err);
        }
      });
    },
    flushed: () => queue,
  };
}
