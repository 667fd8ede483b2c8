import { join } from 'node:path';
import type { Bus } from '../bus/bus.js';
import { SqliteBus } from '../bus/embedded/sqlite-bus.js';
import type { Settings } from '../config/config.js';

/** Which bus a process uses: plain data, so a child process or thread can open its own connection to it. */
export type BusSpec =
  | { readonly kind: 'embedded'; readonly path: string }
  | { readonly kind: 'jetstream'; readonly url: string; readonly stream?: string; readonly subjectPrefix?: string };

/**
 * With a bus URL (`--bus-url nats://...`): NATS JetStream, the stream LADING_EVENTS, so processes
 * on several machines share one bus. Without: the embedded bus, `<home>/bus.sqlite`, a file of its
 * own beside the registry's and the monitoring store's, so event traffic never waits on their writes.
 */
export function busSpec(settings: Pick<Settings, 'home' | 'busUrl'>): BusSpec {
  if (settings.busUrl !== undefined && settings.busUrl !== '') return { kind: 'jetstream', url: settings.busUrl };
  return { kind: 'embedded', path: join(settings.home, 'bus.sqlite') };
}

export async function openBus(spec: BusSpec): Promise<Bus> {
  if (spec.kind === 'jetstream') {
    // The NATS client loads only where a bus URL asks for it (start-up time of every other process).
    const { JetStreamBus } = await import('../bus/jetstream/jetstream-bus.js');
    return JetStreamBus.open({ url: spec.url, stream: spec.stream, subjectPrefix: spec.subjectPrefix });
  }
  return new SqliteBus(spec.path);
}

export function openPlatformBus(settings: Pick<Settings, 'home' | 'busUrl'>): Promise<Bus> {
  return openBus(busSpec(settings));
}

/** Opens the bus, runs `work`, and always closes it. */
export async function withBus<T>(settings: Pick<Settings, 'home' | 'busUrl'>, work: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await openPlatformBus(settings);
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}
