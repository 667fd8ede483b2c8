// Just enough of the Prometheus text format to read lading's /metrics: samples with their labels.

export interface Sample { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly value: number }

const LINE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The q-quantile of a histogram given as cumulative bucket counts by upper bound (linear within a bucket, as PromQL's histogram_quantile). */
export function histogramQuantile(q: number, buckets: ReadonlyArray<readonly [number, number]>): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(bound)) return prevBound; // beyond the last finite bucket: its bound is all we know
      return prevBound + (bound - prevBound) * ((rank - prevCount) / Math.max(count - prevCount, 1e-12));
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}
