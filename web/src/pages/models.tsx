import { useState } from 'preact/hooks';
import { getJson, postJson } from '../api.js';
import { Badge, Confirm, Notice, when } from '../components.js';
import type { AliasRecord, ModelSummary, ModelVersion } from '../types.js';
import { useData } from '../use-data.js';

const SHOWN_METRICS = ['accuracy', 'macroF1', 'validAccuracy', 'validMacroF1'];
/** Models shown open at first; the others open on a click (each loads its own versions). */
const OPEN_AT_FIRST = 3;

function metricsOf(v: ModelVersion): string {
  const keys = Object.keys(v.metrics);
  const picked = [...SHOWN_METRICS.filter((k) => k in v.metrics), ...keys.filter((k) => !SHOWN_METRICS.includes(k))].slice(0, 3);
  return picked.map((k) => `${k} ${fmt(v.metrics[k]!)}`).join(' · ');
}
const fmt = (x: number) => (Math.abs(x) <= 1 ? x.toFixed(3) : x.toLocaleString());

type Decision = { model: string; version: number; kind: 'approve' | 'reject' };

/** Every registered model with its aliases; each one's versions with kind, dataset, metrics, approval; approve or reject. */
export function ModelsPage() {
  const { data, error, reload } = useData(() => getJson<{ models: ModelSummary[] }>('/v1/ui/models'), 'models');
  return (
    <section>
      <h2>Models</h2>
      <Notice error={error} />
      {data?.models.length === 0 && <p>No model is registered yet (<code>lading train --register NAME</code>).</p>}
      {data?.models.map((m, i) => <Model key={m.name} model={m} open={i < OPEN_AT_FIRST} onChange={reload} />)}
    </section>
  );
}

function Model({ model: m, open, onChange }: { model: ModelSummary; open: boolean; onChange: () => void }) {
  const [shown, setShown] = useState(open);
  return (
    <article class="card" data-model={m.name}>
      <h3>
        <button class="toggle" aria-expanded={shown} onClick={() => setShown(!shown)}>{shown ? '▾' : '▸'}</button>
        {m.name} <small>{m.versionCount} versions · aliases {m.aliases.map((a) => `${a.alias}→${a.version}`).join(', ') || 'none'} · <a href={`#/lineage/${encodeURIComponent(m.name)}`}>lineage</a></small>
      </h3>
      {shown && <Versions name={m.name} aliases={m.aliases} onChange={onChange} />}
    </article>
  );
}

function Versions({ name, aliases, onChange }: { name: string; aliases: AliasRecord[]; onChange: () => void }) {
  const { data, error, reload } = useData(() => getJson<{ versions: ModelVersion[] }>(`/v1/ui/models/${encodeURIComponent(name)}/versions`), `versions-${name}`);
  const [deciding, setDeciding] = useState<Decision | undefined>(undefined);
  const decide = async (d: Decision, reason: string) => {
    await postJson(`/v1/ui/models/${encodeURIComponent(d.model)}/versions/${d.version}/${d.kind}`, reason !== '' ? { reason } : {});
    reload();
    onChange();
  };
  return (
    <>
      <Notice error={error} />
      <div class="scroll">
        <table>
          <thead><tr><th>Version</th><th>Kind</th><th>Dataset</th><th>Metrics</th><th>Approval</th><th>Aliases</th><th>Registered</th><th /></tr></thead>
          <tbody>
            {data && [...data.versions].reverse().map((v) => (
              <tr key={v.version} data-version={v.version} class={v.deletedAt ? 'deleted' : ''}>
                <td><a href={`#/evaluation/${encodeURIComponent(name)}/${v.version}`} title="evaluation">{v.version}</a></td>
                <td>{v.kind} <small>{v.labelCount} labels</small></td>
                <td><code>{v.datasetId ?? '—'}</code></td>
                <td>{metricsOf(v)}</td>
                <td><Badge text={v.deletedAt ? 'deleted' : v.approval.status} />{v.approval.by && <small> by {v.approval.by}</small>}</td>
                <td>{aliases.filter((a) => a.version === v.version).map((a) => <span class="alias" key={a.alias}>{a.alias}</span>)}</td>
                <td>{when(v.registeredAt)} <small>by {v.registeredBy}</small></td>
                <td class="actions">
                  {!v.deletedAt && v.approval.status !== 'approved' && <button onClick={() => setDeciding({ model: name, version: v.version, kind: 'approve' })}>Approve</button>}
                  {!v.deletedAt && v.approval.status !== 'rejected' && <button class="danger" onClick={() => setDeciding({ model: name, version: v.version, kind: 'reject' })}>Reject</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {deciding && (
        <Confirm title={`${deciding.kind === 'approve' ? 'Approve' : 'Reject'} ${deciding.model} version ${deciding.version}?`}
          confirmLabel={deciding.kind === 'approve' ? 'Approve' : 'Reject'} reason={deciding.kind === 'reject' ? 'required' : 'optional'}
          onConfirm={(reason) => decide(deciding, reason)} onClose={() => setDeciding(undefined)}>
          <p>{deciding.kind === 'approve' ? 'An approved version may be pointed at by aliases that serve traffic.' : 'A rejected version can never be pointed at by an alias again.'} The decision is recorded in the audit log.</p>
        </Confirm>
      )}
    </>
  );
}
