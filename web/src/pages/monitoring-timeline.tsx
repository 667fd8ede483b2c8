import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { TimeChart } from '../chart.js';
import { Notice } from '../components.js';
import type { LoggedEndpoint, TimelineVariant, TimelineWindow } from '../types.js';
import { useData } from '../use-data.js';

const WINDOWS = 8;
/** While windows are pending the server is computing them behind its answer: ask again this soon. */
const PENDING_RETRY_MS = 2000;
const keyOf = (v: TimelineVariant) => `${v.variant} (${v.model}@${v.version})`;

/**
 * An endpoint's prediction log in windows of a fixed time grid (seconds to weeks, chosen by the
 * server for about WINDOWS of them): each drift test's score as a share of its
 * threshold (1 = the line where it counts as drift), and estimated (CBPE) against real accuracy.
 */
export function MonitoringTimeline() {
  const endpoints = useData(() => getJson<{ endpoints: LoggedEndpoint[] }>('/v1/ui/monitoring'), 'logged');
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const endpoint = picked ?? endpoints.data?.endpoints[0]?.endpoint;
  const timeline = useData(async () => (endpoint === undefined ? undefined
    : getJson<{ windows: TimelineWindow[] }>(`/v1/ui/monitoring/${encodeURIComponent(endpoint)}?windows=${WINDOWS}`)), `timeline-${endpoint}`);
  const windows = timeline.data?.windows ?? [];
  const pending = windows.filter((w) => w.pending).length;
  useEffect(() => {
    if (pending === 0) return undefined;
    const t = setTimeout(timeline.reload, PENDING_RETRY_MS);
    return () => clearTimeout(t);
  }, [timeline.data]);
  const keys = [...new Set(windows.flatMap((w) => w.variants.map(keyOf)))].sort();
  const x = windows.map((w) => w.until / 1000);
  return (
    <div class="timeline">
      <Notice error={endpoints.error ?? timeline.error} />
      {endpoints.data?.endpoints.length === 0 && <p>Nothing logged yet: <code>lading serve</code> logs every answer (unless <code>--no-log</code>).</p>}
      {endpoint !== undefined && (
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>Endpoint <select name="endpoint" value={endpoint} onChange={(e) => setPicked((e.target as HTMLSelectElement).value)}>
            {endpoints.data?.endpoints.map((e) => <option key={e.endpoint} value={e.endpoint}>{e.endpoint} ({e.rows.toLocaleString()} answers)</option>)}
          </select></label>
          <button type="button" onClick={timeline.reload}>Refresh</button>
        </form>
      )}
      {pending > 0 && <p class="pending-windows">{pending} of {windows.length} windows still being computed (gaps in the charts, real accuracy left out where the labels are not read yet); they fill in by themselves.</p>}
      {keys.map((k) => {
        const of = windows.map((w) => w.variants.find((v) => keyOf(v) === k));
        const tests = [...new Set(of.flatMap((v) => v?.drift.map((t) => t.name) ?? []))].sort();
        const latest = [...of].reverse().find((v) => v !== undefined);
        return (
          <article class="card" key={k} data-variant={k}>
            <h3>{endpoint} / {k} <small>{of.reduce((s, v) => s + (v?.predictions ?? 0), 0).toLocaleString()} answers in {windows.length} window{windows.length === 1 ? '' : 's'}</small></h3>
            {tests.length === 0 ? <p>No reference profile for this model: no drift or estimated accuracy (profiles are saved when lading trains and registers).</p> : (
              <TimeChart title="Drift score ÷ threshold (≥ 1 is drift)" unit="× threshold" x={x} minSpanSeconds={1}
                series={[...tests.map((t) => ({ label: t, values: of.map((v) => { const r = v?.drift.find((d) => d.name === t); return r && r.threshold > 0 ? r.value / r.threshold : null; }) })),
                  { label: 'threshold', values: x.map(() => 1), dash: true }]} />
            )}
            <TimeChart title="Accuracy: estimated (CBPE) and real (labels)" unit="accuracy" x={x} minSpanSeconds={1}
              series={[{ label: 'estimated', values: of.map((v) => v?.estimatedAccuracy ?? null) }, { label: 'real', values: of.map((v) => v?.realAccuracy ?? null) }]} />
            {latest && latest.drift.length > 0 && (
              <div class="scroll">
                <table class="drift-tests">
                  <thead><tr><th>Drift test (latest window)</th><th>Score</th><th>Threshold</th><th>Drift</th></tr></thead>
                  <tbody>{latest.drift.map((t) => <tr key={t.name}><td>{t.name}</td><td>{t.value.toFixed(4)}</td><td>{t.threshold.toFixed(4)}</td><td>{t.drift ? 'yes' : 'no'}</td></tr>)}</tbody>
                </table>
              </div>
            )}
            {latest && latest.separatingTokens.length > 0 && <p>Tokens typical of the latest window against the reference: {latest.separatingTokens.map((t) => <code key={t}>{t} </code>)}</p>}
            {latest && <p>{windows.at(-1)?.pending ? 'Latest computed window' : 'Latest window'}: {latest.predictions} answers, {latest.labelled} labelled.</p>}
          </article>
        );
      })}
    </div>
  );
}
