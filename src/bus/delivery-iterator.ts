import type { Delivery } from './bus.js';

/**
 * Async iteration over a subscription, the same for both adapters: pull small batches and hand them
 * out one by one until the subscription closes. Small batches, because every delivery pulled starts
 * its ackWait whether or not the loop body has reached it yet.
 */
export async function* iterateDeliveries(next: (batch: number, timeoutMs: number) => Promise<Delivery[]>, closed: () => boolean): AsyncGenerator<Delivery> {
  while (!closed()) {
    for (const d of await next(8, 1000)) yield d;
  }
}
