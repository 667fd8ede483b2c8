import { useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Badge, Notice, when } from '../components.js';
import type { AuditEntry } from '../types.js';
import { useData } from '../use-data.js';

const ACTIONS = ['', 'register', 'alias-set', 'alias-delete', 'approve', 'reject', 'rollback', 'delete-version'];

const brief = (x: unknown): string => (x === null || x === undefined ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x));

/** The registry's append-only audit log, newest first, filtered by model, action and actor. */
export function AuditPage() {
  const [filter, setFilter] = useState({ model: '', action: '', actor: '' });
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== '')).toString();
  const { data, error } = useData(() => getJson<{ entries: AuditEntry[] }>(`/v1/ui/audit?${query}`), query);
  const set = (k: keyof typeof filter) => (e: Event) => setFilter({ ...filter, [k]: (e.target as HTMLInputElement).value });
  return (
    <section>
      <h2>Audit log</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Model <input name="model" value={filter.model} onChange={set('model')} /></label>
        <label>Action <select name="action" value={filter.action} onChange={set('action')}>{ACTIONS.map((a) => <option key={a} value={a}>{a || 'any'}</option>)}</select></label>
        <label>Actor <input name="actor" value={filter.actor} onChange={set('actor')} /></label>
      </form>
      <Notice error={error} />
      <div class="scroll">
        <table class="audit">
          <thead><tr><th>#</th><th>When</th><th>Actor</th><th>Action</th><th>Model</th><th>Version</th><th>Alias</th><th>Before → after</th><th>Reason</th></tr></thead>
          <tbody>
            {data?.entries.map((e) => (
              <tr key={`${e.model}-${e.id}`}>
                <td>{e.id}</td><td>{when(e.at)}</td><td>{e.actor}</td><td><Badge text={e.action} /></td><td>{e.model}</td>
                <td>{e.version ?? ''}</td><td>{e.alias ?? ''}</td><td><code>{brief(e.before)} → {brief(e.after)}</code></td><td>{e.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data?.entries.length === 0 && <p>No entry matches.</p>}
    </section>
  );
}
