import { getJson } from '../api.js';
import { Badge, Notice, when } from '../components.js';
import type { LineageVersion, ModelLineageOverview, ModelSummary } from '../types.js';
import { useData } from '../use-data.js';

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
const at = (iso: string | null, now: number) => (iso === null ? now : Date.parse(iso));

/** One bar of the timeline: a stretch of time a version was referred to by a deployment variant or an alias. */
interface Lane { key: string; version: number; what: string; periods: Array<{ from: string; until: string | null; note: string }>; kind: 'deployment' | 'alias' }

function lanesOf(versions: readonly LineageVersion[]): Lane[] {
  const lanes: Lane[] = [];
  for (const v of versions) {
    const byVariant = new Map<string, Lane>();
    for (const d of v.deployments) {
      const what = `${d.endpoint}/${d.variant}`;
      const lane = byVariant.get(what) ?? { key: `${v.version}-${what}`, version: v.version, what, periods: [], kind: 'deployment' as const };
      lane.periods.push({ from: d.from, until: d.until, note: `revision ${d.revision}, ${d.role === 'shadow' ? 'shadow' : `weight ${d.weight}`}, as ${d.ref}` });
      byVariant.set(what, lane);
    }
    lanes.push(...byVariant.values());
    const byAlias = new Map<string, Lane>();
    for (const a of v.aliasHistory) {
      const lane = byAlias.get(a.alias) ?? { key: `${v.version}-@${a.alias}`, version: v.version, what: `@${a.alias}`, periods: [], kind: 'alias' as const };
      lane.periods.push({ from: a.from, until: a.until, note: `moved by ${a.movedBy}` });
      byAlias.set(a.alias, lane);
    }
    lanes.push(...byAlias.values());
  }
  return lanes;
}

/** dataset version -> model version -> the deployments (endpoint, variant, revision) and aliases it served in, over time. */
export function LineagePage({ model }: { model: string | undefined }) {
  const models = useData(() => getJson<{ models: ModelSummary[] }>('/v1/ui/models'), 'models');
  return (
    <section>
      <h2>Lineage{model ? `: ${model}` : ''}</h2>
      <p class="model-links">Model: {models.data?.models.map((m) => <a key={m.name} href={`#/lineage/${encodeURIComponent(m.name)}`} aria-current={m.name === model ? 'page' : undefined}>{m.name}</a>)}</p>
      <Notice error={models.error} />
      {model === undefined ? <p>Choose a model.</p> : <Lineage model={model} />}
    </section>
  );
}

function Lineage({ model }: { model: string }) {
  const { data, error } = useData(() => getJson<ModelLineageOverview>(`/v1/ui/models/${encodeURIComponent(model)}/lineage`), `lineage-${model}`);
  if (error) return <Notice error={error} />;
  if (!data) return null;
  const byVersion = new Map(data.versions.map((v) => [v.version, v]));
  return (
    <>
      {data.omitted > 0 && <p>{data.omitted} older versions are left out (<code>lading models lineage {model} V</code> shows any).</p>}
      <Timeline versions={data.versions} />
      {data.datasets.map((d) => (
        <article class="card" key={d.datasetId ?? 'none'} data-dataset={d.datasetId ?? 'none'}>
          <h3>{d.datasetId ? <>Dataset <code>{d.datasetId}</code></> : 'No dataset version recorded'} <small>{d.versions.length} model versions trained on it</small></h3>
          <div class="scroll">
            <table class="lineage">
              <thead><tr><th>Version</th><th>Kind</th><th>Validation accuracy</th><th>Approval</th><th>From</th><th>Served in</th><th>Registered</th></tr></thead>
              <tbody>
                {d.versions.map((n) => byVersion.get(n)!).reverse().map((v) => (
                  <tr key={v.version} data-version={v.version} class={v.deletedAt ? 'deleted' : ''}>
                    <td><a href={`#/evaluation/${encodeURIComponent(model)}/${v.version}`} title="evaluation">{v.version}</a></td>
                    <td>{v.kind}</td>
                    <td>{pct(v.validAccuracy)}</td>
                    <td><Badge text={v.deletedAt ? 'deleted' : v.approval} /></td>
                    <td>{v.parentVersion === null ? '—' : `retrained from ${v.parentVersion}`}</td>
                    <td class="served">{v.deployments.length === 0 && v.aliasHistory.length === 0 ? <small>never deployed</small>
                      : <ul class="periods">
                        {v.deployments.map((p) => <li key={`${p.endpoint}-${p.revision}-${p.variant}-${p.from}`}><strong>{p.endpoint}/{p.variant}</strong> rev {p.revision} {p.role === 'shadow' ? '(shadow)' : `(weight ${p.weight})`}: {when(p.from)} → {p.until ? when(p.until) : 'now'}</li>)}
                        {v.aliasHistory.map((a) => <li key={`${a.alias}-${a.from}`}><span class="alias">{a.alias}</span> {when(a.from)} → {a.until ? when(a.until) : 'now'}</li>)}
                      </ul>}
                    </td>
                    <td>{when(v.registeredAt)} <small>by {v.registeredBy}</small></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </article>
      ))}
    </>
  );
}

/** Which version served where, when: one lane per version and endpoint variant (or alias), bars on a shared time axis. */
function Timeline({ versions }: { versions: readonly LineageVersion[] }) {
  const lanes = lanesOf(versions);
  if (lanes.length === 0) return <p>No version of this model has been deployed or given an alias yet.</p>;
  const now = Date.now();
  const start = Math.min(...versions.map((v) => Date.parse(v.registeredAt)));
  const span = Math.max(now - start, 1);
  const x = (t: number) => `${(100 * (t - start)) / span}%`;
  return (
    <article class="card timeline">
      <h3>When each version served <small>{when(start)} → now</small></h3>
      {lanes.map((l) => (
        <div class={`lane lane-${l.kind}`} key={l.key} data-lane={`${l.version} ${l.what}`}>
          <span class="lane-name">v{l.version} {l.what}</span>
          <span class="track">
            {l.periods.map((p) => {
              const from = at(p.from, now);
              return <span key={p.from} class="bar" style={{ left: x(from), width: `${(100 * (at(p.until, now) - from)) / span}%` }} title={`${when(p.from)} → ${p.until ? when(p.until) : 'now'}: ${p.note}`} />;
            })}
          </span>
        </div>
      ))}
    </article>
  );
}
