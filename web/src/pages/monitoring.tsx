import { getJson } from '../api.js';
import { TimeChart } from '../chart.js';
import { Badge, Notice, when } from '../components.js';
import type { AlertEvent, UiInfo } from '../types.js';
import { useData } from '../use-data.js';
import { MonitoringTimeline } from './monitoring-timeline.js';

/**
 * The prediction log over time (monitoring-timeline.tsx), then the monitor's alert history: each rule's value against its threshold at every transition (fired,
 * resolved), one chart per rule, and the events. The history records values only when an alert
 * changes state, so the charts are step points, not a continuous series.
 */
export function MonitoringPage({ info }: { info: UiInfo | undefined }) {
  const { data, error } = useData(async () => (info?.alerts === false ? { events: [] } : getJson<{ events: AlertEvent[] }>('/v1/ui/alerts')), `alerts-${info?.alerts}`);
  const events = [...(data?.events ?? [])].reverse(); // oldest first for the charts
  const chartOf = (e: AlertEvent) => `${e.rule} on ${e.endpoint}${e.variant ? `/${e.variant}` : ''}`;
  const charts = [...new Set(events.map(chartOf))].sort();
  const active = new Map<string, AlertEvent>();
  for (const e of events) {
    const key = `${e.rule}|${e.endpoint}|${e.variant ?? ''}`;
    if (e.state === 'fired') active.set(key, e);
    else active.delete(key);
  }
  return (
    <section>
      <h2>Monitoring</h2>
      {info?.monitoring && <MonitoringTimeline />}
      {info && !info.monitoring && <p>Drift and accuracy over time are read by <code>lading ui</code> (over the same <code>--home</code> or <code>--registry-url</code>): a serving process leaves those reports out so that they never slow its predictions.</p>}
      <h3>Alerts</h3>
      <Notice error={error} />
      {data && events.length === 0 && <p>No alert has fired yet (<code>lading serve --monitor</code> or <code>lading monitor run</code> write the alert history).</p>}
      {active.size > 0 && <p class="notice">Active: {[...active.values()].map((e) => `${e.rule} on ${e.endpoint}`).join(', ')}</p>}
      {charts.map((chart) => {
        const of = events.filter((e) => chartOf(e) === chart);
        return <TimeChart key={chart} title={chart} unit="value" x={of.map((e) => e.at / 1000)}
          series={[{ label: 'value at fired/resolved', values: of.map((e) => e.value), pointsOnly: true }, { label: 'threshold', values: of.map((e) => e.threshold), dash: true }]} />;
      })}
      {events.length > 0 && (
        <div class="scroll">
          <table class="alerts">
            <thead><tr><th>When</th><th>State</th><th>Rule</th><th>Endpoint</th><th>Variant</th><th>Value</th><th>Threshold</th><th>Message</th></tr></thead>
            <tbody>
              {[...events].reverse().map((e) => (
                <tr key={`${e.id}-${e.state}`}><td>{when(e.at)}</td><td><Badge text={e.state} /></td><td>{e.rule}</td><td>{e.endpoint}</td><td>{e.variant ?? ''}</td>
                  <td>{e.value.toFixed(3)}</td><td>{e.threshold.toFixed(3)}</td><td>{e.message}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
