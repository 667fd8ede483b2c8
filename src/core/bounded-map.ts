/**
 * Sets `key` in `map` as its newest entry and drops the oldest entries past `max`: a cache kept by
 * a long-running process (the dashboard's windows, one entry per new grid cell and width asked
 * for) that must not grow with its uptime. Map iterates in insertion order, so the first keys are
 * the least recently set.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
