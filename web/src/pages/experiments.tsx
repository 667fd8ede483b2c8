import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { TimeChart } from '../chart.js';
import { Badge, Notice, when } from '../components.js';
import type { ReleaseRecord, ReleaseStep, ReleaseView } from '../types.js';
import { useData } from '../use-data.js';

const EVERY_MS = 5000;

const stepName = (s: ReleaseStep | undefined): string => (s === undefined ? '' : s.kind === 'canary' ? `canary ${s.percent}%` : s.kind === 'shadow' ? `shadow ${s.requests} texts` : s.kind);
export const stepOf = (r: ReleaseRecord): string => (r.step < 0 ? 'not yet deployed' : `${r.step + 1}/${r.plan.steps.length} ${stepName(r.plan.steps[r.step])}`);

/** Releases (challenger against champion), newest first; one release's evidence, sequential statistic and decision. */
export function ExperimentsPage({ id, available }: { id: string | undefined; available: boolean | undefined }) {
  const { data, error } = useData(async () => (available === false ? undefined : getJson<{ releases: ReleaseRecord[] }>('/v1/ui/experiments')), `experiments-${available}`);
  return (
    <section>
      <h2>Experiments</h2>
      <Notice error={error} />
      {available === false && <p>This server has no release store open: <code>lading ui</code> (over the same <code>--home</code> or <code>--registry-url</code>) shows the releases.</p>}
      {data?.releases.length === 0 && <p>No release yet (<code>lading experiment start ENDPOINT --challenger NAME@N</code>, or a pipeline's).</p>}
      {data && data.releases.length > 0 && (
        <div class="scroll">
          <table>
            <thead><tr><th>#</th><th>Endpoint</th><th>Challenger</th><th>Champion</th><th>Status</th><th>Step</th><th>Reason</th><th>Started</th></tr></thead>
            <tbody>
              {data.releases.map((r) => (
                <tr key={r.id} class={String(r.id) === id ? 'selected' : ''}>
                  <td><a href={`#/experiments/${r.id}`}>{r.id}</a></td><td>{r.endpoint}</td><td>{r.challenger}</td><td>{r.champion}</td>
                  <td><Badge text={r.status} /></td><td>{stepOf(r)}</td><td>{r.reason}</td><td>{when(r.startedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {id !== undefined && available && <Release id={id} />}
    </section>
  );
}

interface Point { at: number; estimate: number | null; lower: number | null; upper: number | null }

function Release({ id }: { id: string }) {
  const [view, setView] = useState<ReleaseView | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  // The statistic is recomputed from the stores on each read; the series is what this page saw since it opened.
  const [points, setPoints] = useState<Point[]>([]);
  useEffect(() => {
    let live = true;
    setPoints([]);
    const load = async () => {
      try {
        const v = await getJson<ReleaseView>(`/v1/ui/experiments/${encodeURIComponent(id)}`);
        if (!live) return;
        setView(v);
        setError(undefined);
        const a = v.decision?.accuracy;
        if (a) setPoints((p) => [...p, { at: Date.now() / 1000, estimate: a.estimate, lower: a.lower, upper: a.upper }].slice(-360));
      } catch (e) {
        if (live) setError((e as Error).message);
      }
    };
    void load();
    const timer = setInterval(load, EVERY_MS);
    return () => { live = false; clearInterval(timer); };
  }, [id]);
  const r = view?.release;
  const ev = view?.evidence;
  const d = view?.decision;
  const pct = (right: number, n: number) => (n === 0 ? '—' : `${right}/${n} (${((100 * right) / n).toFixed(1)}%)`);
  return (
    <article class="card" data-release={id}>
      <Notice error={error} />
      {r && (
        <>
          <h3>Release {r.id} on {r.endpoint}: {r.challenger} against {r.champion} <Badge text={r.status} /></h3>
          <p>Step {stepOf(r)} · plan {r.plan.steps.map(stepName).join(' → ')} · α {r.plan.alpha} · {r.reason}</p>
          {d && (
            <p class="decision"><strong>Decision: {d.action.kind}</strong>{d.action.reason ? `: ${d.action.reason}` : d.action.waitingFor ? `: ${d.action.waitingFor}` : ''}<br />
              Statistic: {d.accuracy.estimate === null ? 'no estimate yet' : `challenger − champion accuracy ${d.accuracy.estimate.toFixed(4)}, confidence sequence [${d.accuracy.lower?.toFixed(4) ?? '−∞'}, ${d.accuracy.upper?.toFixed(4) ?? '+∞'}]`} on {d.accuracy.labels} labels ({d.accuracy.decision}): {d.accuracy.reason}</p>
          )}
          {!d && <p>The release is {r.status}; its evidence is no longer read.</p>}
          {ev && (
            <div class="scroll">
              <table class="evidence">
                <thead><tr><th /><th>Champion</th><th>Challenger</th></tr></thead>
                <tbody>
                  <tr><td>Answers this step</td><td>{ev.champion.requests}</td><td>{ev.challenger.requests}</td></tr>
                  <tr><td>p99 ms this step</td><td>{ev.champion.p99Ms?.toFixed(1) ?? '—'}</td><td>{ev.challenger.p99Ms?.toFixed(1) ?? '—'}</td></tr>
                  <tr><td>Labels, unpaired</td><td>{pct(ev.labels.champion.right, ev.labels.champion.n)}</td><td>{pct(ev.labels.challenger.right, ev.labels.challenger.n)}</td></tr>
                  <tr><td>Labels, paired</td><td>{pct(ev.labels.paired.bothRight + ev.labels.paired.championOnly, ev.labels.paired.n)}</td><td>{pct(ev.labels.paired.bothRight + ev.labels.paired.challengerOnly, ev.labels.paired.n)}</td></tr>
                  {ev.compared > 0 && <tr><td>Shadow agreement</td><td colSpan={2}>{pct(ev.agreed, ev.compared)}</td></tr>}
                </tbody>
              </table>
            </div>
          )}
          {points.some((p) => p.estimate !== null) && (
            <TimeChart title="Accuracy difference (challenger − champion) and its confidence sequence" unit="Δ acc" x={points.map((p) => p.at)}
              series={[{ label: 'estimate', values: points.map((p) => p.estimate) }, { label: 'lower', values: points.map((p) => p.lower), dash: true }, { label: 'upper', values: points.map((p) => p.upper), dash: true }]} />
          )}
          <h4>Story</h4>
          <ul class="story">{r.events.map((e, i) => <li key={i}>{when(e.at)} {e.what}{e.revision !== undefined ? ` (revision ${e.revision})` : ''}</li>)}</ul>
        </>
      )}
    </article>
  );
}
