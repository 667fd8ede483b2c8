import { histogramQuantile, type Sample } from './prometheus.js';

/** One variant's traffic between two scrapes of /metrics. */
export interface VariantFigures { readonly key: string; readonly rps: number; readonly p50Ms: number | null; readonly p99Ms: number | null; readonly errorsPerSecond: number }

export interface Scrape { readonly at: number; readonly samples: readonly Sample[] }

const variantKey = (l: Readonly<Record<string, string>>) => `${l['endpoint']}/${l['variant']} (${l['model']}@${l['version']})`;

/**
 * Requests/s, p50 and p99 latency per variant over the interval between two scrapes (counter
 * differences, so a busy past does not hide a quiet present), and errors/s per endpoint, shown on
 * each of its variants.
 */
export function liveFigures(before: Scrape, after: Scrape): VariantFigures[] {
  const seconds = Math.max((after.at - before.at) / 1000, 1e-3);
  const old = new Map(before.samples.map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.value]));
  const delta = (s: Sample) => Math.max(s.value - (old.get(`${s.name}${JSON.stringify(s.labels)}`) ?? 0), 0);
  const errors = new Map<string, number>();
  for (const s of after.samples) if (s.name === 'lading_request_errors_total') errors.set(s.labels['endpoint'] ?? '', (errors.get(s.labels['endpoint'] ?? '') ?? 0) + delta(s));
  const rows = new Map<string, { requests: number; buckets: Array<[number, number]>; endpoint: string }>();
  for (const s of after.samples) {
    if (s.name !== 'lading_requests_total' && s.name !== 'lading_request_duration_seconds_bucket') continue;
    const { le, ...labels } = s.labels;
    const key = variantKey(labels);
    let row = rows.get(key);
    if (!row) rows.set(key, row = { requests: 0, buckets: [], endpoint: labels['endpoint'] ?? '' });
    if (s.name === 'lading_requests_total') row.requests += delta(s);
    else row.buckets.push([le === '+Inf' ? Infinity : Number(le), delta(s)]);
  }
  return [...rows].map(([key, r]) => {
    const ms = (q: number) => { const v = histogramQuantile(q, r.buckets); return v === null ? null : v * 1000; };
    return { key, rps: r.requests / seconds, p50Ms: ms(0.5), p99Ms: ms(0.99), errorsPerSecond: (errors.get(r.endpoint) ?? 0) / seconds };
  }).sort((a, b) => a.key.localeCompare(b.key));
}
