import { useState } from 'preact/hooks';
import { getJson, postJson } from '../api.js';
import { Badge, Confirm, Notice, when } from '../components.js';
import type { DeploymentHistory, DeploymentRecord, DeploymentSpec } from '../types.js';
import { useData } from '../use-data.js';

/** "a 90% (m@3) · b 10% (m@4) · s shadow (m@5)": the variants and their share of traffic. */
export function variantsOf(spec: DeploymentSpec | null): string {
  if (spec === null) return 'removed';
  const primaries = spec.variants.filter((v) => v.role !== 'shadow');
  const total = primaries.reduce((s, v) => s + (v.weight ?? 1), 0) || 1;
  return spec.variants.map((v) => `${v.name} ${v.role === 'shadow' ? 'shadow' : `${Math.round(((v.weight ?? 1) / total) * 1000) / 10}%`} (${v.model})`).join(' · ');
}

/** What changed from the previous revision, in a few words. */
function changeOf(prev: DeploymentRecord | undefined, cur: DeploymentRecord): string {
  if (prev === undefined) return 'created';
  const before = variantsOf(prev.spec);
  const after = variantsOf(cur.spec);
  if (before === after) return prev.spec?.mode !== cur.spec?.mode ? `mode ${prev.spec?.mode} → ${cur.spec?.mode}` : 'same variants';
  return `${before} → ${after}`;
}

/** Endpoints with their variants and split; one endpoint's revisions, and rollback behind a confirmation. */
export function DeploymentsPage({ endpoint }: { endpoint: string | undefined }) {
  const list = useData(() => getJson<{ deployments: DeploymentRecord[] }>('/v1/ui/deployments'), 'deployments');
  return (
    <section>
      <h2>Deployments</h2>
      <Notice error={list.error} />
      {list.data?.deployments.length === 0 && <p>No deployment yet (<code>lading deploy set</code>).</p>}
      <div class="scroll">
        <table class="deployments">
          <thead><tr><th>Endpoint</th><th>Mode</th><th>Variants and split</th><th>Revision</th><th>Changed</th></tr></thead>
          <tbody>
            {list.data?.deployments.map((d) => (
              <tr key={d.endpoint} class={d.endpoint === endpoint ? 'selected' : ''}>
                <td><a href={`#/deployments/${encodeURIComponent(d.endpoint)}`}>{d.endpoint}</a></td>
                <td>{d.spec?.mode ?? '—'}</td>
                <td>{variantsOf(d.spec)}</td>
                <td>{d.revision}</td>
                <td>{when(d.at)} <small>{d.action} by {d.actor}</small></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {endpoint !== undefined && <History endpoint={endpoint} onChange={list.reload} />}
    </section>
  );
}

function History({ endpoint, onChange }: { endpoint: string; onChange: () => void }) {
  const { data, error, reload } = useData(() => getJson<DeploymentHistory>(`/v1/ui/deployments/${encodeURIComponent(endpoint)}/history`), `history-${endpoint}`);
  const [confirming, setConfirming] = useState(false);
  const plan = data?.rollback;
  const target = plan && 'to' in plan ? data.history.find((r) => r.revision === plan.to) : undefined;
  const rollback = async (reason: string) => {
    if (!plan || !('from' in plan)) return;
    await postJson(`/v1/ui/deployments/${encodeURIComponent(endpoint)}/rollback`, { fromRevision: plan.from, ...(reason !== '' ? { reason } : {}) });
    reload();
    onChange();
  };
  return (
    <article class="card" data-endpoint={endpoint}>
      <h3>{endpoint}: revision history
        {target ? <button class="danger" onClick={() => setConfirming(true)}>Roll back to revision {target.revision}</button>
          : plan && 'refused' in plan ? <small> (no rollback: {plan.refused})</small> : null}
      </h3>
      <Notice error={error} />
      <div class="scroll">
        <table>
          <thead><tr><th>Revision</th><th>When</th><th>Action</th><th>Who</th><th>Why</th><th>What changed</th></tr></thead>
          <tbody>
            {data && [...data.history].reverse().map((r) => (
              <tr key={r.revision} data-revision={r.revision}>
                <td>{r.revision}</td><td>{when(r.at)}</td><td><Badge text={r.action} /></td><td>{r.actor}</td><td>{r.reason ?? ''}</td>
                <td>{changeOf(data.history.find((p) => p.revision === r.revision - 1), r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {confirming && target && plan && 'from' in plan && (
        <Confirm title={`Roll ${endpoint} back?`} confirmLabel="Roll back" reason="optional" onConfirm={rollback} onClose={() => setConfirming(false)}>
          <p>From revision {plan.from} to the deployment of revision {target.revision}:</p>
          <p><strong>{variantsOf(target.spec)}</strong></p>
          <p>This writes a new revision; servers following the registry apply it within a poll.</p>
        </Confirm>
      )}
    </article>
  );
}
