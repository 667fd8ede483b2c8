import { useState } from 'preact/hooks';
import { getJson, postJson } from '../api.js';
import { Badge, Confirm, Notice, when } from '../components.js';
import type { ModelVersion, ModelWithVersions } from '../types.js';
import { useData } from '../use-data.js';

const SHOWN_METRICS = ['accuracy', 'macroF1', 'macro_f1', 'f1', 'hsChapterAccuracy'];

function metricsOf(v: ModelVersion): string {
  const keys = Object.keys(v.metrics);
  const picked = [...SHOWN_METRICS.filter((k) => k in v.metrics), ...keys.filter((k) => !SHOWN_METRICS.includes(k))].slice(0, 3);
  return picked.map((k) => `${k} ${fmt(v.metrics[k]!)}`).join(' · ');
}
const fmt = (x: number) => (Math.abs(x) <= 1 ? x.toFixed(3) : x.toLocaleString());

type Decision = { model: string; version: number; kind: 'approve' | 'reject' };

/** Every registered model with its versions: kind, dataset, metrics, approval, aliases; approve or reject. */
export function ModelsPage() {
  const { data, error, reload } = useData(() => getJson<{ models: ModelWithVersions[] }>('/v1/ui/models'), 'models');
  const [deciding, setDeciding] = useState<Decision | undefined>(undefined);
  const decide = async (d: Decision, reason: string) => {
    await postJson(`/v1/ui/models/${encodeURIComponent(d.model)}/versions/${d.version}/${d.kind}`, reason !== '' ? { reason } : {});
    reload();
  };
  return (
    <section>
      <h2>Models</h2>
      <Notice error={error} />
      {data?.models.length === 0 && <p>No model is registered yet (<code>lading train --register NAME</code>).</p>}
      {data?.models.map((m) => (
        <article class="card" key={m.name} data-model={m.name}>
          <h3>{m.name} <small>{m.versionCount} versions · aliases {m.aliases.map((a) => `${a.alias}→${a.version}`).join(', ') || 'none'}</small></h3>
          <div class="scroll">
            <table>
              <thead><tr><th>Version</th><th>Kind</th><th>Dataset</th><th>Metrics</th><th>Approval</th><th>Aliases</th><th>Registered</th><th /></tr></thead>
              <tbody>
                {[...m.versions].reverse().map((v) => (
                  <tr key={v.version} data-version={v.version} class={v.deletedAt ? 'deleted' : ''}>
                    <td>{v.version}</td>
                    <td>{v.kind}</td>
                    <td><code>{v.datasetId ?? '—'}</code></td>
                    <td>{metricsOf(v)}</td>
                    <td><Badge text={v.deletedAt ? 'deleted' : v.approval.status} />{v.approval.by && <small> by {v.approval.by}</small>}</td>
                    <td>{m.aliases.filter((a) => a.version === v.version).map((a) => <span class="alias" key={a.alias}>{a.alias}</span>)}</td>
                    <td>{when(v.registeredAt)} <small>by {v.registeredBy}</small></td>
                    <td class="actions">
                      {!v.deletedAt && v.approval.status !== 'approved' && <button onClick={() => setDeciding({ model: m.name, version: v.version, kind: 'approve' })}>Approve</button>}
                      {!v.deletedAt && v.approval.status !== 'rejected' && <button class="danger" onClick={() => setDeciding({ model: m.name, version: v.version, kind: 'reject' })}>Reject</button>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </article>
      ))}
      {deciding && (
        <Confirm title={`${deciding.kind === 'approve' ? 'Approve' : 'Reject'} ${deciding.model} version ${deciding.version}?`}
          confirmLabel={deciding.kind === 'approve' ? 'Approve' : 'Reject'} reason={deciding.kind === 'reject' ? 'required' : 'optional'}
          onConfirm={(reason) => decide(deciding, reason)} onClose={() => setDeciding(undefined)}>
          <p>{deciding.kind === 'approve' ? 'An approved version may be pointed at by aliases that serve traffic.' : 'A rejected version can never be pointed at by an alias again.'} The decision is recorded in the audit log.</p>
        </Confirm>
      )}
    </section>
  );
}
