import { createClient } from 'redis';
import { decodeOnline, encodeOnline, type OnlineRow, type OnlineStore, type OnlineValues } from '../online-store.js';

/** Keys written per round trip: one pipelined batch of script calls. */
const WRITE_BATCH = 1_000;

/**
 * Sets the key to the new document unless the stored one is newer: the compare and the set happen
 * in Redis, atomically, so two materializations racing never move a key back in time.
 * KEYS[1] the key; ARGV[1] the new time (ms), ARGV[2] the document.
 */
const SET_IF_NEWER = `
local old = redis.call('GET', KEYS[1])
if old then
  local t = tonumber(string.match(old, '^{"t":(%-?[%d%.e%+]+)'))
  if t and t > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/**
 * The online store in Redis: one string per (view, entity), `<prefix>fs:<view>:<key>`, holding the
 * values as JSON with their time; lookups are one MGET per batch of keys.
 */
export async function openRedisOnlineStore(options: { readonly url: string; readonly prefix?: string }): Promise<OnlineStore> {
  const client = createClient({ url: options.url, socket: { reconnectStrategy: (retries) => (retries > 3 ? false : 100) } });
  client.on('error', () => undefined); // surfaced by the command that fails
  await client.connect();
  return new RedisOnlineStore(client as RedisClient, options.prefix ?? 'lading:');
}

type RedisClient = ReturnType<typeof createClient>;

class RedisOnlineStore implements OnlineStore {
  constructor(private readonly client: RedisClient, private readonly prefix: string) {}

  private key(view: string, entity: string): string {
    return `${this.prefix}fs:${view}:${entity}`;
  }

  async write(view: string, features: readonly string[], rows: readonly OnlineRow[]): Promise<number> {
    let changed = 0;
    for (let from = 0; from < rows.length; from += WRITE_BATCH) {
      const multi = this.client.multi();
      for (const row of rows.slice(from, from + WRITE_BATCH)) {
        multi.eval(SET_IF_NEWER, { keys: [this.key(view, row.entityKey)], arguments: [String(row.time), encodeOnline(features, row)] });
      }
      for (const r of await multi.exec()) changed += Number(r);
    }
    return changed;
  }

  async read(view: string, features: readonly string[], keys: readonly string[]): Promise<(OnlineValues | null)[]> {
    if (keys.length === 0) return [];
    const docs = await this.client.mGet(keys.map((k) => this.key(view, k)));
    return docs.map((d) => (d === null || d === undefined ? null : decodeOnline(String(d), features)));
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => undefined);
  }
}
